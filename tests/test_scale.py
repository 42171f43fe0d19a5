"""What lets a large day fit in memory gives the same answers as doing it all at once.

Each piece that works a block at a time on a big day (account links, topic words)
is run here on a small input with tiny blocks, against the one-pass result.
"""

import numpy as np
import pytest

from scoring.links import account_links
from scoring.nodes import Nodes
from scoring.options import CampaignOptions, TopicOptions
from scoring.topic_text import TopicWords
from scoring.tokens import TokenStore


def random_day(seed: int = 0, n_uids: int = 3000, n_accounts: int = 200, n_nodes: int = 6000):
    rng = np.random.default_rng(seed)
    pairs = np.unique(np.stack([rng.integers(0, n_accounts, n_nodes), rng.integers(0, n_uids, n_nodes)], 1), axis=0)
    ids = rng.integers(-1, n_uids, (n_uids, 10))
    ids[5, 3] = 5  # a list that holds its own prompt: never a link
    return pairs[:, 0], pairs[:, 1], ids, rng.integers(1, 8, n_uids), rng.random(n_accounts) < 0.8


def test_account_links_in_blocks_equal_one_product():
    account, uid, ids, reach, eligible = random_day()
    nodes = Nodes(account=account, uid=uid, n_accounts=200)
    kw = dict(eligible=eligible, max_reach=CampaignOptions().max_link_reach)
    whole = account_links(nodes, ids, reach, **kw)
    blocks = account_links(nodes, ids.astype(np.int32), reach, block_prompts=700, **kw)
    assert whole.nnz == blocks.nnz > 0
    assert abs(whole - blocks).max() == pytest.approx(0.0, abs=1e-12)
    assert abs(blocks - blocks.T).max() < 1e-12 and blocks.diagonal().max() == 0


def test_topic_words_read_a_batch_at_a_time_give_the_same_texts():
    store = TokenStore()
    templates = ["Write a short story about {} in the style of Hemingway.", "Explain {} to a child, briefly.",
                 "Quiz question about {}: what is it?"]
    fills = ["dragons", "tax law", "black holes", "sourdough bread", "volcanoes", "the moon", "chess openings"]
    uids = [store.add(t.format(f)) for t in templates for f in fills] + [store.add("how do volcanoes erupt")]
    rng = np.random.default_rng(0)
    node_uid = np.array(uids * 3)
    group = np.where(rng.random(len(node_uid)) < 0.2, -1, np.repeat(np.arange(len(node_uid) // 7 + 1), 7)[:len(node_uid)])
    options = TopicOptions(template_word_share=0.3, template_word_min_count=2)
    whole = TopicWords(store, group, node_uid, options=options)
    batched = TopicWords(store, group, node_uid, options=options, batch=5)
    everything = np.arange(len(node_uid))
    assert whole.texts(everything) == batched.texts(everything) != {}
    some = rng.permutation(len(node_uid))[:20]
    assert whole.texts(some) == batched.texts(some)

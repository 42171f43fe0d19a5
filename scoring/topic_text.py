"""What a prompt is about: its content words, without template wording.

A sentence embedding weighs wording as well as topic; the static model weighs it
heavily. Fifty fills of "Write a quiz question about {x}" embed close together
whatever ``x`` is, so an even topic sweep run through a few templates would look
narrow. Topic cells are therefore assigned on each prompt's *topic text*:

- function words and generic request words ("please explain", "write me") are
  dropped from every prompt, so that a person's full question and a generator's
  bare slot filler land in the same region of embedding space;
- in a template group, words that recur across a large share of its prompts are
  the template's wording (including a paraphrasing generator's synonyms) and are
  dropped too, leaving the slot fillers.

A person's own topic words are never dropped, so a person stays as concentrated
as they are.
"""

from __future__ import annotations

import numpy as np

from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from scoring.tokens import GAP, TokenStore

# Words that ask for something without saying what about (ours; ENGLISH_STOP_WORDS covers function words).
REQUEST_WORDS = frozenset("""
    answer ask brief briefly can could create describe detail detailed example examples explain explanation
    generate give guide help hey hi hello how i'd i'll i'm it's kindly let list make me need okay ok please
    provide question questions quick really short simple simply summarize summary tell thanks thank want
    what's write would you'd you're
""".split())


def recurring_word_mask(position_tokens: np.ndarray, position_node: np.ndarray, node_group: np.ndarray, *,
                        share: float, min_count: int) -> np.ndarray:
    """Mark every token position whose token recurs in its node's group.

    A token recurs when it occurs in at least ``max(min_count, share · n)`` of the
    group's ``n`` nodes. Nodes in group -1 are never marked.

    Args:
        position_tokens: token id at each position (positions laid out node after node).
        position_node: the node each position belongs to.
        node_group: group of each node, -1 for none.
        share, min_count: see above.
    """
    group_of = node_group[position_node]
    member = group_of >= 0
    tok, group, node = position_tokens[member], group_of[member].astype(np.int64), position_node[member]
    vocab = int(position_tokens.max(initial=0)) + 1
    # Document frequency within the group: count each (node, token) once.
    first = np.unique(node.astype(np.int64) * vocab + tok, return_index=True)[1]
    group_tok = group * vocab + tok
    keys, df = np.unique(group_tok[first], return_counts=True)
    needed = np.maximum(min_count, share * np.bincount(node_group[node_group >= 0]))
    recurring = np.zeros(len(position_tokens), dtype=bool)
    recurring[member] = (df[np.searchsorted(keys, group_tok)] >= needed[group]) & (tok != GAP)
    return recurring


def topic_texts(
    store: TokenStore,
    node_group: np.ndarray,
    node_uid: np.ndarray,
    *,
    share: float = 0.05,
    min_count: int = 3,
) -> dict[int, str]:
    """Topic text of every (account, prompt) node whose words change (see the module docstring).

    Args:
        store: token sequences of the day's distinct prompts.
        node_group: template group of each node, -1 for none.
        node_uid: the node's prompt.
        share: share of a group's prompts a word must occur in to be template wording, in (0, 1].
        min_count: and at least this many prompts.

    Returns:
        node -> its topic text, for nodes that lost some words and kept at least
        one (others keep their full-prompt vector).
    """
    if not 0.0 < share <= 1.0:
        raise ValueError("scoring.topics.template_word_share must be in (0, 1]")
    tokens, offsets = store.flat()
    n_nodes = len(node_uid)
    lengths = np.diff(offsets)[node_uid]
    bounds = np.concatenate([[0], np.cumsum(lengths)])
    position_node = np.repeat(np.arange(n_nodes), lengths)
    position_tokens = tokens[np.arange(bounds[-1]) + np.repeat(offsets[node_uid] - bounds[:-1], lengths)]
    drop = _generic_words(store)[position_tokens]
    drop |= recurring_word_mask(position_tokens, position_node, node_group, share=share, min_count=min_count)
    texts: dict[int, str] = {}
    changed = np.bincount(position_node, weights=drop, minlength=n_nodes) > 0
    for node in np.flatnonzero(changed):
        kept = position_tokens[bounds[node] : bounds[node + 1]][~drop[bounds[node] : bounds[node + 1]]]
        if len(kept):
            texts[int(node)] = store.render(kept.tolist())
    return texts


def _generic_words(store: TokenStore) -> np.ndarray:
    """Per token id: True for punctuation, the gap, function words and request words."""
    words = store.words()
    generic = np.fromiter(
        (not store.is_word(i) or w in ENGLISH_STOP_WORDS or w in REQUEST_WORDS for i, w in enumerate(words)),
        dtype=bool, count=len(words),
    )
    return generic

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


class TopicWords:
    """Which tokens of each (account, prompt) node are its topic words; computed once for the day.

    Texts are rendered on request for a batch of nodes (:meth:`texts`), so the
    day's topic texts never all sit in memory at once.

    Args:
        store: token sequences of the day's distinct prompts.
        node_group: template group of each node, -1 for none.
        node_uid: the node's prompt.
        share: share of a group's prompts a word must occur in to be template wording, in (0, 1].
        min_count: and at least this many prompts.
    """

    def __init__(self, store: TokenStore, node_group: np.ndarray, node_uid: np.ndarray, *, share: float = 0.05,
                 min_count: int = 3) -> None:
        if not 0.0 < share <= 1.0:
            raise ValueError("scoring.topics.template_word_share must be in (0, 1]")
        tokens, offsets = store.flat()
        lengths = np.diff(offsets)[node_uid]
        self._store = store
        self._bounds = np.concatenate([[0], np.cumsum(lengths)])
        position_node = np.repeat(np.arange(len(node_uid)), lengths)
        self._tokens = tokens[np.arange(self._bounds[-1]) + np.repeat(offsets[node_uid] - self._bounds[:-1], lengths)]
        drop = _generic_words(store)[self._tokens]
        drop |= recurring_word_mask(self._tokens, position_node, node_group, share=share, min_count=min_count)
        self._drop = drop
        self._changed = np.bincount(position_node, weights=drop, minlength=len(node_uid)) > 0

    def texts(self, nodes: np.ndarray) -> dict[int, str]:
        """Position in ``nodes`` -> topic text, for the nodes that lost some words and kept at least
        one (the others keep their full-prompt vector)."""
        out: dict[int, str] = {}
        for i in np.flatnonzero(self._changed[nodes]):
            lo, hi = self._bounds[nodes[i]], self._bounds[nodes[i] + 1]
            kept = self._tokens[lo:hi][~self._drop[lo:hi]]
            if len(kept):
                out[int(i)] = self._store.render(kept.tolist())
        return out


def topic_texts(
    store: TokenStore,
    node_group: np.ndarray,
    node_uid: np.ndarray,
    *,
    share: float = 0.05,
    min_count: int = 3,
) -> dict[int, str]:
    """Topic text of every node whose words change: :meth:`TopicWords.texts` over all nodes
    (arguments as for :class:`TopicWords`); node -> its topic text."""
    return TopicWords(store, node_group, node_uid, share=share, min_count=min_count).texts(np.arange(len(node_uid)))


def _generic_words(store: TokenStore) -> np.ndarray:
    """Per token id: True for punctuation, the gap, function words and request words."""
    words = store.words()
    generic = np.fromiter(
        (not store.is_word(i) or w in ENGLISH_STOP_WORDS or w in REQUEST_WORDS for i, w in enumerate(words)),
        dtype=bool, count=len(words),
    )
    return generic

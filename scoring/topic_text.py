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

from scoring.arrays import distinct, distinct_counts, run_starts
from scoring.options import TopicOptions
from scoring.tokens import GAP, TokenStore

# Words that ask for something without saying what about (ours; ENGLISH_STOP_WORDS covers function words).
REQUEST_WORDS = frozenset("""
    answer ask brief briefly can could create describe detail detailed example examples explain explanation
    generate give guide help hey hi hello how i'd i'll i'm it's kindly let list make me need okay ok please
    provide question questions quick really short simple simply summarize summary tell thanks thank want
    what's write would you'd you're
""".split())


class TopicWords:
    """Which tokens of each (account, prompt) node are its topic words; computed once for the day.

    Texts are rendered on request for a batch of nodes (:meth:`texts`), so the
    day's topic texts never all sit in memory at once; nor do the nodes' tokens:
    what is kept for the day is the set of template words of each group and, per
    node, whether it loses any word. A batch's tokens are read from the store when asked.

    Args:
        store: token sequences of the day's distinct prompts.
        node_group: template group of each node, -1 for none.
        node_uid: the node's prompt.
        options: a word in ``template_word_share`` of a group's prompts, and at least
            ``template_word_min_count`` of them, is template wording.
        batch: nodes whose tokens are read at a time.
    """

    def __init__(self, store: TokenStore, node_group: np.ndarray, node_uid: np.ndarray, *, options: TopicOptions,
                 batch: int = 1 << 18) -> None:
        share, min_count = options.template_word_share, options.template_word_min_count
        self._store, self._batch = store, batch
        self._node_group, self._node_uid = np.asarray(node_group), np.asarray(node_uid)
        self._generic = generic_words(store)
        self._vocab = max(1, len(self._generic))
        self._recurring = self._recurring_keys(share=share, min_count=min_count)
        n = len(self._node_uid)
        self._changed = np.zeros(n, dtype=bool)
        for lo in range(0, n, batch):
            nodes = np.arange(lo, min(n, lo + batch))
            _, bounds, drop = self._drop_mask(nodes)
            position_node = np.repeat(np.arange(len(nodes)), np.diff(bounds))
            self._changed[nodes] = np.bincount(position_node, weights=drop, minlength=len(nodes)) > 0

    def texts(self, nodes: np.ndarray) -> dict[int, str]:
        """Position in ``nodes`` -> topic text, for the nodes that lost some words and kept at least
        one (the others keep their full-prompt vector)."""
        out: dict[int, str] = {}
        nodes = np.asarray(nodes, dtype=np.int64)
        for lo in range(0, len(nodes), self._batch):
            part = nodes[lo : lo + self._batch]
            changed = np.flatnonzero(self._changed[part])
            tokens, bounds, drop = self._drop_mask(part[changed])
            for j, i in enumerate(changed):
                kept = tokens[bounds[j] : bounds[j + 1]][~drop[bounds[j] : bounds[j + 1]]]
                if len(kept):
                    out[int(lo + i)] = self._store.render(kept.tolist())
        return out

    def kept(self, nodes: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The positions in ``nodes`` that :meth:`texts` gives a text, and those texts as token ids:
        ``(positions, tokens, bounds)``, text ``i`` being ``tokens[bounds[i]:bounds[i + 1]]``."""
        nodes = np.asarray(nodes, dtype=np.int64)
        changed = np.flatnonzero(self._changed[nodes])
        tokens, bounds, drop = self._drop_mask(nodes[changed])
        node = np.repeat(np.arange(len(changed)), np.diff(bounds))[~drop]
        n_kept = np.bincount(node, minlength=len(changed))
        has = n_kept > 0
        return changed[has], tokens[~drop], np.concatenate([[0], np.cumsum(n_kept[has])]).astype(np.int64)

    def keys(self, nodes: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """:meth:`kept`, and a 64-bit key of each text: ``(positions, keys, tokens, bounds)``.

        The key is a hash of the text's words in order, so equal keys mean equal texts (up to a
        2⁻⁶⁴ chance) on any day and in any run, whatever the token ids: a text placed once need not
        be embedded again.
        """
        positions, tokens, bounds = self.kept(nodes)
        n_kept = np.diff(bounds)
        starts = bounds[:-1]
        position = np.arange(len(tokens)) - np.repeat(starts, n_kept)
        powers = np.cumprod(np.full(int(position.max(initial=0)) + 1, _HASH_BASE, dtype=np.uint64))
        terms = self._store.word_hashes()[tokens] * powers[position]
        keys = np.add.reduceat(terms, starts) if len(terms) else np.zeros(0, dtype=np.uint64)
        return positions, _mix(keys ^ n_kept.astype(np.uint64)), tokens, bounds

    def _drop_mask(self, nodes: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The nodes' tokens laid out node after node, their bounds, and which tokens are dropped."""
        tokens, bounds = self._store.take(self._node_uid[nodes])
        drop = self._generic[tokens]
        group = np.repeat(self._node_group[nodes], np.diff(bounds))
        member = np.flatnonzero(group >= 0)
        keys = group[member].astype(np.int64) * self._vocab + tokens[member]
        where = np.searchsorted(self._recurring, keys)
        found = self._recurring[np.minimum(where, len(self._recurring) - 1)] == keys if len(self._recurring) else \
            np.zeros(len(keys), dtype=bool)
        drop[member] |= found
        return tokens, bounds, drop

    def _recurring_keys(self, *, share: float, min_count: int) -> np.ndarray:
        """Sorted ``group · vocab + token`` keys of the tokens that recur in their group's nodes: in at
        least ``max(min_count, share · n)`` of the group's ``n`` nodes (the gap never recurs). Counted
        a batch of member nodes at a time."""
        group_of = self._node_group
        members = np.flatnonzero(group_of >= 0)
        needed = np.maximum(min_count, share * np.bincount(group_of[members])) if len(members) else np.zeros(0)
        found: list[tuple[np.ndarray, np.ndarray]] = []
        for lo in range(0, len(members), self._batch):
            part = members[lo : lo + self._batch]
            tokens, bounds = self._store.take(self._node_uid[part])
            node = np.repeat(part, np.diff(bounds))
            # Document frequency within the group: each (node, token) once.
            pairs = distinct(node * self._vocab + tokens)
            found.append(distinct_counts(group_of[pairs // self._vocab].astype(np.int64) * self._vocab + pairs % self._vocab))
        if not found:
            return np.zeros(0, dtype=np.int64)
        keys = np.concatenate([k for k, _ in found])
        counts = np.concatenate([c for _, c in found])
        order = np.argsort(keys, kind="stable")
        keys, counts = keys[order], counts[order]
        starts = run_starts(keys)
        keys, df = keys[starts], np.add.reduceat(counts, starts)
        tok = keys % self._vocab
        return keys[(df >= needed[keys // self._vocab]) & (tok != GAP)]


_HASH_BASE = np.uint64(0x9E3779B97F4A7C15)


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser: every input bit moves every output bit."""
    x = np.asarray(x, dtype=np.uint64)
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


def topic_texts(store: TokenStore, node_group: np.ndarray, node_uid: np.ndarray, *,
                options: TopicOptions) -> dict[int, str]:
    """Topic text of every node whose words change: :meth:`TopicWords.texts` over all nodes
    (arguments as for :class:`TopicWords`); node -> its topic text."""
    return TopicWords(store, node_group, node_uid, options=options).texts(np.arange(len(node_uid)))


def generic_words(store: TokenStore) -> np.ndarray:
    """Per token id: True for punctuation, the gap, function words and request words."""
    words = store.words()
    generic = np.fromiter(
        (not store.is_word(i) or w in ENGLISH_STOP_WORDS or w in REQUEST_WORDS for i, w in enumerate(words)),
        dtype=bool, count=len(words),
    )
    return generic

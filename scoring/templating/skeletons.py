"""Skeletons: template groups by a fixed opening and closing, within each account.

A prompt's template opening is its longest run of first tokens that enough prompts of
its account share and that stops thinning out where the slot begins; its closing
likewise from the end. Prompts with the same opening and closing form a group. Groups
that share an opening or closing are one task's variants (a family).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import connected_components

from scoring.arrays import MIX, distinct, distinct_counts, occurrences
from scoring.nodes import Nodes
from scoring.options import TemplateOptions
from scoring.tokens import TokenStore


@dataclass(frozen=True)
class Skeletons:
    """Skeleton groups of the nodes, and the families they form (see :func:`skeleton_groups`)."""

    group: np.ndarray  # per node: group id, or -1
    family: np.ndarray  # per node: smallest group id of its family, or -1
    opening: np.ndarray  # per node in a group: its template opening's length in tokens (0 elsewhere)
    closing: np.ndarray  # per node in a group: its template closing's length in tokens (0 elsewhere)


def affix_skeletons(tokens: np.ndarray, offsets: np.ndarray, nodes: Nodes, *, min_count: np.ndarray,
                    at_start: bool, rules: TemplateOptions) -> tuple[np.ndarray, np.ndarray]:
    """Each node's template opening (or closing): its longest run of first (last) tokens that
    at least ``min_count[node]`` prompts of its account share, trimmed of a fading tail
    (at most ``rules.max_affix_tokens`` tokens).

    A template's fixed text is shared by every refill, so the number of prompts
    sharing the first j tokens stays flat along it and falls where the slot begins;
    an opening that merely starts like many prompts ("the", "what is the") thins
    token by token instead. The run is therefore cut back to its last token that
    kept at least ``rules.affix_stability`` of the previous token's sharers. At least one token
    of the prompt is left out (a slot must remain). Nodes with ``min_count`` above
    any possible count (popular prompts) get no affix.

    Returns:
        (length in tokens, 0 for none; key: hash of the account and the affix tokens, 0 for none).
    """
    node_uid, max_tokens, stability = nodes.uid, rules.max_affix_tokens, rules.affix_stability
    n = len(node_uid)
    lengths = np.diff(offsets)[node_uid]
    base = offsets[node_uid] if at_start else offsets[node_uid + 1] - 1
    step = 1 if at_start else -1
    with np.errstate(over="ignore"):
        h = (nodes.account.astype(np.uint64) + np.uint64(1)) * MIX
    alive = np.ones(n, dtype=bool)
    prev = np.zeros(n, dtype=np.int64)
    best_len = np.zeros(n, dtype=np.int64)
    best_key = np.zeros(n, dtype=np.uint64)
    # One column of the window at a time, so memory stays O(nodes) whatever max_tokens is.
    for j in range(max_tokens):
        alive &= j < lengths - 1
        if not alive.any():
            break
        tok = tokens[np.where(alive, base + step * j, 0)].astype(np.uint64)
        with np.errstate(over="ignore"):
            h = (h ^ tok) * MIX
            h ^= h >> np.uint64(31)
        count = np.zeros(n, dtype=np.int64)
        count[alive] = occurrences(h[alive])
        alive &= count >= min_count
        steady = alive & ((j == 0) | (count >= stability * prev))
        best_len[steady], best_key[steady] = j + 1, h[steady]
        prev = count
    return best_len, best_key


def skeleton_groups(store: TokenStore, nodes: Nodes, *, popular: np.ndarray, rules: TemplateOptions) -> Skeletons:
    """Template groups by fixed opening and closing: a group per (account, opening, closing).

    Length-agnostic where Drain is not (a slot may hold one word or a page), and
    exact: two prompts join only when both their template opening and closing
    (:func:`affix_skeletons`) are the same tokens, so templates that share filled
    passages do not chain into one another. A node needs an opening or a closing
    shared by ``max(min_affix_count, relative_affix_count × account's distinct prompts)``
    prompts of its account; the relative floor keeps a filled passage that a big
    account reuses under a few templates from passing for template text. Opening
    and closing together must fix at least ``min_fixed_tokens`` tokens (all ``rules``): a person's
    habitual "how do i" is not a template.

    A template refilled with passages that other templates also carry (one article
    asked about under several instructions) would split into one group per passage:
    its prompts end in the passage. With ``drop_passage_affixes`` such an affix is
    dropped (:func:`drop_reused_passages`) and the template groups by the other.

    Groups that share an opening or a closing of at least ``family_affix_tokens``
    tokens form a *family*: variants of one task ("Can you X? Choices: (A) Yes (B) No"
    and "Are you able to X? Choices: (A) Yes (B) No"), counted once when an
    account's breadth over tasks is measured.

    Returns:
        per node, its group id (groups of at least ``min_template_size`` nodes) and its family
        (the smallest group id in it), or -1 for both.
    """
    tokens, offsets = store.flat()
    node_uid, min_template_size = nodes.uid, rules.min_template_size
    per_account = nodes.per_account()
    need = np.maximum(rules.min_affix_count,
                      np.ceil(rules.relative_affix_count * per_account[nodes.account])).astype(np.int64)
    need[popular[node_uid]] = np.iinfo(np.int64).max
    p_len, p_key = affix_skeletons(tokens, offsets, nodes, min_count=need, at_start=True, rules=rules)
    s_len, s_key = affix_skeletons(tokens, offsets, nodes, min_count=need, at_start=False, rules=rules)
    fixed = max(1, rules.min_fixed_tokens)
    if rules.drop_passage_affixes:
        drop_reused_passages(p_len, p_key, s_len, s_key, fixed=fixed, window=rules.max_affix_tokens)
    group = np.full(len(node_uid), -1, dtype=np.int64)
    anchored = np.flatnonzero(p_len + s_len >= fixed)
    if not len(anchored):
        none = np.zeros(len(node_uid), dtype=np.int64)
        return Skeletons(group, group.copy(), none, none.copy())
    label = _same_key(p_key[anchored], s_key[anchored])
    # Prompts whose (opening, closing) pair is too rare keep their longer affix alone, when it fixes
    # enough on its own and the other is a single token: a one-word "opening" ("i", "the") that a
    # few fills happen to begin with must not split a template's refills into singletons. A longer
    # one is a phrase ("sorry if this is a dumb question, but"): a person's lead-ins and sign-offs
    # in their many combinations stay pairs, or every habitual sign-off would pass for a template
    # refilled with everything that person asks (and make their account a task sweep).
    small = anchored[np.bincount(label)[label] < min_template_size]
    small = small[np.minimum(p_len[small], s_len[small]) <= 1]
    by_closing = small[(s_len[small] >= fixed) & (s_len[small] >= p_len[small])]
    by_opening = small[(p_len[small] >= fixed) & (p_len[small] > s_len[small])]
    p_len[by_closing], p_key[by_closing] = 0, 0
    s_len[by_opening], s_key[by_opening] = 0, 0
    label = _same_key(p_key[anchored], s_key[anchored])
    sizes = np.bincount(label)
    big = sizes[label] >= min_template_size
    renumber = np.cumsum(sizes >= min_template_size) - 1
    group[anchored[big]] = renumber[label[big]]
    # Number groups by their first node, not by hash order: hashes follow token ids, which follow
    # the order rows arrived in, and group ids break ties downstream.
    members = np.flatnonzero(group >= 0)
    first_node = np.full(int(group.max(initial=-1)) + 1, len(group), dtype=np.int64)
    np.minimum.at(first_node, group[members], members)
    rank = np.empty(len(first_node), dtype=np.int64)
    rank[np.argsort(first_node, kind="stable")] = np.arange(len(first_node))
    group[members] = rank[group[members]]
    grouped = group >= 0
    return Skeletons(group, _families(group, p_len, p_key, s_len, s_key, min_tokens=rules.family_affix_tokens),
                     np.where(grouped, p_len, 0), np.where(grouped, s_len, 0))


def drop_reused_passages(p_len: np.ndarray, p_key: np.ndarray, s_len: np.ndarray, s_key: np.ndarray, *,
                         fixed: int, window: int) -> None:
    """Drop (in place) the affix of a node that is a reused filled passage rather than template text.

    Templates × passages make a grid: the template's opening comes with many closings
    (one per passage) and the passage's closing with several openings (one per
    template that carries it). Where a node's opening and closing are both shared that
    way, the side shared by fewer prompts is the passage, if it also runs the whole
    ``window`` without thinning (template wording ends where a slot begins; a passage
    runs on). It is dropped when the other side alone fixes ``fixed`` tokens, so the
    template's refills group by their template text whatever passage they carry.
    Affix keys carry the account, so the counts are within an account.
    """
    both = np.flatnonzero((p_len > 0) & (s_len > 0))
    if not len(both):
        return
    opening, closing = p_key[both].view(np.int64), s_key[both].view(np.int64)
    # Distinct (opening, closing) combinations; then how many closings each opening comes with and
    # how many openings each closing.
    combo = _same_key(p_key[both], s_key[both])
    first = np.zeros(len(both), dtype=bool)
    first[np.unique(combo, return_index=True)[1]] = True
    openings, n_closings = distinct_counts(opening[first])
    closings, n_openings = distinct_counts(closing[first])
    grid = (n_closings[np.searchsorted(openings, opening)] >= 2) & (n_openings[np.searchsorted(closings, closing)] >= 2)
    n_opening, n_closing = occurrences(opening), occurrences(closing)
    drop_closing = both[grid & (n_opening > n_closing) & (s_len[both] >= window) & (p_len[both] >= fixed)]
    drop_opening = both[grid & (n_closing > n_opening) & (p_len[both] >= window) & (s_len[both] >= fixed)]
    s_len[drop_closing], s_key[drop_closing] = 0, 0
    p_len[drop_opening], p_key[drop_opening] = 0, 0


def _same_key(p_key: np.ndarray, s_key: np.ndarray) -> np.ndarray:
    """A label per item, equal where both the opening and the closing key are equal (0..k-1)."""
    with np.errstate(over="ignore"):
        key = (p_key * MIX) ^ (s_key + np.uint64(0x632BE59BD9B4E019))
    return np.searchsorted(distinct(key), key)


def _families(group: np.ndarray, p_len: np.ndarray, p_key: np.ndarray, s_len: np.ndarray, s_key: np.ndarray, *,
              min_tokens: int) -> np.ndarray:
    """Per node, the smallest group id of its family: groups joined by a shared opening or closing
    of at least ``min_tokens`` tokens (the keys already carry the account); -1 outside groups."""
    members = np.flatnonzero(group >= 0)
    n_groups = int(group.max(initial=-1)) + 1
    family = np.full(len(group), -1, dtype=np.int64)
    if not n_groups:
        return family
    src, dst, offset = [], [], n_groups
    for length, key in ((p_len, p_key), (s_len, s_key)):
        ok = members[length[members] >= min_tokens]
        codes = np.searchsorted(distinct(key[ok]), key[ok])
        src.append(group[ok])
        dst.append(codes + offset)
        offset += int(codes.max(initial=-1)) + 1
    src_all, dst_all = np.concatenate(src), np.concatenate(dst)
    graph = sparse.coo_matrix((np.ones(len(src_all)), (src_all, dst_all)), shape=(offset, offset))
    _, comp = connected_components(graph, directed=False)
    lowest = np.full(offset, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(lowest, comp[:n_groups], np.arange(n_groups))
    family[members] = lowest[comp[group[members]]]
    return family

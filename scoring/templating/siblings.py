"""Siblings: template groups for the prompts no skeleton took, from within-account neighbours.

Two distinct prompts are siblings when they are near each other in embedding space and
share most of their word 1-2-grams: the overlap coefficient ``|A ∩ B| / min(|A|, |B|)``
is at least ``min_overlap``, which does not care how long the slots are and survives
light rewording (a paraphrasing generator has no exact skeleton), or they open or close
with the same ``affix_tokens`` tokens. What they share must be template wording rather
than a filled passage (:func:`share_template`). Siblings join into components; a
component joins the skeleton group it has most siblings in, counting only siblings whose
fixed text it carries (``min_containment``).
"""

from __future__ import annotations

import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import connected_components

from scoring.arrays import MIX, distinct, distinct_counts, ranges, run_batches, run_starts
from scoring.nodes import Nodes
from scoring.options import TemplateOptions
from scoring.templating.skeletons import Skeletons
from scoring.tokens import GAP, TokenStore

_FEATURE_BUCKETS = 1 << 24


def bigram_hashes(tokens: np.ndarray, doc: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(doc, 64-bit hash) of every pair of consecutive tokens within one doc (``doc`` per token,
    sorted), none of them ``GAP``: the word 2-gram features of the sibling rules."""
    ok = tokens != GAP
    pair = (doc[:-1] == doc[1:]) & ok[:-1] & ok[1:]
    t = tokens.astype(np.uint64)
    with np.errstate(over="ignore"):
        hashes = ((t[:-1] * MIX) ^ (t[1:] + np.uint64(0x632BE59BD9B4E019))) * MIX
    return doc[:-1][pair], hashes[pair]


def ngram_features(tokens: np.ndarray, offsets: np.ndarray, *, batch_docs: int = 65_536) -> sparse.csr_matrix:
    """Binary (n_prompts × 2^24) matrix of hashed word 1-grams and 2-grams.

    Built a batch of prompts at a time, straight into CSR arrays (int32 column
    ids), so the peak is the finished matrix plus one batch's hashes.
    """
    n = len(offsets) - 1
    indices: list[np.ndarray] = []
    counts = np.zeros(n, dtype=np.int64)
    for lo in range(0, n, batch_docs):
        hi = min(n, lo + batch_docs)
        batch_tokens = tokens[offsets[lo] : offsets[hi]]
        doc = np.repeat(np.arange(lo, hi), np.diff(offsets[lo : hi + 1]))
        uni_ok = batch_tokens != GAP
        pair_doc, pair_hash = bigram_hashes(batch_tokens, doc)
        hashes = np.concatenate([batch_tokens[uni_ok].astype(np.uint64), pair_hash])
        rows = np.concatenate([doc[uni_ok], pair_doc])
        # One sorted, de-duplicated key per (prompt, feature): CSR order, binary values.
        key = distinct((rows.astype(np.int64) << 24) | (hashes % np.uint64(_FEATURE_BUCKETS)).astype(np.int64))
        indices.append((key & (_FEATURE_BUCKETS - 1)).astype(np.int32))
        counts[lo:hi] = np.bincount((key >> 24) - lo, minlength=hi - lo)
    cols = np.concatenate(indices) if indices else np.zeros(0, dtype=np.int32)
    indptr = np.concatenate([[0], np.cumsum(counts)])
    # int8 ones: a 1M-row day's matrix holds tens of millions of entries, and 0/1 needs no float.
    return sparse.csr_matrix((np.ones(len(cols), dtype=np.int8), cols, indptr), shape=(n, _FEATURE_BUCKETS))


def overlap_coefficient(features: sparse.csr_matrix, a: np.ndarray, b: np.ndarray, *, batch: int = 100_000) -> np.ndarray:
    """``|A ∩ B| / min(|A|, |B|)`` of the feature sets of prompt pairs (a[i], b[i])."""
    sizes = np.asarray(features.sum(axis=1)).ravel()
    out = np.zeros(len(a), dtype=np.float32)
    for s in range(0, len(a), batch):
        fa, fb = features[a[s : s + batch]], features[b[s : s + batch]]
        inter = np.asarray(fa.multiply(fb).sum(axis=1)).ravel()
        smaller = np.minimum(sizes[a[s : s + batch]], sizes[b[s : s + batch]])
        out[s : s + batch] = np.where(smaller > 0, inter / np.maximum(smaller, 1), 0.0)
    return out


def affix_pairs(tokens: np.ndarray, offsets: np.ndarray, nodes: Nodes, *, among: np.ndarray,
                affix_tokens: int) -> tuple[np.ndarray, np.ndarray]:
    """Node pairs of one account whose prompts share their first or last ``affix_tokens`` tokens.

    Only prompts longer than the affix qualify (a slot must remain), and only the
    nodes in ``among``. Members of a shared key are chained in node order, which is
    enough to connect them.
    """
    node_uid, node_account = nodes.uid, nodes.account
    lengths = np.diff(offsets)[node_uid[among]]
    ok = among[lengths > affix_tokens]
    src, dst = [], []
    for at_start in (True, False):
        base = offsets[node_uid[ok]] if at_start else offsets[node_uid[ok] + 1] - affix_tokens
        window = tokens[base[:, None] + np.arange(affix_tokens)].astype(np.uint64)
        key = np.zeros(len(ok), dtype=np.uint64)
        with np.errstate(over="ignore"):
            for j in range(affix_tokens):
                key = (key ^ window[:, j]) * MIX
        order = np.lexsort((ok, key, node_account[ok]))
        same = (key[order][1:] == key[order][:-1]) & (node_account[ok][order][1:] == node_account[ok][order][:-1])
        src.append(ok[order][:-1][same])
        dst.append(ok[order][1:][same])
    return np.concatenate(src), np.concatenate(dst)


def fixed_text_containment(store: TokenStore, src_uid: np.ndarray, dst_uid: np.ndarray, opening: np.ndarray,
                           closing: np.ndarray, *, batch_pairs: int = 1 << 18) -> np.ndarray:
    """Per pair, the share of prompt ``dst``'s fixed text (its first ``opening`` and last ``closing``
    tokens) whose tokens occur anywhere in prompt ``src`` (1.0 when dst has no fixed text).

    A prompt that belongs to a template carries its wording, whatever fills its slots; one
    that only shares the filled passage (the same article under another template) does not.
    Pairs are taken ``batch_pairs`` at a time, so only one batch's prompts are expanded.
    """
    out = np.ones(len(src_uid), dtype=np.float64)
    tokens, offsets = store.flat()
    for lo in range(0, len(src_uid), batch_pairs):
        src, dst = src_uid[lo : lo + batch_pairs], dst_uid[lo : lo + batch_pairs]
        head_len, fixed = opening[lo : lo + batch_pairs], opening[lo : lo + batch_pairs] + closing[lo : lo + batch_pairs]
        # The fixed token positions of each pair's dst, pair by pair.
        pair = np.repeat(np.arange(len(src)), fixed)
        rank = ranges(np.zeros(len(fixed), dtype=np.int64), fixed)
        pos = np.where(rank < head_len[pair], offsets[dst[pair]] + rank, offsets[dst[pair] + 1] - fixed[pair] + rank)
        # The token set of each src, as sorted (uid, token) keys.
        srcs = distinct(src)
        src_tokens, bounds = store.take(srcs)
        have = distinct(np.repeat(srcs, np.diff(bounds)) << 32 | src_tokens.astype(np.int64))
        want = src[pair].astype(np.int64) << 32 | tokens[pos].astype(np.int64)
        found = have[np.minimum(np.searchsorted(have, want), max(len(have) - 1, 0))] == want if len(have) else \
            np.zeros(len(want), dtype=bool)
        hits = np.bincount(pair, weights=found, minlength=len(src))
        out[lo : lo + batch_pairs] = np.where(fixed > 0, hits / np.maximum(fixed, 1), 1.0)
    return out


def similar_pairs(store: TokenStore, src_uid: np.ndarray, dst_uid: np.ndarray, *, min_overlap: float,
                  batch_pairs: int = 1 << 22) -> np.ndarray:
    """Per prompt pair, whether their word 1-2-gram overlap coefficient reaches ``min_overlap``.

    A batch of pairs at a time, each with features for only the prompts it touches: the
    features of every prompt of a 16M-row day would be GBs, a batch's are tens of MB.
    """
    out = np.zeros(len(src_uid), dtype=bool)
    for lo in range(0, len(src_uid), batch_pairs):
        src, dst = src_uid[lo : lo + batch_pairs], dst_uid[lo : lo + batch_pairs]
        used = distinct(np.concatenate([src, dst]))  # features renumbered 0..m-1
        feats = ngram_features(*store.take(used))
        a, b = np.searchsorted(used, src), np.searchsorted(used, dst)
        out[lo : lo + batch_pairs] = overlap_coefficient(feats, a, b) >= min_overlap
    return out


def share_template(store: TokenStore, nodes: Nodes, src: np.ndarray, dst: np.ndarray, *, min_margin: float,
                   batch_pairs: int = 1 << 16) -> np.ndarray:
    """Per node pair, whether what the two prompts share is template wording rather than a filled passage.

    Siblings are one template refilled: the words they share recur across the
    account's prompts and the words that tell them apart (the fills) are rarer. Two
    templates filled with one passage are the reverse: they share the rare passage and
    differ in template wording, which recurs. A pair is kept when the mean log count of
    its shared word pairs (bigrams) exceeds that of its differing ones by at least
    ``min_margin``; a pair with no bigram in common shares no passage and is kept. A
    bigram's count is the number of the account's prompts, among those in any of the
    pairs, that carry it, so the rule does not depend on the account's size. Whole
    accounts are taken about ``batch_pairs`` pairs at a time (the counts need all of an
    account's pairs).
    """
    keep = np.ones(len(src), dtype=bool)
    if not len(src):
        return keep
    # Pairs by account; only the order and the accounts' bounds are held (no sorted copies of the pairs).
    order = np.argsort(nodes.account[src], kind="stable")
    bounds = np.concatenate([run_starts(nodes.account[src[order]]), [len(order)]])
    for lo, hi in run_batches(bounds, batch_pairs):
        batch = order[bounds[lo] : bounds[hi]]
        keep[batch] = _share_template_batch(store, nodes, src[batch], dst[batch], min_margin=min_margin)
    return keep


def _share_template_batch(store: TokenStore, day_nodes: Nodes, src: np.ndarray, dst: np.ndarray, *,
                          min_margin: float) -> np.ndarray:
    node_account, node_uid = day_nodes.account, day_nodes.uid
    nodes = distinct(np.concatenate([src, dst]))
    tokens, bounds = store.take(node_uid[nodes])
    member, bigram = bigram_hashes(tokens, np.repeat(np.arange(len(nodes)), np.diff(bounds)))
    # One entry per (node, bigram), in CSR order; its count: nodes of the same account carrying it.
    entry = distinct(member.astype(np.int64) << 32 | (bigram >> np.uint64(32)).astype(np.int64))
    node_of, word = entry >> 32, entry & 0xFFFFFFFF
    # A column per (account, bigram), so other accounts' prompts never meet; one sort gives both.
    key = node_account[nodes[node_of]].astype(np.int64) << 32 | word
    order = np.argsort(key, kind="stable")
    column = np.empty(len(key), dtype=np.int64)
    new_run = np.zeros(len(key), dtype=bool)
    new_run[run_starts(key[order])] = True
    column[order] = np.cumsum(new_run) - 1
    log_count = np.log(np.bincount(column)[column])
    indptr = np.concatenate([[0], np.cumsum(np.bincount(node_of, minlength=len(nodes)))])
    shape = (len(nodes), int(column.max(initial=-1)) + 1)
    has = sparse.csr_matrix((np.ones(len(column)), column, indptr), shape=shape)
    weight = sparse.csr_matrix((log_count, column, indptr), shape=shape)
    a, b = np.searchsorted(nodes, src), np.searchsorted(nodes, dst)
    n_shared = np.asarray(has[a].multiply(has[b]).sum(axis=1)).ravel()
    sum_shared = np.asarray(weight[a].multiply(has[b]).sum(axis=1)).ravel()
    size, total = np.diff(indptr), np.asarray(weight.sum(axis=1)).ravel()
    n_apart = size[a] + size[b] - 2 * n_shared
    sum_apart = total[a] + total[b] - 2 * sum_shared
    mean_shared = sum_shared / np.maximum(n_shared, 1)
    mean_apart = sum_apart / np.maximum(n_apart, 1)
    # No shared bigram (short prompts alike word for word, not phrase for phrase): no passage is shared.
    return (n_shared == 0) | (mean_shared - mean_apart >= min_margin)


def with_siblings(store: TokenStore, nodes: Nodes, neighbour_pairs: tuple[np.ndarray, np.ndarray], *,
                  skeleton: Skeletons, popular: np.ndarray, rules: TemplateOptions) -> tuple[np.ndarray, np.ndarray]:
    """Group and family per node: skeleton groups, joined by the leftovers' sibling components.

    ``neighbour_pairs`` are (source, target) node positions of within-account neighbours; only
    pairs whose source is outside every skeleton group are used.
    """
    tokens, offsets = store.flat()
    node_uid = nodes.uid
    src, dst = neighbour_pairs
    skeleton_opening, skeleton_closing = skeleton.opening, skeleton.closing
    skeleton, skeleton_family = skeleton.group, skeleton.family
    keep = (skeleton[src] < 0) & (node_uid[src] != node_uid[dst])
    keep &= ~(popular[node_uid[src]] | popular[node_uid[dst]])
    src, dst = src[keep], dst[keep]
    similar = similar_pairs(store, node_uid[src], node_uid[dst], min_overlap=rules.min_overlap)
    src, dst = src[similar], dst[similar]
    a_src, a_dst = affix_pairs(tokens, offsets, nodes, among=np.flatnonzero((skeleton < 0) & ~popular[node_uid]),
                               affix_tokens=rules.affix_tokens)
    src, dst = np.concatenate([src, a_src]), np.concatenate([dst, a_dst])
    # Pairs that share a filled passage rather than template wording are no siblings.
    shares = share_template(store, nodes, src, dst, min_margin=rules.sibling_margin)
    src, dst = src[shares], dst[shares]
    # Leftovers join one another into components; a component with siblings in skeleton
    # groups joins the one it has most siblings in (skeleton groups are never merged).
    inner = skeleton[dst] < 0
    # A leftover joins a skeleton group only through siblings whose fixed text it carries: content
    # overlap alone links one passage filled into several templates.
    outer = np.flatnonzero(~inner)
    carries = fixed_text_containment(store, node_uid[src[outer]], node_uid[dst[outer]],
                                     skeleton_opening[dst[outer]], skeleton_closing[dst[outer]]) >= rules.min_containment
    keep = inner.copy()
    keep[outer[carries]] = True
    src, dst, inner = src[keep], dst[keep], inner[keep]
    n_nodes = len(node_uid)
    graph = sparse.coo_matrix((np.ones(int(inner.sum())), (src[inner], dst[inner])), shape=(n_nodes, n_nodes))
    _, comp = connected_components(graph, directed=False)
    del graph
    attach = np.full(comp.max(initial=-1) + 1, -1, dtype=np.int64)
    if (~inner).any():
        c, g = comp[src[~inner]], skeleton[dst[~inner]]
        width = int(skeleton.max()) + 1
        keys, counts = distinct_counts(c.astype(np.int64) * width + g)
        kc, kg = keys // width, keys % width
        best = np.lexsort((kg, -counts, kc))  # per component: most siblings first, then lower group id
        first_of = run_starts(kc[best])
        attach[kc[best][first_of]] = kg[best][first_of]
    leftover = skeleton < 0
    size = np.bincount(comp[leftover], minlength=len(attach))
    own = leftover & (attach[comp] < 0) & (size[comp] >= rules.min_template_size)
    first = skeleton.max(initial=-1) + 1
    group = np.where(~leftover, skeleton, np.where(attach[comp] >= 0, attach[comp], np.where(own, first + comp, -1)))
    family_of = np.arange(first + len(attach), dtype=np.int64)  # by group id; sibling groups are their own family
    family_of[skeleton[~leftover]] = skeleton_family[~leftover]
    return group, np.where(group >= 0, family_of[np.maximum(group, 0)], -1)

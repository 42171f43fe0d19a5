"""Template repetition: how much of an account's traffic is one skeleton, refilled.

Two distinct prompts of one account are *template siblings* when

- they are near each other in embedding space (within-account neighbours) and
  share most of their word 1-2-grams: the overlap coefficient
  ``|A ∩ B| / min(|A|, |B|)`` is at least ``min_overlap``, which does not care how
  long the slots are ("Explain RSA" vs "Explain RSA encryption" share 100% of the
  shorter prompt) and survives light rewording; or
- they open with, or close with, the same ``affix_tokens`` tokens, which catches
  templates whose slot is long (an article to summarise) and dominates the vector.

Siblings are joined into groups (connected components); a group of at least
``min_template_size`` distinct prompts is a template. An account's ``templating``
is the share of its distinct prompts that belong to one, in [0, 1]. The largest
group is aligned token by token into readable evidence, slots shown as ``<*>``.

Prompts that many other accounts also send (popular one-liners) are left out, so
ordinary people sharing "tell me a joke" do not look templated.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from difflib import SequenceMatcher

import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import connected_components

from scoring.arrays import distinct
from scoring.tokens import GAP, TokenStore

SLOT = -1
_FEATURE_BUCKETS = 1 << 24
_MIX = np.uint64(0x9E3779B97F4A7C15)


@dataclass(frozen=True)
class TemplateGroups:
    """Template groups of the day's distinct (account, prompt) pairs."""

    group: np.ndarray  # per node: group id, or -1 when not in a template
    templating: np.ndarray  # per account: share of distinct prompts in templates, 0..1
    n_templates: np.ndarray  # per account: number of templates
    top_share: np.ndarray  # per account: share of distinct prompts in the largest template
    top_template: list[str]  # per account: that template with slots as <*>, or ""
    top_templates: list[list[tuple[str, float]]]  # per account: its largest templates (<= 3) and their shares
    effective_templates: np.ndarray  # per account: (Σ size)² / Σ size² over templates refilled >= sweep_min_fills times
    skeletons: dict[int, list[int]]  # group id -> aligned token ids, SLOT where prompts differ


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
        t = tokens[offsets[lo] : offsets[hi]].astype(np.uint64)
        doc = np.repeat(np.arange(lo, hi), np.diff(offsets[lo : hi + 1]))
        uni_ok = tokens[offsets[lo] : offsets[hi]] != GAP
        pair_ok = (doc[:-1] == doc[1:]) & uni_ok[:-1] & uni_ok[1:]
        with np.errstate(over="ignore"):
            bigram = (t[:-1] * _MIX) ^ (t[1:] + np.uint64(0x632BE59BD9B4E019))
            hashes = np.concatenate([t[uni_ok], bigram[pair_ok] * _MIX])
        rows = np.concatenate([doc[uni_ok], doc[:-1][pair_ok]])
        # One sorted, de-duplicated key per (prompt, feature): CSR order, binary values.
        key = distinct((rows.astype(np.int64) << 24) | (hashes % np.uint64(_FEATURE_BUCKETS)).astype(np.int64))
        indices.append((key & (_FEATURE_BUCKETS - 1)).astype(np.int32))
        counts[lo:hi] = np.bincount((key >> 24) - lo, minlength=hi - lo)
    cols = np.concatenate(indices) if indices else np.zeros(0, dtype=np.int32)
    indptr = np.concatenate([[0], np.cumsum(counts)])
    return sparse.csr_matrix((np.ones(len(cols), dtype=np.float32), cols, indptr), shape=(n, _FEATURE_BUCKETS))


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


def affix_pairs(tokens: np.ndarray, offsets: np.ndarray, node_uid: np.ndarray, node_account: np.ndarray, *, affix_tokens: int) -> tuple[np.ndarray, np.ndarray]:
    """Node pairs of one account whose prompts share their first or last ``affix_tokens`` tokens.

    Only prompts longer than the affix qualify (a slot must remain). Members of a
    shared key are chained in node order, which is enough to connect them.
    """
    lengths = np.diff(offsets)[node_uid]
    ok = np.flatnonzero(lengths > affix_tokens)
    src, dst = [], []
    for at_start in (True, False):
        base = offsets[node_uid[ok]] if at_start else offsets[node_uid[ok] + 1] - affix_tokens
        window = tokens[base[:, None] + np.arange(affix_tokens)].astype(np.uint64)
        key = np.zeros(len(ok), dtype=np.uint64)
        with np.errstate(over="ignore"):
            for j in range(affix_tokens):
                key = (key ^ window[:, j]) * _MIX
        order = np.lexsort((ok, key, node_account[ok]))
        same = (key[order][1:] == key[order][:-1]) & (node_account[ok][order][1:] == node_account[ok][order][:-1])
        src.append(ok[order][:-1][same])
        dst.append(ok[order][1:][same])
    return np.concatenate(src), np.concatenate(dst)


def template_groups(
    store: TokenStore,
    node_account: np.ndarray,
    node_uid: np.ndarray,
    neighbour_pairs: tuple[np.ndarray, np.ndarray],
    *,
    n_accounts: int,
    popular: np.ndarray,
    min_overlap: float = 0.6,
    affix_tokens: int = 5,
    min_template_size: int = 3,
    sweep_min_fills: int = 10,
) -> TemplateGroups:
    """Find every account's templates.

    Args:
        store: token sequences of the day's distinct prompts (by uid).
        node_account, node_uid: the distinct (account, prompt) pairs, sorted by account.
        neighbour_pairs: (source, target) node positions of within-account neighbours.
        n_accounts: number of account codes.
        popular: per uid, True for prompts many accounts send (excluded).
        min_overlap: overlap coefficient for siblings, in (0, 1].
        affix_tokens: shared opening/closing tokens that make siblings.
        min_template_size: distinct prompts a group needs to count as a template.
        sweep_min_fills: distinct prompts a template needs to count towards ``effective_templates``
            (a sweep refills each of its templates; a person's pet phrasings recur a few times).
    """
    tokens, offsets = store.flat()
    src, dst = neighbour_pairs
    distinct = node_uid[src] != node_uid[dst]
    src, dst = src[distinct], dst[distinct]
    feats = ngram_features(tokens, offsets)
    similar = overlap_coefficient(feats, node_uid[src], node_uid[dst]) >= min_overlap
    a_src, a_dst = affix_pairs(tokens, offsets, node_uid, node_account, affix_tokens=affix_tokens)
    src = np.concatenate([src[similar], a_src])
    dst = np.concatenate([dst[similar], a_dst])
    keep = ~(popular[node_uid[src]] | popular[node_uid[dst]]) & (node_uid[src] != node_uid[dst])
    n_nodes = len(node_uid)
    graph = sparse.coo_matrix((np.ones(keep.sum()), (src[keep], dst[keep])), shape=(n_nodes, n_nodes))
    _, comp = connected_components(graph, directed=False)
    size = np.bincount(comp)
    in_template = size[comp] >= min_template_size
    group = np.where(in_template, comp, -1)
    return _summarise(store, node_account, node_uid, group, n_accounts=n_accounts, sweep_min_fills=sweep_min_fills)


def _summarise(store: TokenStore, node_account: np.ndarray, node_uid: np.ndarray, group: np.ndarray, *, n_accounts: int,
               sweep_min_fills: int = 10) -> TemplateGroups:
    n_distinct = np.bincount(node_account, minlength=n_accounts)
    members = np.flatnonzero(group >= 0)
    templated = np.bincount(node_account[members], minlength=n_accounts)
    order = members[np.lexsort((node_uid[members], group[members]))]  # by group, then uid
    ids, starts, counts = np.unique(group[order], return_index=True, return_counts=True)
    owner = node_account[order][starts]
    skeletons = {
        int(gid): group_skeleton(store, [store.get(u) for u in node_uid[order[s : s + min(50, c)]]])
        for gid, s, c in zip(ids, starts, counts)
    }
    n_templates = np.bincount(owner, minlength=n_accounts)
    big = np.where(counts >= sweep_min_fills, counts, 0).astype(np.float64)
    big_sum = np.bincount(owner, weights=big, minlength=n_accounts)
    size_sq = np.bincount(owner, weights=big**2, minlength=n_accounts)
    effective = np.where(size_sq > 0, big_sum**2 / np.maximum(size_sq, 1.0), 0.0)
    top_size = np.zeros(n_accounts, dtype=np.int64)
    texts = [""] * n_accounts
    tops: list[list[tuple[str, float]]] = [[] for _ in range(n_accounts)]
    # Largest groups per account first; ties go to the lower group id (deterministic).
    for gid, acc, cnt in sorted(zip(ids, owner, counts), key=lambda r: (r[1], -r[2], r[0])):
        if top_size[acc] == 0:
            top_size[acc], texts[acc] = cnt, store.render(skeletons[int(gid)])
        if len(tops[acc]) < 3:
            tops[acc].append((store.render(skeletons[int(gid)]), float(cnt / max(n_distinct[acc], 1))))
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(n_distinct > 0, templated / np.maximum(n_distinct, 1), 0.0)
        top_share = np.where(n_distinct > 0, top_size / np.maximum(n_distinct, 1), 0.0)
    return TemplateGroups(group=group, templating=share, n_templates=n_templates, top_share=top_share,
                          top_template=texts, top_templates=tops, effective_templates=effective,
                          skeletons=skeletons)


def slot_fillers(store: TokenStore, node_uid: np.ndarray, groups: TemplateGroups) -> dict[int, str]:
    """What each templated prompt is about: its tokens that its template does not fix.

    A static embedding of "Write a quiz question about photosynthesis" sits with
    the other fills of that template, whatever the topic; the topic lives in the
    slot ("photosynthesis"). Returns uid -> slot text, for prompts in a template
    whose slots are not empty.
    """
    fills: dict[int, str] = {}
    for node in np.flatnonzero(groups.group >= 0):
        uid = int(node_uid[node])
        if uid in fills:
            continue
        fixed = [t for t in groups.skeletons[int(groups.group[node])] if t != SLOT]
        seq = [int(t) for t in store.get(uid)]
        matched = np.zeros(len(seq), dtype=bool)
        for _, b, size in SequenceMatcher(None, fixed, seq, autojunk=False).get_matching_blocks():
            matched[b : b + size] = True
        rest = [t for t, m in zip(seq, matched) if not m]
        if rest:
            fills[uid] = store.render(rest)
    return fills


def group_skeleton(store: TokenStore, members: list[np.ndarray], *, min_words: int = 3) -> list[int]:
    """Readable skeleton of a template group, slots as ``SLOT``.

    The exact alignment of the first eight members, when it keeps at least
    ``min_words`` words. A paraphrasing generator leaves no exact common skeleton;
    then the first member is shown with only the words that recur in at least 30%
    of the members kept (its template wording), the rest as slots.
    """
    aligned = align_template(members[:8])
    if sum(store.is_word(t) for t in aligned if t != SLOT) >= min_words:
        return aligned
    df = Counter(t for seq in members for t in set(seq.tolist()))
    needed = max(2, int(np.ceil(0.3 * len(members))))
    shown: list[int] = []
    for t in members[0].tolist():
        keep = df[t] >= needed
        if keep:
            shown.append(t)
        elif not shown or shown[-1] != SLOT:
            shown.append(SLOT)
    return shown if sum(store.is_word(t) for t in shown if t != SLOT) > sum(store.is_word(t) for t in aligned if t != SLOT) else aligned


def align_template(sequences: list[np.ndarray]) -> list[int]:
    """Common skeleton of token sequences; runs that differ become one ``SLOT`` (-1)."""
    if not sequences:
        return []
    template = [int(t) for t in sequences[0]]
    for seq in sequences[1:]:
        matcher = SequenceMatcher(None, template, [int(t) for t in seq], autojunk=False)
        merged: list[int] = []
        ti = si = 0
        for a, b, size in matcher.get_matching_blocks():
            if (a > ti or b > si) and (not merged or merged[-1] != SLOT):
                merged.append(SLOT)
            merged.extend(template[a : a + size])
            ti, si = a + size, b + size
        template = merged
    return template

"""Template repetition: how much of an account's traffic is one skeleton, refilled.

Templates are mined in two passes, both within one account, and then split by their fields:

1. **Skeletons** (:func:`skeleton_groups`). A prompt's template opening is its
   longest run of first tokens that enough prompts of the account share, and that
   stops thinning out where the slot begins; its closing likewise from the end.
   Prompts with the same opening and closing form a group; where that pair is too
   rare and one side is a single token (a review's first word is no template), the
   longer of the two alone does.
   This is exact and indifferent to slot length (one word or a page), and two
   templates that were filled with the same passage do not chain into one
   another, because their fixed text differs. Where prompts end (or begin) in a
   passage that several templates carry, that side is the passage, not template
   text, and is dropped, so a template is not split into one group per passage.
2. **Siblings** for the prompts no skeleton took: two distinct prompts are
   siblings when they are near each other in embedding space (within-account
   neighbours) and share most of their word 1-2-grams: the overlap coefficient
   ``|A ∩ B| / min(|A|, |B|)`` is at least ``min_overlap``, which does not care how
   long the slots are and survives light rewording (a paraphrasing generator has
   no exact skeleton), and what they share is template wording rather than a filled
   passage (:func:`share_template`: shared words at least as common in the account
   as the words that tell them apart). Siblings are joined into groups (connected components);
   a component joins the skeleton group it has most siblings in, counting only
   siblings whose fixed text it carries (``min_containment``), so that a prompt
   sharing only the filled passage with a template's refill stays out of it.

3. **Fields.** A group whose members name different fields (one template lists
   ``Choices:`` between the same opening and closing as another, or puts its
   ``...question:`` in the middle of a long prompt that the token store drops) is
   split by the set of field labels they carry (:func:`split_by_field_labels`).

A group of at least ``min_template_size`` distinct prompts is a template. An
account's ``templating`` is the share of its distinct prompts that belong to one,
in [0, 1]. Each group is aligned token by token into readable evidence, slots
shown as ``<*>``.

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

from scoring.arrays import distinct, distinct_counts, occurrences, ranges, run_batches
from scoring.tokens import GAP, TokenStore

SLOT = -1
_FEATURE_BUCKETS = 1 << 24
_MIX = np.uint64(0x9E3779B97F4A7C15)


@dataclass(frozen=True)
class TemplateGroups:
    """Template groups of the day's distinct (account, prompt) pairs."""

    group: np.ndarray  # per node: group id, or -1 when not in a template
    family: np.ndarray  # per node: its group's family (variants of one task: smallest group id), or -1
    templating: np.ndarray  # per account: share of distinct prompts in templates, 0..1
    n_templates: np.ndarray  # per account: number of templates
    top_share: np.ndarray  # per account: share of distinct prompts in the largest template
    top_template: list[str]  # per account: that template with slots as <*>, or ""
    top_templates: list[list[tuple[str, float]]]  # per account: its largest templates (<= 3) and their shares
    effective_templates: np.ndarray  # per account: (Σ size)² / Σ size² over families of templates refilled with content
    skeletons: dict[int, list[int]]  # group id -> aligned token ids, SLOT where prompts differ (groups shown only)


def bigram_hashes(tokens: np.ndarray, doc: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(doc, 64-bit hash) of every pair of consecutive tokens within one doc (``doc`` per token,
    sorted), none of them ``GAP``: the word 2-gram features of the sibling rules."""
    ok = tokens != GAP
    pair = (doc[:-1] == doc[1:]) & ok[:-1] & ok[1:]
    t = tokens.astype(np.uint64)
    with np.errstate(over="ignore"):
        hashes = ((t[:-1] * _MIX) ^ (t[1:] + np.uint64(0x632BE59BD9B4E019))) * _MIX
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


@dataclass(frozen=True)
class Skeletons:
    """Skeleton groups of the nodes, and the families they form (see :func:`skeleton_groups`)."""

    group: np.ndarray  # per node: group id, or -1
    family: np.ndarray  # per node: smallest group id of its family, or -1
    opening: np.ndarray  # per node in a group: its template opening's length in tokens (0 elsewhere)
    closing: np.ndarray  # per node in a group: its template closing's length in tokens (0 elsewhere)


def affix_skeletons(tokens: np.ndarray, offsets: np.ndarray, node_uid: np.ndarray, node_account: np.ndarray, *,
                    min_count: np.ndarray, at_start: bool, max_tokens: int = 16,
                    stability: float = 0.8) -> tuple[np.ndarray, np.ndarray]:
    """Each node's template opening (or closing): its longest run of first (last) tokens that
    at least ``min_count[node]`` prompts of its account share, trimmed of a fading tail.

    A template's fixed text is shared by every refill, so the number of prompts
    sharing the first j tokens stays flat along it and falls where the slot begins;
    an opening that merely starts like many prompts ("the", "what is the") thins
    token by token instead. The run is therefore cut back to its last token that
    kept at least ``stability`` of the previous token's sharers. At least one token
    of the prompt is left out (a slot must remain). Nodes with ``min_count`` above
    any possible count (popular prompts) get no affix.

    Returns:
        (length in tokens, 0 for none; key: hash of the account and the affix tokens, 0 for none).
    """
    n = len(node_uid)
    lengths = np.diff(offsets)[node_uid]
    base = offsets[node_uid] if at_start else offsets[node_uid + 1] - 1
    step = 1 if at_start else -1
    with np.errstate(over="ignore"):
        h = (node_account.astype(np.uint64) + np.uint64(1)) * _MIX
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
            h = (h ^ tok) * _MIX
            h ^= h >> np.uint64(31)
        count = np.zeros(n, dtype=np.int64)
        count[alive] = occurrences(h[alive])
        alive &= count >= min_count
        steady = alive & ((j == 0) | (count >= stability * prev))
        best_len[steady], best_key[steady] = j + 1, h[steady]
        prev = count
    return best_len, best_key


def skeleton_groups(store: TokenStore, node_account: np.ndarray, node_uid: np.ndarray, *, n_accounts: int,
                    popular: np.ndarray, min_count: int = 3, relative_count: float = 0.0005,
                    max_affix_tokens: int = 16, stability: float = 0.8, min_fixed_tokens: int = 5,
                    family_affix_tokens: int = 3, min_template_size: int = 3,
                    drop_passage_affixes: bool = True) -> Skeletons:
    """Template groups by fixed opening and closing: a group per (account, opening, closing).

    Length-agnostic where Drain is not (a slot may hold one word or a page), and
    exact: two prompts join only when both their template opening and closing
    (:func:`affix_skeletons`) are the same tokens, so templates that share filled
    passages do not chain into one another. A node needs an opening or a closing
    shared by ``max(min_count, relative_count × account's distinct prompts)``
    prompts of its account; the relative floor keeps a filled passage that a big
    account reuses under a few templates from passing for template text. Opening
    and closing together must fix at least ``min_fixed_tokens`` tokens: a person's
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
    per_account = np.bincount(node_account, minlength=n_accounts)
    need = np.maximum(min_count, np.ceil(relative_count * per_account[node_account])).astype(np.int64)
    need[popular[node_uid]] = np.iinfo(np.int64).max
    p_len, p_key = affix_skeletons(tokens, offsets, node_uid, node_account, min_count=need, at_start=True,
                                   max_tokens=max_affix_tokens, stability=stability)
    s_len, s_key = affix_skeletons(tokens, offsets, node_uid, node_account, min_count=need, at_start=False,
                                   max_tokens=max_affix_tokens, stability=stability)
    fixed = max(1, min_fixed_tokens)
    if drop_passage_affixes:
        drop_reused_passages(p_len, p_key, s_len, s_key, fixed=fixed, window=max_affix_tokens)
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
    return Skeletons(group, _families(group, p_len, p_key, s_len, s_key, min_tokens=family_affix_tokens),
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
        key = (p_key * _MIX) ^ (s_key + np.uint64(0x632BE59BD9B4E019))
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


def affix_pairs(tokens: np.ndarray, offsets: np.ndarray, node_uid: np.ndarray, node_account: np.ndarray, *,
                among: np.ndarray, affix_tokens: int) -> tuple[np.ndarray, np.ndarray]:
    """Node pairs of one account whose prompts share their first or last ``affix_tokens`` tokens.

    Only prompts longer than the affix qualify (a slot must remain), and only the
    nodes in ``among``. Members of a shared key are chained in node order, which is
    enough to connect them.
    """
    lengths = np.diff(offsets)[node_uid[among]]
    ok = among[lengths > affix_tokens]
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


def template_groups(
    store: TokenStore,
    node_account: np.ndarray,
    node_uid: np.ndarray,
    neighbour_pairs: tuple[np.ndarray, np.ndarray],
    *,
    skeleton: Skeletons,
    n_accounts: int,
    popular: np.ndarray,
    min_overlap: float = 0.6,
    min_containment: float = 0.8,
    affix_tokens: int = 5,
    sibling_margin: float = 0.0,
    min_template_size: int = 3,
    sweep_min_fills: int = 10,
    sweep_min_slot_words: int = 60,
    split_field_labels: bool = True,
    field_label_presence: float = 0.9,
    field_label_share: float = 0.1,
) -> TemplateGroups:
    """Find every account's templates: skeleton groups, then siblings among the rest.

    Args:
        store: token sequences of the day's distinct prompts (by uid).
        node_account, node_uid: the distinct (account, prompt) pairs, sorted by account.
        neighbour_pairs: (source, target) node positions of within-account neighbours; only
            pairs whose source is outside every skeleton group are used.
        skeleton: the :func:`skeleton_groups` of the nodes.
        n_accounts: number of account codes.
        popular: per uid, True for prompts many accounts send (excluded).
        min_overlap: overlap coefficient for siblings, in (0, 1].
        min_containment: share of a skeleton group member's fixed text (opening and closing) a leftover
            must carry for a sibling edge to that member to count towards joining its group; an edge
            made only of a shared filled passage does not.
        affix_tokens: leftovers that open or close with the same this many tokens are siblings too
            (a template whose slot is long, or whose opening runs on into a common phrase).
        sibling_margin: how much more common (mean log count, :func:`share_template`) the words two
            siblings share must be than the words that tell them apart; a pair sharing a filled passage
            and differing in template wording falls below it.
        min_template_size: distinct prompts a group needs to count as a template.
        sweep_min_fills: distinct prompts a template needs to count towards ``effective_templates``
            (a sweep refills each of its templates; a person's pet phrasings recur a few times).
        sweep_min_slot_words: distinct words its slots must hold across those fills to count (a
            sweep fills in content; homework with other numbers and a few habitual lead-ins does not).
        split_field_labels, field_label_presence, field_label_share: split groups whose members name
            different fields (:func:`split_by_field_labels`).
    """
    # Each step below lives in its own function so that its temporaries (the pair arrays, n-gram
    # features, the sibling graph) are freed before the next: on a 16M-row day each is GBs.
    group, family = _with_siblings(store, node_account, node_uid, neighbour_pairs, skeleton=skeleton,
                                   popular=popular, min_overlap=min_overlap, min_containment=min_containment,
                                   affix_tokens=affix_tokens, sibling_margin=sibling_margin,
                                   min_template_size=min_template_size)
    if split_field_labels:
        in_group = np.zeros(len(store), dtype=bool)
        in_group[node_uid[group >= 0]] = True  # only grouped prompts' labels are needed (a big day's are many)
        label_uid, label_id = store.field_labels(among=in_group)
        group = split_by_field_labels(group, node_uid, label_uid, label_id, min_template_size=min_template_size,
                                      presence=field_label_presence, min_share=field_label_share)
    return _summarise(store, node_account, node_uid, group, family, n_accounts=n_accounts,
                      sweep_min_fills=sweep_min_fills, sweep_min_slot_words=sweep_min_slot_words)


def split_by_field_labels(group: np.ndarray, node_uid: np.ndarray, label_uid: np.ndarray, label_id: np.ndarray, *,
                          min_template_size: int = 3, presence: float = 0.9, min_share: float = 0.1) -> np.ndarray:
    """Split each group by the set of field labels its members carry; returns the new group per node.

    Two templates can share their opening and closing and differ only inside: one
    lists ``Choices:`` before the closing ``A:`` and the other does not, or both wrap
    the same two passages and one puts ``...the following question:`` between them
    (the middle that the token store drops; its field labels are kept,
    :meth:`scoring.tokens.TokenStore.field_labels`). The names of a template's fields
    tell them apart where the fixed ends cannot.

    Only labels that are some template's field count: carried by at least ``presence``
    of the members of some group of ``min_template_size`` or more (in any account). A
    colon inside a filled passage ("Note:", a speaker's name) is carried by the few
    prompts of that passage, so besides the presence rule a variant is split off only
    when it holds at least ``min_share`` of its group and ``min_template_size``
    members; smaller variants stay with the group's largest. So does a variant whose
    members carry as many labels as the largest's, only other words: that is a slot
    right before a colon ("...a review of our {product}: ..."). Families are unchanged (a split-off
    template is still a variant of the same task).

    Args:
        group: per node, its group (-1: none).
        node_uid: per node, its prompt.
        label_uid, label_id: (prompt, label token) pairs, distinct, sorted by prompt.
        min_template_size, presence, min_share: as above.
    """
    grouped = np.flatnonzero(group >= 0)
    if not len(grouped) or not len(label_uid):
        return group
    # Everything below is per grouped node (``member``), not per node: on a big day most nodes are in no group.
    gm = group[grouped]
    lo = np.searchsorted(label_uid, node_uid[grouped], side="left")
    n_labels = np.searchsorted(label_uid, node_uid[grouped], side="right") - lo  # labels of any kind
    member = np.repeat(np.arange(len(grouped)), n_labels)
    label = label_id[ranges(lo, n_labels)].astype(np.int64)
    size = np.bincount(gm)
    keys, counts = distinct_counts(gm[member] << 32 | label)
    key_group = keys >> 32
    fields = distinct(keys[(size[key_group] >= min_template_size) & (counts >= presence * size[key_group])]
                      & 0xFFFFFFFF)
    field = np.isin(label, fields)
    # An order-free signature of each member's set of fields: the sum of a mixed hash per label.
    signature = np.zeros(len(grouped), dtype=np.uint64)
    np.add.at(signature, member[field], (label[field].astype(np.uint64) + np.uint64(1)) * _MIX)
    order = np.lexsort((signature, gm))
    g, sig = gm[order], signature[order]
    starts = np.flatnonzero(np.concatenate([[True], (g[1:] != g[:-1]) | (sig[1:] != sig[:-1])]))
    run_size = np.diff(np.concatenate([starts, [len(order)]]))
    run_group, run_labels = g[starts], n_labels[order[starts]]
    # Per group its largest variant keeps the group's id (ties: the first in signature order).
    by_size = np.lexsort((np.arange(len(starts)), -run_size, run_group))
    largest = np.zeros(len(starts), dtype=bool)
    largest[by_size[np.concatenate([[True], run_group[by_size][1:] != run_group[by_size][:-1]])]] = True
    largest_labels = np.zeros(len(size), dtype=np.int64)
    largest_labels[run_group[largest]] = run_labels[largest]
    # A variant with as many labels as the largest, only other words, is a slot right before a colon
    # ("...review of our {product}: ..."), not another template: only one with a label more or fewer
    # splits off.
    apart = ~largest & (run_size >= min_template_size) & (run_size >= min_share * size[run_group])
    apart &= run_labels != largest_labels[run_group]
    new_id = np.where(apart, group.max() + np.cumsum(apart), run_group)
    out = group.copy()
    out[grouped[order]] = np.repeat(new_id, run_size)
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


def share_template(store: TokenStore, node_account: np.ndarray, node_uid: np.ndarray, src: np.ndarray,
                   dst: np.ndarray, *, min_margin: float, batch_pairs: int = 1 << 16) -> np.ndarray:
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
    order = np.argsort(node_account[src], kind="stable")
    pair_account = node_account[src[order]]
    bounds = np.concatenate([np.flatnonzero(np.concatenate([[True], pair_account[1:] != pair_account[:-1]])),
                             [len(order)]])
    del pair_account
    for lo, hi in run_batches(bounds, batch_pairs):
        batch = order[bounds[lo] : bounds[hi]]
        keep[batch] = _share_template_batch(store, node_account, node_uid, src[batch], dst[batch],
                                            min_margin=min_margin)
    return keep


def _share_template_batch(store: TokenStore, node_account: np.ndarray, node_uid: np.ndarray, src: np.ndarray,
                          dst: np.ndarray, *, min_margin: float) -> np.ndarray:
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
    column[order] = np.cumsum(np.concatenate([[True], key[order][1:] != key[order][:-1]])) - 1
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


def _with_siblings(store: TokenStore, node_account: np.ndarray, node_uid: np.ndarray,
                   neighbour_pairs: tuple[np.ndarray, np.ndarray], *, skeleton: Skeletons, popular: np.ndarray,
                   min_overlap: float, min_containment: float, affix_tokens: int, sibling_margin: float,
                   min_template_size: int) -> tuple[np.ndarray, np.ndarray]:
    """Group and family per node: skeleton groups, joined by the leftovers' sibling components."""
    tokens, offsets = store.flat()
    src, dst = neighbour_pairs
    skeleton_opening, skeleton_closing = skeleton.opening, skeleton.closing
    skeleton, skeleton_family = skeleton.group, skeleton.family
    keep = (skeleton[src] < 0) & (node_uid[src] != node_uid[dst])
    keep &= ~(popular[node_uid[src]] | popular[node_uid[dst]])
    src, dst = src[keep], dst[keep]
    similar = similar_pairs(store, node_uid[src], node_uid[dst], min_overlap=min_overlap)
    src, dst = src[similar], dst[similar]
    a_src, a_dst = affix_pairs(tokens, offsets, node_uid, node_account, among=np.flatnonzero(
        (skeleton < 0) & ~popular[node_uid]), affix_tokens=affix_tokens)
    src, dst = np.concatenate([src, a_src]), np.concatenate([dst, a_dst])
    # Pairs that share a filled passage rather than template wording are no siblings.
    shares = share_template(store, node_account, node_uid, src, dst, min_margin=sibling_margin)
    src, dst = src[shares], dst[shares]
    # Leftovers join one another into components; a component with siblings in skeleton
    # groups joins the one it has most siblings in (skeleton groups are never merged).
    inner = skeleton[dst] < 0
    # A leftover joins a skeleton group only through siblings whose fixed text it carries: content
    # overlap alone links one passage filled into several templates.
    outer = np.flatnonzero(~inner)
    carries = fixed_text_containment(store, node_uid[src[outer]], node_uid[dst[outer]],
                                     skeleton_opening[dst[outer]], skeleton_closing[dst[outer]]) >= min_containment
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
        first_of = np.concatenate([[True], kc[best][1:] != kc[best][:-1]])
        attach[kc[best][first_of]] = kg[best][first_of]
    leftover = skeleton < 0
    size = np.bincount(comp[leftover], minlength=len(attach))
    own = leftover & (attach[comp] < 0) & (size[comp] >= min_template_size)
    first = skeleton.max(initial=-1) + 1
    group = np.where(~leftover, skeleton, np.where(attach[comp] >= 0, attach[comp], np.where(own, first + comp, -1)))
    family_of = np.arange(first + len(attach), dtype=np.int64)  # by group id; sibling groups are their own family
    family_of[skeleton[~leftover]] = skeleton_family[~leftover]
    return group, np.where(group >= 0, family_of[np.maximum(group, 0)], -1)


def _summarise(store: TokenStore, node_account: np.ndarray, node_uid: np.ndarray, group: np.ndarray,
               family: np.ndarray, *, n_accounts: int, sweep_min_fills: int = 10,
               sweep_min_slot_words: int = 60) -> TemplateGroups:
    n_distinct = np.bincount(node_account, minlength=n_accounts)
    members = np.flatnonzero(group >= 0)
    templated = np.bincount(node_account[members], minlength=n_accounts)
    order = members[np.lexsort((node_uid[members], group[members]))]  # by group, then uid
    sorted_groups = group[order]
    starts = np.flatnonzero(np.concatenate([[True], sorted_groups[1:] != sorted_groups[:-1]])) if len(order) else \
        np.zeros(0, dtype=np.int64)
    ids, counts = sorted_groups[starts], np.diff(np.concatenate([starts, [len(order)]]))
    owner = node_account[order][starts]
    n_templates = np.bincount(owner, minlength=n_accounts)
    # Breadth over tasks: templates refilled often enough *with content* (words in their slots: the
    # same exercise with other numbers and a few habitual lead-ins harvests nothing), pooled by
    # family (variants of one task).
    vocab = _slot_vocabulary(store, node_uid[order], np.repeat(np.arange(len(ids)), counts), counts)
    fills = np.where(vocab >= sweep_min_slot_words, counts, 0)
    big = fills >= sweep_min_fills
    fam_of_group = family[order][starts]
    fam_size = np.bincount(fam_of_group[big], weights=fills[big].astype(np.float64)) if big.any() else np.zeros(0)
    fams = np.flatnonzero(fam_size > 0)
    fam_owner = np.zeros(len(fam_size), dtype=np.int64)
    fam_owner[fam_of_group[big]] = owner[big]
    big_sum = np.bincount(fam_owner[fams], weights=fam_size[fams], minlength=n_accounts)
    size_sq = np.bincount(fam_owner[fams], weights=fam_size[fams] ** 2, minlength=n_accounts)
    effective = np.where(size_sq > 0, big_sum**2 / np.maximum(size_sq, 1.0), 0.0)
    top_size = np.zeros(n_accounts, dtype=np.int64)
    texts = [""] * n_accounts
    tops: list[list[tuple[str, float]]] = [[] for _ in range(n_accounts)]
    skeletons: dict[int, list[int]] = {}
    # Largest groups per account first; ties go to the lower group id (deterministic). Only the
    # groups shown (each account's largest three) are aligned: alignment is the costly part.
    for i in np.lexsort((ids, -counts, owner)):
        gid, acc, cnt = int(ids[i]), int(owner[i]), int(counts[i])
        if len(tops[acc]) == 3:
            continue
        members_shown = node_uid[order[starts[i] : starts[i] + min(50, cnt)]]
        skeletons[gid] = group_skeleton(store, [store.get(u) for u in members_shown])
        text = store.render(skeletons[gid])
        if top_size[acc] == 0:
            top_size[acc], texts[acc] = cnt, text
        tops[acc].append((text, float(cnt / max(n_distinct[acc], 1))))
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(n_distinct > 0, templated / np.maximum(n_distinct, 1), 0.0)
        top_share = np.where(n_distinct > 0, top_size / np.maximum(n_distinct, 1), 0.0)
    return TemplateGroups(group=group, family=family, templating=share, n_templates=n_templates, top_share=top_share,
                          top_template=texts, top_templates=tops, effective_templates=effective,
                          skeletons=skeletons)


def _slot_vocabulary(store: TokenStore, uids: np.ndarray, gid: np.ndarray, sizes: np.ndarray, *,
                     batch_members: int = 1 << 20) -> np.ndarray:
    """Per group (``gid`` 0..g-1 per member, sorted; ``sizes`` per group), how many distinct words
    its slots hold: alphabetic tokens found in fewer than half of its members (template wording is
    in nearly all). Whole groups are taken about ``batch_members`` members at a time, so a day's
    templated tokens are never all expanded at once."""
    out = np.zeros(len(sizes), dtype=np.int64)
    if not len(uids):
        return out
    alpha = store.alphabetic()
    group_start = np.concatenate([[0], np.cumsum(sizes)])
    for lo, hi in run_batches(group_start, batch_members):
        first, last = group_start[lo], group_start[hi]
        g = gid[first:last]
        member_tokens, bounds = store.take(uids[first:last])
        member_tokens = member_tokens.astype(np.int64)
        member = np.repeat(np.arange(last - first), np.diff(bounds))
        # Present once per member, then count members per (group, token).
        per_member = distinct(member.astype(np.int64) << 32 | member_tokens)
        m, t = per_member >> 32, per_member & 0xFFFFFFFF
        key = g[m].astype(np.int64) << 32 | t
        slot = alpha[t] & (occurrences(key) < 0.5 * sizes[g[m]])
        out += np.bincount(distinct(key[slot]) >> 32, minlength=len(sizes))
    return out


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

"""Evidence: what an account's templates add up to, and each one shown as a readable skeleton."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from difflib import SequenceMatcher

import numpy as np

from scoring.arrays import distinct, occurrences, run_batches, run_starts
from scoring.nodes import Nodes
from scoring.options import TemplateOptions
from scoring.tokens import TokenStore

SLOT = -1


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


def summarise(store: TokenStore, nodes: Nodes, group: np.ndarray, family: np.ndarray, *,
              rules: TemplateOptions) -> TemplateGroups:
    """Per account: its share of templated prompts, its templates and their readable skeletons.

    ``effective_templates`` counts only templates refilled at least ``sweep_min_fills`` times
    whose slots hold at least ``sweep_min_slot_words`` distinct words, pooled by family.
    """
    node_account, node_uid, n_accounts = nodes.account, nodes.uid, nodes.n_accounts
    n_distinct = nodes.per_account()
    members = np.flatnonzero(group >= 0)
    templated = np.bincount(node_account[members], minlength=n_accounts)
    order = members[np.lexsort((node_uid[members], group[members]))]  # by group, then uid
    sorted_groups = group[order]
    starts = run_starts(sorted_groups)
    ids, counts = sorted_groups[starts], np.diff(np.concatenate([starts, [len(order)]]))
    owner = node_account[order][starts]
    n_templates = np.bincount(owner, minlength=n_accounts)
    # Breadth over tasks: templates refilled often enough *with content* (words in their slots: the
    # same exercise with other numbers and a few habitual lead-ins harvests nothing), pooled by
    # family (variants of one task).
    vocab = _slot_vocabulary(store, node_uid[order], np.repeat(np.arange(len(ids)), counts), counts)
    fills = np.where(vocab >= rules.sweep_min_slot_words, counts, 0)
    big = fills >= rules.sweep_min_fills
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

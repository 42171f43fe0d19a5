"""Fields: a template group split by the names of the fields its prompts carry.

Two templates can share their opening and closing and differ only inside: ``sciq`` asks
"... given this paragraph: ... Q: ... A:" with and without a ``Choices:`` list before the
``A:``. The words right before a colon name a template's fields and tell them apart.
"""

from __future__ import annotations

import numpy as np

from scoring.arrays import MIX, distinct, distinct_counts, ranges, run_starts
from scoring.nodes import Nodes
from scoring.options import TemplateOptions
from scoring.tokens import TokenStore


def split_by_fields(store: TokenStore, nodes: Nodes, group: np.ndarray, *, rules: TemplateOptions) -> np.ndarray:
    """The groups of ``nodes`` split by the field labels of their prompts (see :func:`split_by_field_labels`)."""
    in_group = np.zeros(len(store), dtype=bool)
    in_group[nodes.uid[group >= 0]] = True  # only grouped prompts' labels are needed (a big day's are many)
    return split_by_field_labels(group, nodes.uid, store.field_labels(among=in_group), rules=rules)


def split_by_field_labels(group: np.ndarray, node_uid: np.ndarray, labels: tuple[np.ndarray, np.ndarray], *,
                          rules: TemplateOptions) -> np.ndarray:
    """Split each group by the set of field labels its members carry; returns the new group per node.

    Two templates can share their opening and closing and differ only inside: one
    lists ``Choices:`` before the closing ``A:`` and the other does not, or both wrap
    the same two passages and one puts ``...the following question:`` between them
    (the middle that the token store drops; its field labels are kept,
    :meth:`scoring.tokens.TokenStore.field_labels`). The names of a template's fields
    tell them apart where the fixed ends cannot.

    Only labels that are some template's field count: carried by at least
    ``field_label_presence`` of the members of some group of ``min_template_size`` or more
    (in any account). A
    colon inside a filled passage ("Note:", a speaker's name) is carried by the few
    prompts of that passage, so besides the presence rule a variant is split off only
    when it holds at least ``field_label_share`` of its group and ``min_template_size``
    members; smaller variants stay with the group's largest. So does a variant whose
    members carry as many labels as the largest's, only other words: that is a slot
    right before a colon ("...a review of our {product}: ..."). Families are unchanged (a split-off
    template is still a variant of the same task).

    Args:
        group: per node, its group (-1: none).
        node_uid: per node, its prompt.
        labels: (prompt, label token) pairs, distinct, sorted by prompt.
        rules: ``min_template_size``, ``field_label_presence`` and ``field_label_share``, as above.
    """
    label_uid, label_id = labels
    min_template_size, presence, min_share = rules.min_template_size, rules.field_label_presence, rules.field_label_share
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
    np.add.at(signature, member[field], (label[field].astype(np.uint64) + np.uint64(1)) * MIX)
    order = np.lexsort((signature, gm))
    g, sig = gm[order], signature[order]
    starts = np.union1d(run_starts(g), run_starts(sig))  # where the group or the field set changes
    run_size = np.diff(np.concatenate([starts, [len(order)]]))
    run_group, run_labels = g[starts], n_labels[order[starts]]
    # Per group its largest variant keeps the group's id (ties: the first in signature order).
    by_size = np.lexsort((np.arange(len(starts)), -run_size, run_group))
    largest = np.zeros(len(starts), dtype=bool)
    largest[by_size[run_starts(run_group[by_size])]] = True
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

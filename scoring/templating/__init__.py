"""Template repetition: how much of an account's traffic is one skeleton, refilled.

Templates are mined within each account in three steps, one module each:

1. **Skeletons** (:mod:`~scoring.templating.skeletons`): prompts with the same template
   opening and closing, exact and indifferent to slot length (a word or a page).
2. **Siblings** (:mod:`~scoring.templating.siblings`): the prompts no skeleton took join
   neighbours that share their wording but not a filled passage.
3. **Fields** (:mod:`~scoring.templating.fields`): a group whose members name different
   fields (``Choices:`` or not) splits.

A group of at least ``min_template_size`` distinct prompts is a template; an account's
``templating`` is the share of its distinct prompts in one, in [0, 1], and its largest
templates are aligned into readable skeletons (:mod:`~scoring.templating.evidence`).
An account's templates are mined from its own prompts alone, so the same traffic templates the same
way on any day. A campaign's pool leaves out the prompts many accounts send (popular one-liners):
a crowd pooled as one shares them without any template behind them.
"""

from __future__ import annotations

import numpy as np

from index.options import IndexOptions
from index.within_groups import knn_within_groups
from scoring.nodes import Nodes
from scoring.options import TemplateOptions
from scoring.templating.evidence import SLOT, TemplateGroups, align_template, group_skeleton, summarise
from scoring.templating.fields import split_by_field_labels, split_by_fields
from scoring.templating.siblings import (fixed_text_containment, ngram_features, overlap_coefficient, share_template,
                                         similar_pairs, with_siblings)
from scoring.templating.skeletons import Skeletons, skeleton_groups
from scoring.tokens import TokenStore

__all__ = ["SLOT", "Skeletons", "TemplateGroups", "align_template", "fixed_text_containment", "group_skeleton",
           "mine_templates", "ngram_features", "overlap_coefficient", "share_template", "similar_pairs",
           "skeleton_groups", "split_by_field_labels", "template_groups"]


def template_groups(store: TokenStore, nodes: Nodes, neighbour_pairs: tuple[np.ndarray, np.ndarray], *,
                    skeleton: Skeletons, popular: np.ndarray, rules: TemplateOptions) -> TemplateGroups:
    """Find every account's templates: skeleton groups, then siblings among the rest, then field splits.

    Args:
        store: token sequences of the day's distinct prompts (by uid).
        nodes: the distinct (account, prompt) pairs.
        neighbour_pairs: (source, target) node positions of within-account neighbours; only
            pairs whose source is outside every skeleton group are used.
        skeleton: the :func:`skeleton_groups` of the nodes.
        popular: per uid, True for prompts many accounts send (never templated).
        rules: the template rules.
    """
    # Each step below lives in its own function so that its temporaries (the pair arrays, n-gram
    # features, the sibling graph) are freed before the next: on a 16M-row day each is GBs.
    group, family = with_siblings(store, nodes, neighbour_pairs, skeleton=skeleton, popular=popular, rules=rules)
    if rules.split_field_labels:
        group = split_by_fields(store, nodes, group, rules=rules)
    return summarise(store, nodes, group, family, rules=rules)


def mine_templates(store: TokenStore, vectors: np.ndarray, nodes: Nodes, *, popular: np.ndarray,
                   rules: TemplateOptions, index: IndexOptions) -> TemplateGroups:
    """Template groups of ``nodes``: skeletons first, then neighbour siblings for the rest.

    Shared by the account stage, the campaign stage (pooled prompts) and the benchmark, so
    all three mine templates the same way. Within-account neighbours are searched only for
    the prompts that no skeleton group took (among all the account's prompts), which is most
    of an ordinary user's traffic and little of a harvester's.

    Args:
        store: token sequences by uid; vectors: unit-norm vectors by uid.
        nodes: the nodes, sorted by account (or campaign) code.
        popular: per uid, True for prompts never templated (a campaign pool's popular prompts; none for an
            account's own).
        rules, index: the template rules and the index options of the neighbour search.
    """
    skeleton = skeleton_groups(store, nodes, popular=popular, rules=rules)
    # The similarities are dropped at once (only the pairs are used).
    pairs = knn_within_groups(vectors, nodes.uid, nodes.account, options=index, queries=skeleton.group < 0)[:2]
    return template_groups(store, nodes, pairs, skeleton=skeleton, popular=popular, rules=rules)

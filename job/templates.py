"""The template stage of the daily job: skeletons first, then neighbour siblings for the rest.

Shared by the account stage, the campaign stage (pooled prompts) and the
benchmark, so all three mine templates the same way. Within-account neighbours
are searched only for the prompts that no skeleton group took (among all the
account's prompts), which is most of an ordinary user's traffic and little of a
harvester's.
"""

from __future__ import annotations

import numpy as np

from index.within_groups import knn_within_groups
from job.config import IndexOptions, TemplateOptions
from scoring.templating import TemplateGroups, skeleton_groups, template_groups
from scoring.tokens import TokenStore


def mine_templates(store: TokenStore, vectors: np.ndarray, node_account: np.ndarray, node_uid: np.ndarray, *,
                   n_accounts: int, popular: np.ndarray, templates: TemplateOptions,
                   index: IndexOptions) -> TemplateGroups:
    """Template groups of the distinct (group, prompt) pairs ``node_*`` (sorted by ``node_account``).

    Args:
        store: token sequences by uid; vectors: unit-norm vectors by uid.
        node_account, node_uid: the nodes, sorted by account (or campaign) code.
        n_accounts: number of account codes.
        popular: per uid, True for prompts many accounts send (never templated).
        templates, index: the job's options.
    """
    t = templates
    skeleton = skeleton_groups(store, node_account, node_uid, n_accounts=n_accounts, popular=popular,
                               min_count=t.min_affix_count, relative_count=t.relative_affix_count,
                               max_affix_tokens=t.max_affix_tokens, stability=t.affix_stability,
                               min_fixed_tokens=t.min_fixed_tokens, family_affix_tokens=t.family_affix_tokens,
                               min_template_size=t.min_template_size, drop_passage_affixes=t.drop_passage_affixes)
    # Only the nodes no skeleton took look for neighbours (among all of their account's prompts).
    # The similarities are dropped at once (only the pairs are used).
    pairs = knn_within_groups(vectors, node_uid, node_account, k=index.within_account_k, exact_max=index.exact_max,
                              factory=index.factory, nprobe=index.nprobe, ef_search=index.ef_search,
                              queries=skeleton.group < 0)[:2]
    return template_groups(store, node_account, node_uid, pairs, skeleton=skeleton,
                           n_accounts=n_accounts, popular=popular, min_overlap=t.min_overlap, min_containment=t.min_containment,
                           affix_tokens=t.affix_tokens, sibling_margin=t.sibling_margin,
                           min_template_size=t.min_template_size, sweep_min_fills=t.sweep_min_fills,
                           sweep_min_slot_words=t.sweep_min_slot_words, split_field_labels=t.split_field_labels,
                           field_label_presence=t.field_label_presence, field_label_share=t.field_label_share)

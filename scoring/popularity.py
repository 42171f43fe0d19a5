"""Popularity: how many accounts send a prompt or a near-duplicate of it.

"Tell me a joke" comes from thousands of ordinary people. Such prompts are no
evidence of an account's own template, so templating leaves them out. Reach is
read off the day's nearest-neighbour graph (across all accounts), so it costs
one sparse product instead of comparing accounts pairwise.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse

from scoring.nodes import Nodes


def prompt_reach(nodes: Nodes, neighbour_ids: np.ndarray, neighbour_sims: np.ndarray, *,
                 min_similarity: float) -> np.ndarray:
    """Distinct accounts that sent each prompt or a neighbour at ``min_similarity`` or above.

    Args:
        nodes: the day's distinct (account, prompt) pairs.
        neighbour_ids: (n_uids, k) nearest other prompts of each prompt (-1 = none).
        neighbour_sims: their cosine similarities.
        min_similarity: cosine at which a neighbour counts as the same prompt.

    Returns:
        int64 array (n_uids,): accounts reaching each prompt, at least 1.
    """
    n_uids = len(neighbour_ids)
    sent = sparse.csr_matrix((np.ones(len(nodes), dtype=np.float32), (nodes.uid, nodes.account)),
                             shape=(n_uids, nodes.n_accounts))
    close = (neighbour_ids >= 0) & (neighbour_sims >= min_similarity)
    rows = np.concatenate([np.arange(n_uids), np.repeat(np.arange(n_uids), neighbour_ids.shape[1])[close.ravel()]])
    cols = np.concatenate([np.arange(n_uids), neighbour_ids[close]])
    near = sparse.csr_matrix((np.ones(len(rows), dtype=np.float32), (rows, cols)), shape=(n_uids, n_uids))
    reach = near @ sent
    return np.diff(reach.indptr).astype(np.int64)

"""Account links: how much structure two accounts' prompts share, weighted by rarity.

A fleet of small accounts fed by one generator stream sends *different* prompts
from every account, so no prompt repeats across them; what they share is that
their prompts are each other's nearest neighbours (the same generator's style,
the same templates) far more often than chance. The day's faiss neighbour lists
already hold that evidence, so linking costs one sparse product, never a
comparison of every pair of accounts:

``W[a, b] = Σ over neighbour pairs (u of a, v of b) of rarity(u) · rarity(v)``

plus, for a prompt both accounts send, ``rarity(u)²``, with ``rarity = 1/reach`` and
``reach`` the number of accounts sending the prompt or a near-duplicate of it. This is
the resource-allocation weighting of a bipartite projection: each neighbour relation of a
prompt (and the prompt itself) gives one of its senders at most ``1/reach`` of link weight in
all, shared among the accounts at the other end. The weight falls smoothly with reach, so one
more sender elsewhere in the day changes a prompt's evidence little, and an operation's links are
about the same whatever traffic surrounds it. Only a prompt reached by ``max_link_reach`` (20)
accounts or more links nobody: its pairs would weigh under 1/400 each against a rare
neighbour pair's 1, and their number grows as reach² ("tell me a joke" from 10,000 people
would make 10⁸ of them).

Whether a link is more than chance for the accounts' volumes is judged later,
against a null model, by community detection (see ``scoring.campaigns``).
"""

from __future__ import annotations

import numpy as np
from scipy import sparse

from scoring.nodes import Nodes


def account_links(nodes: Nodes, neighbour_ids: np.ndarray, reach: np.ndarray, *, eligible: np.ndarray,
                  max_reach: int, block_prompts: int = 2_000_000) -> sparse.csr_matrix:
    """Symmetric (n_accounts × n_accounts) link weights, zero diagonal.

    Args:
        nodes: the day's distinct (account, prompt) pairs.
        neighbour_ids: (n_uids, k) nearest other prompts of each prompt across the day (-1 = none).
        reach: per prompt, accounts sending it or a near-duplicate (>= 1).
        eligible: per account, True when it may be linked (enough prompts to carry evidence).
        max_reach: prompts with at least this reach carry no link (>= 2;
            ``scoring.campaigns.max_link_reach``).
        block_prompts: a day with more distinct prompts is multiplied out this many prompts' rows
            at a time (same weights up to float rounding), so its neighbour graph is never held
            as float64 nor its intermediate product whole; smaller days take one product.

    Returns:
        CSR matrix of link weights between eligible accounts.
    """
    if max_reach < 2:
        raise ValueError("max_reach must be >= 2")
    n_uids, n_accounts, node_uid, node_account = len(reach), nodes.n_accounts, nodes.uid, nodes.account
    rarity = np.where(reach >= max_reach, 0.0, 1.0 / np.maximum(reach, 1).astype(np.float64))
    keep = eligible[node_account] & (rarity[node_uid] > 0)
    # sent[u, a] = rarity(u) when account a sends prompt u.
    sent = sparse.csr_matrix((rarity[node_uid[keep]], (node_uid[keep], node_account[keep])),
                             shape=(n_uids, n_accounts))
    if n_uids > block_prompts:
        links = _links_in_blocks(sent, neighbour_ids, block=block_prompts)
    else:
        links = (sent.T @ _near_graph(neighbour_ids) @ sent).tocsr()
    links.setdiag(0.0)
    links.eliminate_zeros()
    return links


def _near_graph(neighbour_ids: np.ndarray) -> sparse.csr_matrix:
    """Binary symmetric neighbour relation plus the identity, (n_uids × n_uids) float64."""
    n_uids, k = neighbour_ids.shape
    src = np.repeat(np.arange(n_uids), k)
    dst = neighbour_ids.ravel()
    ok = (dst >= 0) & (dst != src)
    near = sparse.csr_matrix((np.ones(int(ok.sum()), dtype=np.float64), (src[ok], dst[ok])), shape=(n_uids, n_uids))
    near.data[:] = 1.0
    # A neighbour relation counts once whichever side found it; a shared prompt is its own "neighbour".
    return ((near + near.T) > 0).astype(np.float64) + sparse.identity(n_uids, format="csr")


def _links_in_blocks(sent: sparse.csr_matrix, neighbour_ids: np.ndarray, *, block: int) -> sparse.csr_matrix:
    """``sent.T @ _near_graph(neighbour_ids) @ sent``, summed over blocks of prompt rows.

    The directed graph is built straight from the lists as int8 marks (no coordinate
    arrays, no float64 copy); its transpose gives, per prompt, who lists it; each block's
    rows of the symmetric relation exist only while that block is multiplied.
    """
    n_uids, k = neighbour_ids.shape
    valid = (neighbour_ids >= 0) & (neighbour_ids != np.arange(n_uids)[:, None])
    indptr = np.zeros(n_uids + 1, dtype=np.int64)
    np.cumsum(valid.sum(axis=1), out=indptr[1:])
    lists = sparse.csr_matrix((np.ones(int(indptr[-1]), dtype=np.int8), neighbour_ids[valid].astype(np.int32),
                               indptr), shape=(n_uids, n_uids))
    del valid
    listed_by = lists.T.tocsr()
    links = (sent.T @ sent).tocsr()  # a shared prompt is its own neighbour
    for lo in range(0, n_uids, block):
        hi = min(n_uids, lo + block)
        near = ((lists[lo:hi] + listed_by[lo:hi]) > 0).astype(np.float64)
        links = links + (sent[lo:hi].T @ (near @ sent)).tocsr()
    return links

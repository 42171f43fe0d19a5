"""Template grouping of a set of prompts: the project's, and the peers a user would pick instead.

Every function takes the prompts (and, where it needs them, their unit-norm
vectors, computed beforehand and not timed) and returns one integer per prompt:
its group, or -1 when it was left alone. Quality is judged by
:mod:`benchmark.grouping_quality`; ``tools/benchmark.py`` times them.

- :func:`project_groups`: the daily job's template mining
  (:func:`job.templates.mine_templates`: skeletons, then siblings), with all
  prompts one account and none popular.
- :func:`minhash_groups`: datasketch MinHash-LSH over word n-gram shingles;
  groups are connected components of the LSH matches.
- :func:`community_groups`: sentence-transformers ``util.community_detection``
  on the same vectors as the project.
- :func:`drain_groups`: the Drain3 log-template miner, one prompt per "log line".
"""

from __future__ import annotations

import re
import time

import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import connected_components

from index.options import IndexOptions
from scoring.nodes import Nodes
from scoring.options import TemplateOptions
from scoring.templating import mine_templates
from scoring.tokens import TokenStore

_WORD = re.compile(r"\w+")


def project_groups(texts: list[str], vectors: np.ndarray, *, templates: TemplateOptions = TemplateOptions(),
                   index: IndexOptions = IndexOptions()) -> tuple[np.ndarray, dict[str, float]]:
    """The daily job's template groups of ``texts`` as one account (the shipped options unless given).

    Returns:
        (group per prompt, -1 for none; seconds per step: ``tokens`` (the token
        store the job builds while ingesting), ``groups`` (:func:`scoring.templating.mine_templates`:
        skeletons, then within-account neighbours and siblings for the rest)).
    """
    steps: dict[str, float] = {}
    t0 = time.perf_counter()
    store = TokenStore()
    for text in texts:
        store.add(text)
    t1 = time.perf_counter()
    n = len(texts)
    nodes = Nodes(account=np.zeros(n, dtype=np.int64), uid=np.arange(n, dtype=np.int64), n_accounts=1)
    groups = mine_templates(store, vectors, nodes, popular=np.zeros(n, dtype=bool), rules=templates, index=index)
    t2 = time.perf_counter()
    steps.update(tokens=t1 - t0, groups=t2 - t1)
    return np.asarray(groups.group, dtype=np.int64), steps


def shingles(text: str, *, n: int) -> list[bytes]:
    """Lower-cased word n-grams of ``text`` as bytes (the whole text when it has fewer than n words)."""
    words = _WORD.findall(text.lower())
    if len(words) < n:
        return [" ".join(words).encode("utf-8")]
    return [" ".join(words[i : i + n]).encode("utf-8") for i in range(len(words) - n + 1)]


def minhash_groups(texts: list[str], *, threshold: float = 0.5, num_perm: int = 128, ngram: int = 3,
                   seed: int = 1) -> np.ndarray:
    """Connected components of datasketch MinHash-LSH matches (estimated Jaccard >= ``threshold``)."""
    from datasketch import MinHash, MinHashLSH

    hashes = MinHash.bulk((shingles(t, n=ngram) for t in texts), num_perm=num_perm, seed=seed)
    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    with lsh.insertion_session() as session:
        for i, m in enumerate(hashes):
            session.insert(i, m, check_duplication=False)
    src, dst = [], []
    for i, m in enumerate(hashes):
        for j in lsh.query(m):
            if j != i:
                src.append(i)
                dst.append(j)
    return _components(len(texts), np.asarray(src, np.int64), np.asarray(dst, np.int64))


def community_groups(vectors: np.ndarray, *, threshold: float = 0.75, min_size: int = 3,
                     batch_size: int = 1024) -> np.ndarray:
    """sentence-transformers ``util.community_detection`` (cosine >= ``threshold``), -1 outside communities."""
    from sentence_transformers.util import community_detection

    communities = community_detection(np.ascontiguousarray(vectors, dtype=np.float32), threshold=threshold,
                                      min_community_size=min_size, batch_size=batch_size)
    out = np.full(len(vectors), -1, np.int64)
    for gid, members in enumerate(communities):
        out[np.asarray(members, dtype=np.int64)] = gid
    return out


def drain_groups(texts: list[str], *, sim_th: float = 0.4, depth: int = 4) -> np.ndarray:
    """Drain3 cluster of every prompt (whitespace tokens; newlines become spaces, as for one log line)."""
    from drain3 import TemplateMiner
    from drain3.template_miner_config import TemplateMinerConfig

    config = TemplateMinerConfig()
    config.drain_sim_th, config.drain_depth, config.profiling_enabled = sim_th, depth, False
    miner = TemplateMiner(persistence_handler=None, config=config)
    return np.asarray([miner.add_log_message(" ".join(t.split()))["cluster_id"] for t in texts], dtype=np.int64)


def _components(n: int, src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    graph = sparse.coo_matrix((np.ones(len(src)), (src, dst)), shape=(n, n))
    _, comp = connected_components(graph, directed=False)
    return comp.astype(np.int64)

"""Topic assignment of a set of prompts: the project's codebook, and BERTopic on the same vectors.

Both take precomputed unit-norm vectors (embedding is not timed) and return one
topic per prompt. Quality is agreement with a known topic label
(:func:`topic_quality`).
"""

from __future__ import annotations

import numpy as np
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

from scoring.options import TopicOptions
from scoring.reference import PROBE_WORDS, Reference, fit_reference
from scoring.tokens import TokenStore
from scoring.topic_text import topic_texts


def reference_topics(vectors: np.ndarray, reference: Reference) -> np.ndarray:
    """The daily job's topic cells: each vector's subject (fine cell) in a topic reference."""
    return reference.place(vectors).astype(np.int64)


def fitted_topics(vectors: np.ndarray, embed, *, seed: int = 0) -> np.ndarray:
    """Subjects of a two-level reference fitted on these vectors themselves (``scoring.reference: day``)."""
    n_coarse = int(max(2, min(32, len(vectors) // (16 * 4))))
    reference = fit_reference(vectors, benign=np.ones(len(vectors), bool), account=np.arange(len(vectors)),
                              probes=embed(list(PROBE_WORDS)), model={}, n_coarse=n_coarse, seed=seed)
    return reference_topics(vectors, reference)


def topic_word_vectors(texts: list[str], vectors: np.ndarray, embed) -> np.ndarray:
    """Each prompt's vector re-embedded on its topic words, as the daily job does for untemplated prompts.

    Function and request words are dropped (``scoring.topic_text``); template
    wording is not, since no prompt here is in a template group.
    """
    store = TokenStore()
    for text in texts:
        store.add(text)
    n = len(texts)
    changed = topic_texts(store, np.full(n, -1, np.int64), np.arange(n, dtype=np.int64), options=TopicOptions())
    out = vectors.copy()
    if changed:
        out[np.fromiter(changed, dtype=np.int64, count=len(changed))] = embed(list(changed.values()))
    return out


def bertopic_topics(texts: list[str], vectors: np.ndarray, *, seed: int = 0, min_topic_size: int = 10) -> np.ndarray:
    """BERTopic ``fit_transform`` on precomputed vectors (UMAP + HDBSCAN + c-TF-IDF), -1 for its outliers.

    UMAP gets a fixed ``random_state`` so the run is repeatable; no embedding
    model is loaded (BERTopic only needs one when it must embed itself).
    """
    from bertopic import BERTopic
    from umap import UMAP

    umap_model = UMAP(n_neighbors=15, n_components=5, min_dist=0.0, metric="cosine", random_state=seed)
    model = BERTopic(umap_model=umap_model, min_topic_size=min_topic_size, calculate_probabilities=False,
                     verbose=False)
    topics, _ = model.fit_transform(texts, embeddings=np.asarray(vectors, dtype=np.float32))
    return np.asarray(topics, dtype=np.int64)


def topic_quality(pred: np.ndarray, truth: np.ndarray) -> dict[str, float]:
    """Agreement of predicted topics with a known label.

    Returns:
        ``topics``: distinct predicted topics (outliers, -1, not counted);
        ``outliers``: share of prompts given no topic (-1), in [0, 1];
        ``nmi``, ``ari``: normalised mutual information and adjusted Rand index
        against ``truth``, outliers counted as one more topic (how BERTopic reports them).
    """
    pred = np.asarray(pred, dtype=np.int64)
    _, label = np.unique(np.asarray(truth).astype(str), return_inverse=True)
    return {
        "topics": int(len(np.unique(pred[pred >= 0]))),
        "outliers": float((pred < 0).mean()) if len(pred) else 0.0,
        "nmi": float(normalized_mutual_info_score(label, pred)),
        "ari": float(adjusted_rand_score(label, pred)),
    }

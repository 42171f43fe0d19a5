"""Texts in, unit-norm float32 vectors out, in the order the texts came."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = ["Embedder", "default_batch_size"]

# On a CPU, MiniLM runs about twice as fast at batch 16-32 as at 256: attention cost grows with
# the padded length. The static model has no padding and gains from large batches up to ~1024.
# A GPU is the other way round: small batches leave it idle, and length-sorted batches keep
# padding low (scripts/gpu_check.py reports batches 64, 256 and 1024 side by side).
_DEFAULT_BATCH = {("transformer", "cpu"): 32, ("transformer", "cuda"): 256,
                  ("static", "cpu"): 1024, ("static", "cuda"): 1024}


class Embedder:
    """Turns normalised texts into unit-norm float32 vectors.

    Texts are sorted by length before batching, so each batch pads to a similar length,
    and the rows are put back in input order. Feed it `normalize_text` output: the model
    sees exactly what it is given.

    Args:
        model: a SentenceTransformer, typically from `embedder.load_model`.
        batch_size: texts per forward pass; None picks 32 for a transformer on the CPU, 256
            for a transformer on CUDA, and 1024 for a static-embedding model.
        show_progress: show a progress bar over batches.
        name: the model's name in `embedder.options.MODELS`, for :attr:`identity`.
    """

    def __init__(self, model: Any, *, batch_size: int | None = None, show_progress: bool = False,
                 name: str | None = None):
        if batch_size is None:
            batch_size = default_batch_size(model)
        if not isinstance(batch_size, int) or batch_size < 1:
            raise ValueError(f"batch_size must be a positive int, got {batch_size!r}.")
        dim = model.get_embedding_dimension()
        if not dim:
            raise ValueError(f"Model {type(model).__name__} does not report its embedding dimension.")
        self.model = model
        self.batch_size = batch_size
        self.show_progress = show_progress
        self.name = name
        self._dim = int(dim)
        self._identity: dict | None = None

    @property
    def dim(self) -> int:
        """Length of each vector (384 for MiniLM, the PCA dimensions for the static model)."""
        return self._dim

    @property
    def identity(self) -> dict:
        """The model's identity for reports (`embedder.models.model_identity`); needs ``name``."""
        if self._identity is None:
            from embedder.models import model_identity

            if self.name is None:
                raise ValueError("this Embedder was made without a model name, so its identity is unknown")
            self._identity = model_identity(self.name, self.model)
        return self._identity

    def word_pieces(self, words: list[str]) -> "WordPieces | None":
        """The model's tokens of each of ``words`` (:class:`WordPieces`), for a static model; None for
        a transformer, whose vector of a text is not a bag of its words' tokens."""
        return WordPieces(self, words) if _is_static(self.model) and len(list(self.model)) == 1 else None

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Embed `texts`.

        Args:
            texts: a list (or other sequence) of strings; not a single string.

        Returns:
            Array of shape (len(texts), dim), float32, row i for texts[i], each row of L2
            norm 1, except all-zero rows for texts the model has no tokens for (possible with
            the static model, e.g. the empty string): those stay zero, never NaN.
        """
        if isinstance(texts, str):
            raise TypeError("Embedder.encode takes a list of strings, not one string; wrap it: encode([text]).")
        for i, text in enumerate(texts):
            if not isinstance(text, str):
                raise TypeError(f"texts[{i}] is {type(text).__name__}, not str.")
        out = np.zeros((len(texts), self._dim), dtype=np.float32)
        order = np.argsort(np.fromiter((len(t) for t in texts), dtype=np.int64, count=len(texts)), kind="stable")
        batches = range(0, len(order), self.batch_size)
        if self.show_progress:
            from tqdm.auto import tqdm

            batches = tqdm(batches, desc="Embedding", unit="batch")
        for start in batches:
            rows = order[start : start + self.batch_size]
            # Normalise here in float32 rather than in the model: the static model computes in
            # float16, where normalising an all-zero row divides 0 by 0 and yields NaN.
            vectors = self.model.encode(
                [texts[i] for i in rows],
                batch_size=self.batch_size,
                normalize_embeddings=False,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
            out[rows] = vectors
        return _unit_rows(out)


class WordPieces:
    """A static model's own tokens for a vocabulary of words, so that texts made of those words are
    embedded without being written out and tokenised again (the topic texts: a prompt's words less
    its template wording).

    The model's tokeniser splits at spaces and punctuation before it looks inside a word, so a text
    tokenises as its words one by one, and its vector is the model's bag of their tokens, cut where
    the tokeniser cuts a text: the same vector as :meth:`Embedder.encode` of the text, bit for bit.
    """

    def __init__(self, embedder: "Embedder", words: list[str]) -> None:
        static = embedder.model[0]
        self._bag = static.embedding
        truncation = static.tokenizer.truncation
        self.max_tokens = int(truncation["max_length"]) if truncation else None
        pieces = static.tokenizer.encode_batch(words, add_special_tokens=False)
        self.lengths = np.fromiter((len(p.ids) for p in pieces), dtype=np.int64, count=len(pieces))
        self.starts = np.cumsum(self.lengths) - self.lengths
        self.ids = np.fromiter((i for p in pieces for i in p.ids), dtype=np.int64, count=int(self.lengths.sum()))

    def vectors(self, words: np.ndarray, bounds: np.ndarray) -> np.ndarray:
        """Unit vectors of texts given as word ids (``words``, text after text; ``bounds``, the
        offsets of each text's first word and one past its last); all-zero where a text has no token."""
        import torch

        from scoring.arrays import ranges

        per_word = self.lengths[words]
        tokens = self.ids[ranges(self.starts[words], per_word)]
        text = np.repeat(np.arange(len(bounds) - 1), np.diff(bounds))
        counts = np.bincount(text, weights=per_word, minlength=len(bounds) - 1).astype(np.int64)
        first = np.cumsum(counts) - counts
        if self.max_tokens is not None:  # the tokeniser keeps a text's first max_tokens tokens
            position = np.arange(len(tokens)) - np.repeat(first, counts)
            tokens = tokens[position < self.max_tokens]
            counts = np.minimum(counts, self.max_tokens)
            first = np.cumsum(counts) - counts
        with torch.inference_mode():
            bags = self._bag(torch.from_numpy(tokens), torch.from_numpy(first))  # an empty bag is all zeros
        return _unit_rows(bags.float().numpy().copy())


def default_batch_size(model: Any) -> int:
    """Texts per forward pass for `model` on the device it sits on (see `Embedder`)."""
    kind = "static" if _is_static(model) else "transformer"
    device = getattr(getattr(model, "device", None), "type", "cpu")
    return _DEFAULT_BATCH[(kind, "cuda" if device == "cuda" else "cpu")]


def _unit_rows(vectors: np.ndarray) -> np.ndarray:
    """Scale each row to L2 norm 1 in place; all-zero rows stay zero."""
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    np.divide(vectors, norms, out=vectors, where=norms > 0)
    return vectors


def _is_static(model: Any) -> bool:
    """True when the model's first module is a static (bag-of-tokens) embedding."""
    try:
        first = model[0]
    except (TypeError, IndexError, KeyError):
        return False
    return type(first).__name__ == "StaticEmbedding"

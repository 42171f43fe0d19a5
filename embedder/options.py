"""The embedder's options: which model, where it runs, and its model-specific thresholds."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from embedder.device import check_device_name, check_precision_name

MODELS = ("minilm", "static")


@dataclass(frozen=True)
class EmbedderOptions:
    """Which sentence embedder to load and how to run it (``conf/embedder/``).

    Attributes:
        name: ``static`` (model2vec distilled from MiniLM, the CPU default) or ``minilm``.
        device: ``cpu``, ``cuda``, ``cuda:N`` or ``auto`` (CUDA when torch sees one).
        precision: ``auto`` (float16 for MiniLM on CUDA, else as loaded), ``float32`` or ``float16``.
        batch_size: texts per forward pass; None: 32 for MiniLM on the CPU, 256 on CUDA, 1024 for static.
        cache_dir: where the static model is built and kept (None: ``$DISTILL_DETECTOR_CACHE``
            or ``~/.cache/distill-detector``).
        static_dims: PCA dimensions of the static model, 2 to 384.
        max_seq_length: tokens MiniLM reads (None: its own 256); the static model reads everything.
        duplicate_similarity: cosine at which two prompts count as the same prompt, in (0, 1]; static
            cosines run high (unrelated prompts near 0.35), so the threshold is per model.
    """

    name: str = "static"
    device: str = "cpu"
    precision: str = "auto"
    batch_size: Optional[int] = None
    cache_dir: Optional[str] = None
    static_dims: int = 256
    max_seq_length: Optional[int] = None
    duplicate_similarity: float = 0.95

    def __post_init__(self) -> None:
        if self.name not in MODELS:
            raise ValueError(f"embedder.name must be one of {', '.join(MODELS)}, got {self.name!r}")
        check_device_name(self.device)
        check_precision_name(self.precision)
        if self.batch_size is not None and (isinstance(self.batch_size, bool) or self.batch_size < 1):
            raise ValueError(f"embedder.batch_size must be a positive integer or null, got {self.batch_size!r}")
        if isinstance(self.static_dims, bool) or not 2 <= self.static_dims <= 384:
            raise ValueError(f"embedder.static_dims must be an integer in [2, 384] (MiniLM has 384 dimensions), "
                             f"got {self.static_dims!r}")
        if self.max_seq_length is not None and (isinstance(self.max_seq_length, bool) or self.max_seq_length < 1):
            raise ValueError(f"embedder.max_seq_length must be a positive integer or null, got {self.max_seq_length!r}")
        if not 0 < self.duplicate_similarity <= 1:
            raise ValueError(f"embedder.duplicate_similarity must be in (0, 1], got {self.duplicate_similarity!r}")

"""Where the embedding model runs and in what precision: CPU fp32 unless a CUDA device is there.

``auto`` is the one rule of the GPU path: a CUDA device when torch sees one, the CPU
otherwise. On CUDA the transformer runs in float16 (about twice the throughput of
float32 on recent GPUs, vectors within ~1e-3 cosine); on the CPU everything stays as it
was, float32 for the transformer, so CPU results do not move.

torch is imported only when a device has to be looked up (``auto`` or ``cuda``):
``cpu`` costs nothing.
"""

from __future__ import annotations

import re

__all__ = ["DEVICES", "PRECISIONS", "check_device_name", "check_precision_name", "resolve_device",
           "resolve_precision"]

DEVICES = ("auto", "cpu", "cuda")  # "cuda:N" picks one GPU
PRECISIONS = ("auto", "float32", "float16")

_DEVICE_RE = re.compile(r"auto|cpu|cuda(?::\d+)?")


def check_device_name(device: str) -> str:
    """Return `device` if it is ``auto``, ``cpu``, ``cuda`` or ``cuda:N``; raise ValueError otherwise."""
    if not isinstance(device, str) or _DEVICE_RE.fullmatch(device) is None:
        raise ValueError(f"embedder.device must be one of auto, cpu, cuda or cuda:N, got {device!r}.")
    return device


def check_precision_name(precision: str) -> str:
    """Return `precision` if it is one of `PRECISIONS`; raise ValueError otherwise."""
    if precision not in PRECISIONS:
        raise ValueError(f"embedder.precision must be one of {', '.join(PRECISIONS)}, got {precision!r}.")
    return precision


def resolve_device(device: str) -> str:
    """The concrete torch device for an ``embedder.device`` value.

    Args:
        device: ``auto`` (``cuda`` when torch sees a CUDA device, else ``cpu``), ``cpu``,
            ``cuda`` or ``cuda:N``.

    Returns:
        ``"cpu"``, ``"cuda"`` or ``"cuda:N"``.

    Raises:
        ValueError: `device` is not one of the names above.
        RuntimeError: ``cuda``/``cuda:N`` was asked for and torch sees no such device
            (a CPU-only torch build, no driver, or ``CUDA_VISIBLE_DEVICES`` hiding it).
    """
    check_device_name(device)
    if device == "cpu":
        return device
    import torch

    available = torch.cuda.is_available()
    if device == "auto":
        return "cuda" if available else "cpu"
    if not available:
        build = getattr(torch.version, "cuda", None)
        why = "this torch is a CPU-only build" if build is None else f"torch (CUDA {build}) finds no usable GPU"
        raise RuntimeError(
            f"embedder.device={device} but no CUDA device is available ({why}, torch {torch.__version__}); "
            "use embedder.device=auto or cpu, or install a CUDA build of torch on a machine with a GPU."
        )
    if ":" in device:
        number, count = int(device.split(":")[1]), torch.cuda.device_count()
        if number >= count:
            raise RuntimeError(f"embedder.device={device} but torch sees {count} CUDA device(s), "
                               f"numbered 0 to {count - 1}.")
    return device


def resolve_precision(precision: str, *, device: str, transformer: bool) -> str | None:
    """The dtype to cast the loaded model to, or None to keep it as loaded.

    Args:
        precision: ``auto``, ``float32`` or ``float16``.
        device: the resolved device (`resolve_device`'s result).
        transformer: True for MiniLM; False for the static model, whose weights are
            stored in float16 already and which ``auto`` leaves as loaded.

    Returns:
        ``"float16"`` or ``"float32"``, or None. ``auto`` gives ``"float16"`` for a
        transformer on CUDA and None everywhere else, so CPU results stay unchanged.

    Raises:
        ValueError: unknown `precision`, or ``float16`` for a transformer on the CPU
            (slow there, and not what any CPU result in this project was measured with).
    """
    check_precision_name(precision)
    on_cuda = device.startswith("cuda")
    if precision == "auto":
        return "float16" if transformer and on_cuda else None
    if precision == "float16" and transformer and not on_cuda:
        raise ValueError("embedder.precision=float16 needs a CUDA device for MiniLM; "
                         "use embedder.precision=auto (float32 on the CPU) or embedder.device=cuda.")
    return precision

"""Placing a built faiss index on a GPU, where the installed faiss can.

faiss-cpu (what this project installs) has no GPU code: there ``auto`` keeps every index
on the CPU and nothing changes. With a GPU build of faiss (``faiss-gpu-cu12`` or conda's
``faiss-gpu``) and a visible GPU, ``auto`` copies the index to GPU 0 after it is built and
trained on the CPU, so training (seeded k-means) and the stored ids are the CPU's; only
searches run on the GPU. Index types faiss has no GPU version of (HNSW, refinement,
pre-transforms) stay on the CPU, with a log line saying so. faiss's GPU search takes
k <= 2048 neighbours (and nprobe <= 2048); the daily job asks for about ten.
"""

from __future__ import annotations

import logging
import re

import faiss

__all__ = [
    "GPU_INDEX_TYPES",
    "faiss_gpu_count",
    "gpu_supported",
    "is_gpu_index",
    "place_index",
    "resolve_index_device",
    "to_cpu",
]

log = logging.getLogger(__name__)

# The CPU index classes faiss's GPU cloner turns into a GpuIndex* (faiss wiki, "Faiss on the GPU").
# IVF-PQ converts only for some sub-quantizer sizes; a refusal falls back to the CPU below.
GPU_INDEX_TYPES = ("IndexFlat", "IndexFlatIP", "IndexFlatL2", "IndexIVFFlat", "IndexIVFScalarQuantizer",
                   "IndexIVFPQ")

_DEVICE_RE = re.compile(r"auto|cpu|cuda(?::\d+)?")
_resources: dict[int, object] = {}


def faiss_gpu_count() -> int:
    """GPUs the installed faiss can use: 0 with faiss-cpu, or when no GPU is visible."""
    if not hasattr(faiss, "StandardGpuResources") or not hasattr(faiss, "index_cpu_to_gpu"):
        return 0
    return int(faiss.get_num_gpus())


def resolve_index_device(device: str) -> str:
    """``"cpu"`` or ``"cuda:N"`` for an index device setting.

    Args:
        device: ``auto`` (GPU 0 when faiss has GPU support and sees a GPU, else the CPU),
            ``cpu``, ``cuda`` (GPU 0) or ``cuda:N``.

    Raises:
        ValueError: `device` is not one of those names.
        RuntimeError: a GPU was asked for and the installed faiss cannot use one.
    """
    if not isinstance(device, str) or _DEVICE_RE.fullmatch(device) is None:
        raise ValueError(f"index device must be one of auto, cpu, cuda or cuda:N, got {device!r}.")
    if device == "cpu":
        return device
    count = faiss_gpu_count()
    if device == "auto":
        return "cuda:0" if count else "cpu"
    number = int(device.split(":")[1]) if ":" in device else 0
    if count == 0:
        why = ("the installed faiss has no GPU support (faiss-cpu)" if not hasattr(faiss, "StandardGpuResources")
               else "faiss sees no GPU")
        raise RuntimeError(f"index device {device!r} asked for, but {why}; use 'auto' or 'cpu', or install a GPU "
                           "build of faiss (e.g. pip install faiss-gpu-cu12 in place of faiss-cpu).")
    if number >= count:
        raise RuntimeError(f"index device {device!r} asked for, but faiss sees {count} GPU(s), "
                           f"numbered 0 to {count - 1}.")
    return f"cuda:{number}"


def gpu_supported(index: faiss.Index) -> bool:
    """True when faiss has a GPU version of this index type (see `GPU_INDEX_TYPES`)."""
    return type(faiss.downcast_index(index)).__name__ in GPU_INDEX_TYPES


def place_index(index: faiss.Index, *, device: str = "auto") -> faiss.Index:
    """`index` moved to the GPU that `device` resolves to, or `index` itself where it stays on the CPU.

    Search parameters (``nprobe``) travel with the copy, so set them before placing.
    A type without a GPU version, or one the GPU cloner refuses, stays on the CPU: the
    same neighbours, only slower.

    Raises:
        ValueError, RuntimeError: as `resolve_index_device`.
    """
    resolved = resolve_index_device(device)
    if resolved == "cpu" or is_gpu_index(index):
        return index
    kind = type(faiss.downcast_index(index)).__name__
    if not gpu_supported(index):
        log.info("faiss has no GPU version of %s: the index stays on the CPU", kind)
        return index
    number = int(resolved.split(":")[1])
    try:
        return faiss.index_cpu_to_gpu(_gpu_resources(number), number, index)
    except RuntimeError as err:
        first = str(err).strip().splitlines()[0] if str(err).strip() else "refused"
        log.warning("faiss could not copy %s to GPU %d (%s): the index stays on the CPU", kind, number, first)
        return index


def is_gpu_index(index: faiss.Index) -> bool:
    """True for an index that lives on a GPU (a faiss ``GpuIndex*``)."""
    if hasattr(faiss, "GpuIndex") and isinstance(index, faiss.GpuIndex):
        return True
    return any(type(i).__name__.startswith("Gpu") for i in (index, faiss.downcast_index(index)))


def to_cpu(index: faiss.Index) -> faiss.Index:
    """A CPU copy of a GPU index (for ``faiss.write_index``, which cannot write GPU indexes); others as they are."""
    return faiss.index_gpu_to_cpu(index) if is_gpu_index(index) else index


def _gpu_resources(number: int):
    # One StandardGpuResources per GPU and process: each reserves scratch memory on the GPU and
    # takes ~0.1 s to make, and it must outlive every index copied with it.
    if number not in _resources:
        _resources[number] = faiss.StandardGpuResources()
    return _resources[number]

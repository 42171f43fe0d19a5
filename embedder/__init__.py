"""Text -> unit vectors: `normalize_text`, then `Embedder(load_model(...)).encode`; `model_identity` for reports."""
from embedder.device import resolve_device
from embedder.encode import Embedder
from embedder.models import load_model, model_identity
from embedder.normalize import normalize_text

__all__ = ["Embedder", "load_model", "model_identity", "normalize_text", "resolve_device"]

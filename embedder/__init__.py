"""Text -> unit vectors: `normalize_text`, then `Embedder(load_model(...)).encode`; `model_identity` for reports."""
from embedder.encode import Embedder
from embedder.models import load_model, model_identity
from embedder.normalize import normalize_text

__all__ = ["normalize_text", "load_model", "Embedder", "model_identity"]

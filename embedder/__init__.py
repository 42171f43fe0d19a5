"""Text -> unit vectors: `normalize_text`, then `open_embedder(EmbedderOptions(...)).encode`."""
from embedder.device import resolve_device
from embedder.encode import Embedder
from embedder.models import load_model, model_identity
from embedder.normalize import normalize_text
from embedder.options import EmbedderOptions

__all__ = ["Embedder", "EmbedderOptions", "load_model", "model_identity", "normalize_text", "open_embedder",
           "resolve_device"]


def open_embedder(options: EmbedderOptions, *, show_progress: bool = False) -> Embedder:
    """The embedder ``options`` describe, its model loaded (see `embedder.models.load_model`)."""
    return Embedder(load_model(options), batch_size=options.batch_size, show_progress=show_progress,
                    name=options.name)

"""The GPU path's choices, checked without a GPU: what runs where, and clear refusals.

No test here runs anything on a GPU (none is available to CI); torch's and faiss's
answers to "is there a GPU?" are replaced where a test is about the choice itself.
The GPU run is checked by ``scripts/gpu_check.py`` on a GPU machine.
"""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import faiss
import numpy as np
import pytest
import torch
from hydra import compose, initialize_config_dir
from omegaconf import OmegaConf

from embedder import Embedder, EmbedderOptions, load_model, model_identity
from embedder.device import resolve_device, resolve_precision
from embedder.encode import default_batch_size
from index import gpu
from index.neighbours import build_index, save_index, self_knn
from index.options import IndexOptions
from job.wiring import register_configs

ROOT = Path(__file__).resolve().parents[1]
needs_no_cuda = pytest.mark.skipif(torch.cuda.is_available(), reason="checks the CPU-only machine's behaviour")


@pytest.fixture
def cuda(monkeypatch):
    """Set whether torch reports a CUDA device (and how many)."""
    def set_cuda(available: bool, count: int = 1) -> None:
        monkeypatch.setattr(torch.cuda, "is_available", lambda: available)
        monkeypatch.setattr(torch.cuda, "device_count", lambda: count if available else 0)
    return set_cuda


def test_auto_picks_cuda_only_when_torch_sees_one(cuda):
    cuda(True)
    assert resolve_device("auto") == "cuda"
    cuda(False)
    assert resolve_device("auto") == "cpu"


def test_cpu_is_cpu_even_with_a_gpu_present(cuda):
    cuda(True)
    assert resolve_device("cpu") == "cpu"


def test_asking_for_cuda_without_one_is_a_clear_error(cuda):
    cuda(False)
    with pytest.raises(RuntimeError, match="embedder.device=cuda but no CUDA device is available.*auto or cpu"):
        resolve_device("cuda")


def test_a_gpu_number_beyond_those_present_is_refused(cuda):
    cuda(True, count=2)
    assert resolve_device("cuda:1") == "cuda:1"
    with pytest.raises(RuntimeError, match="cuda:2.*2 CUDA device"):
        resolve_device("cuda:2")


@pytest.mark.parametrize("name", ["gpu", "CUDA", "cuda:x", "", "mps"])
def test_unknown_device_names_are_refused(name):
    with pytest.raises(ValueError, match="embedder.device must be one of"):
        resolve_device(name)


def test_half_precision_only_for_minilm_on_cuda():
    assert resolve_precision("auto", device="cuda", transformer=True) == "float16"
    assert resolve_precision("auto", device="cuda:1", transformer=True) == "float16"
    assert resolve_precision("auto", device="cpu", transformer=True) is None  # CPU keeps the model as loaded
    assert resolve_precision("auto", device="cuda", transformer=False) is None  # static weights are fp16 already
    assert resolve_precision("float32", device="cuda", transformer=True) == "float32"
    with pytest.raises(ValueError, match="float16 needs a CUDA device"):
        resolve_precision("float16", device="cpu", transformer=True)
    with pytest.raises(ValueError, match="embedder.precision must be one of"):
        resolve_precision("fp8", device="cuda", transformer=True)


def test_large_batches_only_on_cuda():
    def on(kind: str) -> SimpleNamespace:  # a stand-in for torch.device
        return SimpleNamespace(type=kind)

    assert default_batch_size(SimpleNamespace(device=on("cpu"))) == 32
    assert default_batch_size(SimpleNamespace(device=on("cuda"))) == 256
    static = type("StaticEmbedding", (), {})()
    assert default_batch_size(_Static(static, on("cpu"))) == default_batch_size(_Static(static, on("cuda"))) == 1024


class _Static:
    """Indexable like a SentenceTransformer whose first module is a StaticEmbedding."""

    def __init__(self, first, device):
        self.first, self.device = first, device

    def __getitem__(self, i):
        return self.first


@needs_no_cuda
def test_load_model_on_cuda_without_one_fails_before_loading_anything():
    with pytest.raises(RuntimeError, match="no CUDA device"):
        load_model(EmbedderOptions(name="minilm", device="cuda"))


@needs_no_cuda
def test_auto_on_a_cpu_machine_is_the_cpu_path_unchanged():
    model = load_model(EmbedderOptions(name="minilm", device="auto"))
    assert model_identity("minilm", model)["device"] == "cpu"
    assert model_identity("minilm", model)["precision"] == "float32"
    assert Embedder(model).batch_size == 32


def compose_daily(*overrides: str):
    register_configs()
    with initialize_config_dir(config_dir=str(ROOT / "conf"), version_base="1.3"):
        return OmegaConf.to_object(compose(config_name="config", overrides=list(overrides)))


def test_minilm_config_selects_the_device_automatically(detector):
    emb = compose_daily("embedder=minilm").embedder
    assert (emb.device, emb.precision, emb.batch_size) == ("auto", "auto", None)
    static = compose_daily().embedder
    # The static config now leaves batch_size at the EmbedderOptions default (None), which the
    # Embedder resolves to 1024 for a static model: the shipped detector embeds 1024 at a time.
    assert (static.name, static.device, static.precision, static.batch_size) == ("static", "cpu", "auto", None)
    assert detector.models.main.batch_size == 1024


@pytest.mark.parametrize("field,value,message", [("device", "gpu", "embedder.device"),
                                                 ("precision", "half", "embedder.precision"),
                                                 ("batch_size", 0, "embedder.batch_size")])
def test_bad_embedder_options_are_refused_with_the_key_named(field, value, message):
    with pytest.raises(ValueError, match=message):
        EmbedderOptions(**{field: value})
    with pytest.raises(Exception, match=message):
        compose_daily(f"embedder.{field}={value}")


# faiss ---------------------------------------------------------------------------------------


def unit_vectors(n: int = 300, d: int = 16) -> np.ndarray:
    x = np.random.default_rng(0).normal(size=(n, d)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def test_faiss_cpu_has_no_gpu_and_auto_keeps_the_index_on_the_cpu(monkeypatch):
    monkeypatch.delattr(faiss, "StandardGpuResources", raising=False)
    assert gpu.faiss_gpu_count() == 0
    assert gpu.resolve_index_device("auto") == "cpu"
    vectors = unit_vectors()
    index = build_index(vectors, options=IndexOptions(factory="Flat"), device="cpu")
    assert gpu.place_index(index, device="auto") is index
    assert not gpu.is_gpu_index(index) and gpu.to_cpu(index) is index
    np.testing.assert_array_equal(self_knn(build_index(vectors, options=IndexOptions(factory="Flat")), vectors, k=5)[1],
                                  self_knn(index, vectors, k=5)[1])


def test_asking_faiss_for_a_gpu_it_cannot_use_is_a_clear_error(monkeypatch):
    monkeypatch.delattr(faiss, "StandardGpuResources", raising=False)
    with pytest.raises(RuntimeError, match="no GPU support.*faiss-gpu"):
        gpu.resolve_index_device("cuda")
    with pytest.raises(ValueError, match="index device must be one of"):
        gpu.resolve_index_device("gpu0")


def test_auto_would_pick_gpu_0_when_faiss_sees_one(monkeypatch):
    monkeypatch.setattr(gpu, "faiss_gpu_count", lambda: 2)
    assert gpu.resolve_index_device("auto") == "cuda:0"
    assert gpu.resolve_index_device("cuda:1") == "cuda:1"
    with pytest.raises(RuntimeError, match="2 GPU"):
        gpu.resolve_index_device("cuda:2")


@pytest.mark.parametrize("factory,on_gpu", [("Flat", True), ("IVF8,SQ8", True), ("IVF8,Flat", True),
                                            ("HNSW16,Flat", False), ("PCA8,IVF8,Flat", False)])
def test_only_types_faiss_has_on_the_gpu_are_placed_there(factory, on_gpu):
    assert gpu.gpu_supported(build_index(unit_vectors(), options=IndexOptions(factory=factory), device="cpu")) is on_gpu


def test_an_unsupported_or_refused_index_stays_on_the_cpu(monkeypatch):
    monkeypatch.setattr(gpu, "faiss_gpu_count", lambda: 1)

    def refuse(*args):
        raise RuntimeError("not implemented on GPU")

    monkeypatch.setattr(faiss, "StandardGpuResources", object, raising=False)
    monkeypatch.setattr(faiss, "index_cpu_to_gpu", refuse, raising=False)
    monkeypatch.setattr(gpu, "_resources", {})
    hnsw = build_index(unit_vectors(), options=IndexOptions(factory="HNSW16,Flat"), device="cpu")
    assert gpu.place_index(hnsw, device="cuda") is hnsw
    flat = build_index(unit_vectors(), options=IndexOptions(factory="Flat"), device="cpu")
    assert gpu.place_index(flat, device="cuda") is flat


def test_saved_index_is_a_cpu_index(tmp_path):
    index = build_index(unit_vectors(), options=IndexOptions(factory="Flat"))
    assert faiss.read_index(str(save_index(index, tmp_path / "day.faiss"))).ntotal == 300


# the check script ----------------------------------------------------------------------------


def test_gpu_check_on_a_machine_without_cuda_says_so_and_exits_0(tmp_path, cuda, load_script, capsys):
    cuda(False)
    assert load_script("gpu_check").main(["--out", str(tmp_path)]) == 0
    assert "no CUDA device: nothing to check" in capsys.readouterr().out
    result = json.loads((tmp_path / "result.json").read_text())
    assert result["status"] == "skipped" and result["device"]["cuda"] is False
    assert "nothing to check" in (tmp_path / "result.md").read_text()

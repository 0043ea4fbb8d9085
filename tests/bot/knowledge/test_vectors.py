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

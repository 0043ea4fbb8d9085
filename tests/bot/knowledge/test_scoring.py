"""Scoring helpers on hand-made arrays: the section choice within one article."""
from __future__ import annotations

import numpy as np
import pytest

from bot.knowledge.scoring import Signals, section_scores
from bot.knowledge.tuning import RetrievalTuning
from bot.settings import ROOT

TUNING = RetrievalTuning.load(ROOT / "bot" / "retrieval.yml")


def signals(vector: np.ndarray, bm25: np.ndarray, size: int = 6) -> Signals:
    return Signals("et la caution ?", 1, np.zeros(size, np.float32), bm25,
                   np.ones(size, np.float32), vector=vector)


def test_a_section_is_scored_by_its_best_cosine_and_its_best_words():
    """Keys 0-1 are the fees section (heading, text), 2-3 the partner section. The partner
    heading is the closest vector, but only the fees text holds the question's word: with a
    lexical share the fees section wins, without it the partner section does."""
    positions = np.arange(4)
    sections = np.array([0, 0, 1, 1])
    stored = np.array([[0.83, 0.0], [0.81, 0.0], [0.84, 0.0], [0.78, 0.0]], np.float32)
    query = signals(np.array([1.0, 0.0], np.float32), np.array([0, 3.0, 0, 0, 0, 0]))
    words = RetrievalTuning(**{**TUNING.__dict__, "section_lexical_weight": {"fr": 0.1}})
    scores = section_scores(query, positions, sections, stored, "fr", words, "hybrid")
    assert int(np.argmax(scores)) in (0, 1) and scores[0] > scores[1]  # ties: own cosine
    alone = RetrievalTuning(**{**TUNING.__dict__, "section_lexical_weight": {"fr": 0.0}})
    assert int(np.argmax(section_scores(query, positions, sections, stored, "fr", alone,
                                        "hybrid"))) == 2
    # the dense mode ignores words, the lexical mode cosines
    assert int(np.argmax(section_scores(query, positions, sections, stored, "fr", words,
                                        "dense"))) == 2
    assert int(np.argmax(section_scores(query, positions, sections, stored, "fr", words,
                                        "lexical"))) in (0, 1)


def test_exact_cosines_reach_sections_beyond_the_nearest_keys():
    """The serving search keeps the cosines of the nearest keys only (0 beyond): the section
    choice recomputes them from the stored vectors, as the evaluation (full depth) sees them."""
    positions = np.array([4, 5])
    sections = np.array([0, 1])
    stored = np.array([[0.9, 0.1], [0.5, 0.5]], np.float32)
    query = signals(np.array([1.0, 0.0], np.float32), np.zeros(6))
    assert not query.dense[positions].any()
    scores = section_scores(query, positions, sections, stored, "fr", TUNING, "hybrid")
    assert int(np.argmax(scores)) == 0 and scores[0] > 0.8


def test_the_reranker_reads_the_features_it_names_and_refuses_unknown_ones():
    import dataclasses

    from bot.knowledge.scoring import RERANK_FEATURES, rerank_probabilities
    from bot.knowledge.tuning import GateModel, RerankModel

    gate = GateModel(("top",), np.zeros(1), np.ones(1), np.ones(1), 0.0, 0.5)
    rows = np.zeros((2, len(RERANK_FEATURES)))
    rows[1, RERANK_FEATURES.index("named")] = 1.0
    named = RerankModel(("named",), np.zeros(1), np.ones(1), np.array([3.0]), 0.0, 10, gate)
    low, high = rerank_probabilities(named, rows)
    assert low == 0.5 and high > 0.95
    wrong = dataclasses.replace(named, features=("colour",))
    with pytest.raises(ValueError, match="unknown reranker feature"):
        rerank_probabilities(wrong, rows)
    assert rerank_probabilities(named, rows[:0]).shape == (0,)

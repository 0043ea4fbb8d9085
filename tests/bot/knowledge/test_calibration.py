"""The gate's threshold choice (bot.knowledge.calibration)."""
from __future__ import annotations

import dataclasses
from types import SimpleNamespace

import numpy as np

from bot.knowledge import calibration
from bot.knowledge.gold import GoldQuestion, Prepared
from bot.knowledge.scoring import Signals, gate_probability
from bot.knowledge.tuning import GateModel, RerankModel, RetrievalTuning


def test_the_threshold_declines_out_of_scope_questions_before_it_answers_more():
    # probabilities; top article right; in scope
    p = np.array([0.9, 0.8, 0.7, 0.6, 0.65, 0.3])
    r = np.array([True, True, False, True, False, False])
    s = np.array([True, True, True, True, False, False])
    threshold = calibration._best_threshold(p, r, s)
    # 0.6 would answer the right 0.6 but also the out-of-scope question at 0.65
    assert 0.65 < threshold <= 0.8
    assert calibration._best_threshold(p, r, np.ones(6, bool)) <= 0.8


def test_a_wrong_answer_costs_more_than_a_right_one_gains(monkeypatch):
    p = np.array([0.9, 0.5, 0.4])
    r = np.array([True, True, False])
    s = np.ones(3, bool)
    monkeypatch.setattr(calibration, "WRONG_COST", 2.0)
    assert calibration._best_threshold(p, r, s) == 0.5  # never answer the wrong one at 0.4
    p2 = np.array([0.9, 0.4, 0.4])  # a right and a wrong answer at the same probability
    assert 0.4 < calibration._best_threshold(p2, r, s) <= 0.9  # both declined
    monkeypatch.setattr(calibration, "WRONG_COST", 0.5)
    assert calibration._best_threshold(p2, r, s) == 0.4


class _OneFeatureIndex:
    """A stand-in index: each question's gate features are 0 but "top", which its text holds;
    its first article is "a"."""

    article_ids = ["a", "b"]

    def score(self, signals, lang, tuning, mode, rerank=True):
        features = dict.fromkeys(calibration.RERANK_GATE_FEATURES, 0.0)
        features["top"] = float(signals.query)
        gate = tuning.rerank.gate if rerank and tuning.rerank is not None else tuning.gate[mode]
        return SimpleNamespace(order=np.array([0]), features=features,
                               probability=gate_probability(gate, features))


def test_off_topic_questions_weigh_more_in_the_gate_of_a_message_read_alone(monkeypatch):
    """Out-of-scope questions scoring like answerable ones: weighted, the fitted gate gives
    such a score a lower probability; the follow-up gate keeps equal weights."""
    empty = np.zeros(1, np.float32)
    items = []
    scores = [(0.9, True)] * 6 + [(0.7, True)] * 4 + [(0.7, False)] * 2 + [(0.2, False)] * 6
    for n, (score, in_scope) in enumerate(scores):
        question = GoldQuestion(f"q{n}", "fr", ("a",) if in_scope else ())
        items.append(Prepared(question, Signals(str(score), 1, empty, empty, empty), None))
    plain = GateModel(("top",), np.zeros(1), np.ones(1), np.ones(1), 0.0, 0.5)
    base = RetrievalTuning({"fr": 1.0}, {"fr": 0.0}, 1.0, {"hybrid": plain}, 0.5, 3, 0.0, 5)
    tuning = dataclasses.replace(base, rerank=RerankModel((), np.zeros(0), np.ones(0),
                                                          np.zeros(0), 0.0, 10, plain))
    at = dict.fromkeys(calibration.RERANK_GATE_FEATURES, 0.0) | {"top": 0.7}

    def fitted(weight: float, reranked: bool) -> float:
        monkeypatch.setattr(calibration, "OFF_TOPIC_WEIGHT", weight)
        gate = calibration._fit_gate(_OneFeatureIndex(), items, tuning, "hybrid", reranked)
        return gate_probability(gate, at)

    assert fitted(5.0, reranked=True) < fitted(1.0, reranked=True) - 0.05
    assert fitted(5.0, reranked=False) == fitted(1.0, reranked=False)


def test_suggestions_are_offered_on_at_most_a_quarter_of_off_topic_questions(monkeypatch):
    """The threshold sits just above the out-of-scope question that must not get suggestions:
    with eight declined ones, the two most probable get them, the third does not."""
    confidences = [0.9, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.05]
    items = [Prepared(GoldQuestion(str(c), "fr", ()), None, None) for c in confidences]
    items.append(Prepared(GoldQuestion("in scope", "fr", ("a",)), None, None))

    def decide(index, item, tuning, mode):
        assert tuning.suggest_threshold == 0.0  # every declined question shows its options
        return SimpleNamespace(status=calibration.NO_ANSWER, options=[("a", "A")],
                               confidence=float(item.question.text)
                               if not item.question.in_scope else 0.99)

    monkeypatch.setattr(calibration, "decide", decide)
    tuning = RetrievalTuning({}, {}, 1.0, {}, 0.5, 3, 0.0, 5)
    threshold = calibration._fit_suggest_threshold(None, items, tuning)
    assert 0.5 < threshold <= 0.6
    assert sum(c >= threshold for c in confidences) == 2


def test_a_near_tie_between_fusion_weights_keeps_the_lexical_share():
    """A difference far below one question's move among the first ranks is not evidence:
    the smaller dense weight (more BM25) wins it; a real difference still decides."""
    near = [(1.33005952, 0.9, 0.0), (1.33006603, 1.0, 0.0), (1.2959, 0.8, 0.0)]
    assert calibration.choose_weights(near)[1:] == (0.9, 0.0)
    real = [(1.3093, 0.9, 0.0), (1.3301, 1.0, 0.0)]
    assert calibration.choose_weights(real) == (1.3301, 1.0, 0.0)
    companions = [(1.2, 0.9, 0.3), (1.2, 0.9, 0.0), (1.2, 1.0, 0.0)]
    assert calibration.choose_weights(companions)[1:] == (0.9, 0.0)

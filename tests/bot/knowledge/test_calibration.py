"""The gate's threshold choice (bot.knowledge.calibration)."""
from __future__ import annotations

import numpy as np

from bot.knowledge import calibration


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

"""The gate's thresholds per language: read, written, and forced in tests."""
from __future__ import annotations

from bot.knowledge.tuning import GateModel

GATE = {"features": ["top"], "mean": [0.0], "scale": [1.0], "coef": [1.0], "intercept": 0.0}


def test_a_threshold_per_language_round_trips_and_falls_back_to_the_lowest():
    gate = GateModel.from_dict({**GATE, "threshold": {"fr": 0.4, "en": 0.6}})
    assert (gate.threshold_for("fr"), gate.threshold_for("en")) == (0.4, 0.6)
    assert gate.threshold_for("de") == 0.4
    assert GateModel.from_dict(gate.to_dict()).to_dict() == gate.to_dict()
    assert gate.to_dict()["threshold"] == {"fr": 0.4, "en": 0.6}


def test_one_threshold_for_every_language_still_reads():
    gate = GateModel.from_dict({**GATE, "threshold": 0.55})
    assert gate.threshold_for("fr") == gate.threshold_for("en") == 0.55
    assert gate.to_dict()["threshold"] == 0.55


def test_with_threshold_sets_every_language():
    gate = GateModel.from_dict({**GATE, "threshold": {"fr": 0.4, "en": 0.6}}).with_threshold(1.01)
    assert gate.threshold_for("fr") == gate.threshold_for("en") == gate.threshold_for("de") == 1.01

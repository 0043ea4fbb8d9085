"""The retrieval tuning: gate thresholds per language, and the file round trip."""
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


def test_the_shipped_tuning_round_trips_with_every_field():
    """What `bot eval --calibrate` writes reads back the same (opener_sure included; absent,
    it is 0: openers orient only when declined)."""
    import dataclasses

    from bot.knowledge.tuning import RetrievalTuning
    from bot.settings import ROOT

    shipped = RetrievalTuning.load(ROOT / "bot" / "retrieval.yml")
    assert RetrievalTuning.from_dict(shipped.to_dict()).to_dict() == shipped.to_dict()
    assert shipped.opener_sure == 0.8
    absent = {k: v for k, v in shipped.to_dict().items() if k != "opener_sure"}
    assert RetrievalTuning.from_dict(absent).to_dict() == dataclasses.replace(
        shipped, opener_sure=0.0).to_dict()


def test_a_reranker_and_its_gate_round_trip():
    from bot.knowledge.scoring import RERANK_FEATURES
    from bot.knowledge.tuning import RerankModel, RetrievalTuning
    from bot.settings import ROOT

    n = len(RERANK_FEATURES)
    data = {"features": list(RERANK_FEATURES), "mean": [0.0] * n, "scale": [1.0] * n,
            "coef": [0.5] * n, "intercept": -1.0, "depth": 10,
            "gate": {**GATE, "threshold": {"fr": 0.5, "en": 0.6}}}
    model = RerankModel.from_dict(data)
    assert model.depth == 10 and model.gate.threshold_for("en") == 0.6
    assert RerankModel.from_dict(model.to_dict()).to_dict() == model.to_dict() == data
    shipped = RetrievalTuning.load(ROOT / "bot" / "retrieval.yml").to_dict()
    assert RetrievalTuning.from_dict({**shipped, "rerank": None}).rerank is None
    assert RetrievalTuning.from_dict({**shipped, "rerank": data}).to_dict()["rerank"] == data


def test_a_follow_up_section_weight_applies_to_both_languages_or_to_none():
    import dataclasses

    from bot.knowledge.tuning import RetrievalTuning
    from bot.settings import ROOT

    shipped = RetrievalTuning.load(ROOT / "bot" / "retrieval.yml")
    none = dataclasses.replace(shipped, follow_up_section_lexical_weight=None)
    assert none.for_follow_up_section() is none
    half = dataclasses.replace(shipped, follow_up_section_lexical_weight=0.5)
    assert half.for_follow_up_section().section_lexical_weight == {"fr": 0.5, "en": 0.5}
    assert RetrievalTuning.from_dict(half.to_dict()).follow_up_section_lexical_weight == 0.5
    assert RetrievalTuning.from_dict(none.to_dict()).follow_up_section_lexical_weight is None

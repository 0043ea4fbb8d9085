"""Metrics of the gold questions: where the right section is lost adds up."""
from __future__ import annotations

import pytest

from bot.knowledge.gold import GoldQuestion, Outcome, metrics

FEES = GoldQuestion("combien coûte Tmall ?", "fr", ("tmall-global",),
                    {"tmall-global": ("Combien coûte une boutique ?",)})


def _outcome(status: str, first: str, article: str | None = None,
             heading: str | None = None) -> Outcome:
    return Outcome(FEES, status, [first, "other"], article, heading)


def test_each_in_scope_question_falls_in_one_place():
    outcomes = [
        _outcome("answer", "tmall-global", "tmall-global", "Combien coûte une boutique ?"),
        _outcome("answer", "tmall-global", "tmall-global", "Qui peut ouvrir une boutique ?"),
        _outcome("no_answer", "tmall-global"),
        _outcome("clarify", "tmall-global"),
        _outcome("no_answer", "jd-worldwide"),
        _outcome("answer", "jd-worldwide", "jd-worldwide", "Combien coûte JD ?"),
        Outcome(GoldQuestion("tell me a joke", "en", ()), "no_answer", ["storytelling"]),
    ]
    m = metrics(outcomes)
    assert m.in_scope == 6
    assert m.right_section == pytest.approx(1 / 6)
    assert m.other_section == pytest.approx(1 / 6)
    assert m.unanswered_right_first == pytest.approx(2 / 6)
    assert m.unanswered_wrong_first == pytest.approx(1 / 6)
    assert m.wrong == pytest.approx(1 / 6)
    assert m.right_section + m.other_section + m.unanswered_right_first + \
        m.unanswered_wrong_first + m.wrong == pytest.approx(1.0)

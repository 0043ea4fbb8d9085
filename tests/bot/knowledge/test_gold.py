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


def test_a_labelled_section_among_the_buttons_is_one_click_away():
    shown_other = dict(status="answer", ranking=["tmall-global"], article="tmall-global",
                       heading="Qui peut ouvrir une boutique ?")
    outcomes = [Outcome(FEES, **shown_other, more=("Combien coûte une boutique ?",)),
                Outcome(FEES, **shown_other, more=("Quels délais ?",)),
                Outcome(FEES, "answer", ["tmall-global"], "tmall-global",
                        "Combien coûte une boutique ?", more=("Qui peut ouvrir une boutique ?",))]
    assert [o.section_one_click for o in outcomes] == [True, False, False]
    m = metrics(outcomes)
    assert m.other_section == pytest.approx(2 / 3)
    assert m.section_one_click == pytest.approx(1 / 3)


def _paraphrase(text: str, lang: str, answered: str | None) -> Outcome:
    question = GoldQuestion(text, lang, ("tmall-global", "platform-costs"), group="g01")
    return Outcome(question, "answer" if answered else "no_answer", ["tmall-global"], answered)


def test_consistency_counts_each_language_of_a_group_as_its_own_group():
    outcomes = [
        _paraphrase("combien coûte Tmall ?", "fr", "tmall-global"),
        _paraphrase("tmall c cher ?", "fr", "tmall-global"),
        _paraphrase("Quel budget pour Tmall Global ?", "fr", "tmall-global"),
        _paraphrase("how much is Tmall?", "en", "platform-costs"),
        _paraphrase("tmall fees", "en", "tmall-global"),
        _paraphrase("What does a Tmall Global store cost?", "en", "tmall-global"),
    ]
    m = metrics(outcomes)
    # French: one article for all three; English: two articles. The languages answering with
    # different articles is not an inconsistency of wording.
    assert (m.groups, m.consistency) == (2, 0.5)
    assert metrics(outcomes[:3]).consistency == 1.0
    assert metrics(outcomes[3:]).consistency == 0.0
    declined = [*outcomes[:2], _paraphrase("Quel budget pour Tmall Global ?", "fr", None)]
    assert metrics(declined).consistency == 0.0  # a declined paraphrase breaks the group

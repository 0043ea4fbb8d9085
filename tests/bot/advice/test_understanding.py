"""Each readiness answer is read for the question it answers (issue 14: the readiness form
stored answers where they did not belong)."""
from __future__ import annotations

import pytest

from bot.advice.answers import normalise
from bot.advice.understanding import ANY, CONFIRM, SLOTS, clauses, read, topics


@pytest.mark.parametrize("pending,text,values", [
    # Found by the issue: the pending question must not take an answer to another one.
    ("trademark_cn", "oui, une recette familiale depuis 1920", {"brand_story": True}),
    ("trademark_cn", "yes, a family recipe since 1920", {"brand_story": True}),
    ("marketing_budget", "aucun contact en chine", {"china_contacts": False}),
    ("marketing_budget", "no contacts in China", {"china_contacts": False}),
    ("surge_stock", "personne ne parle chinois", {"customer_service_cn": False}),
    ("product_category", "on a un transitaire", {"logistics_partner": True}),
    ("logistics_partner", "notre budget est de 30k", {"marketing_budget": "medium"}),
])
def test_an_answer_to_another_question_fills_that_one_not_the_pending_one(pending, text,
                                                                           values):
    assert read(text, pending).values == values


@pytest.mark.parametrize("pending,text,values", [
    ("customer_service_cn", "pas pour le moment, personne ne parle chinois",
     {"customer_service_cn": False}),
    ("customer_service_cn", "not for now, nobody speaks Chinese",
     {"customer_service_cn": False}),
    ("customer_service_cn", "oui, une collègue parle mandarin", {"customer_service_cn": True}),
    ("surge_stock", "non, pas assez de stock", {"surge_stock": False}),
    ("logistics_partner", "oui, on a un transitaire", {"logistics_partner": True}),
    ("brand_story", "oui bien sûr, une histoire de famille depuis 1920", {"brand_story": True}),
    ("china_contacts", "correction: we have a distributor", {"china_contacts": True}),
    ("trademark_cn", "notre marque est déposée en Europe seulement", {"trademark_cn": False}),
    ("trademark_cn", "our brand is only registered in Europe", {"trademark_cn": False}),
    ("trademark_cn", "déposée en Europe et en Chine", {"trademark_cn": True}),
    ("trademark_cn", "pas encore en Chine, seulement au Benelux", {"trademark_cn": False}),
    ("trademark_cn", "la demande est déposée", {"trademark_cn": "pending"}),
    ("trademark_cn", "it's being registered", {"trademark_cn": "pending"}),
    ("company_size", "une vingtaine de personnes", {"company_size": "small"}),
    ("company_size", "about a dozen people", {"company_size": "small"}),
    ("company_size", "septante", {"company_size": "medium"}),
    ("company_size", "nonante personnes", {"company_size": "medium"}),
    ("marketing_budget", "30k", {"marketing_budget": "medium"}),
    ("marketing_budget", "trente mille euros", {"marketing_budget": "medium"}),
    ("marketing_budget", "thirty thousand euros", {"marketing_budget": "medium"}),
    ("marketing_budget", "pas de budget pour l'instant", {"marketing_budget": "none"}),
    ("export_experience", "uniquement en Belgique", {"export_experience": "none"}),
    ("export_experience", "pas encore, mais on y pense", {"export_experience": "none"}),
])
def test_free_text_answers_to_the_pending_question(pending, text, values):
    assert read(text, pending).values == values


@pytest.mark.parametrize("pending,text", [
    ("customer_service_cn", "on y travaille"), ("surge_stock", "je ne sais pas"),
    ("product_category", "nous développons des logiciels"), ("trademark_cn", "peut-être"),
    ("company_size", "beaucoup de monde")])
def test_unclear_answers_give_nothing(pending, text):
    assert read(text, pending).values == {}


def test_a_correction_at_any_point_updates_the_earlier_answer():
    assert read("en fait nous sommes 30", "trademark_cn").values == {"company_size": "small"}
    assert read("actually we are 30", "brand_story").values == {"company_size": "small"}
    assert read("correction : on a un distributeur", "brand_story").values == \
        {"china_contacts": True}
    assert read("en fait nous sommes 30", CONFIRM).values == {"company_size": "small"}


def test_a_correction_without_topic_applies_to_the_previous_question():
    reading = read("correction : non", "trademark_cn", previous="logistics_partner")
    assert reading.values == {"logistics_partner": False}
    # Without a correction word, a bare answer is for the pending question.
    assert read("non", "trademark_cn", previous="logistics_partner").values == \
        {"trademark_cn": False}


def test_a_yes_or_no_before_but_answers_the_pending_question():
    assert read("non, mais on a un transitaire", "china_contacts").values == \
        {"china_contacts": False, "logistics_partner": True}


def test_an_answer_and_another_in_one_message():
    assert read("cosmétiques, on est 12", "product_category").values == \
        {"product_category": "cosmetics", "company_size": "small"}


@pytest.mark.parametrize("text,change", [
    ("le budget", "marketing_budget"), ("je voudrais modifier la taille", "company_size"),
    ("change the trademark answer", "trademark_cn"), ("je veux modifier une réponse", ANY)])
def test_at_the_summary_naming_a_question_asks_it_again(text, change):
    assert read(text, CONFIRM).change == change


def test_summary_yes_and_no():
    assert read("oui, c'est bon", CONFIRM).values == {CONFIRM: True}
    assert read("yes", CONFIRM).values == {CONFIRM: True}
    assert read("non", CONFIRM).values == {CONFIRM: False}


def test_change_button_and_change_request_mid_form():
    assert read("", "surge_stock", change_target="company_size").change == "company_size"
    assert read("", "surge_stock", change_request=True).change == ANY
    assert read("je voudrais changer ma réponse sur le budget", "surge_stock").change == \
        "marketing_budget"
    assert read("I'd like to fix my answer about the trademark", "surge_stock").change == \
        "trademark_cn"
    assert read("modifier une réponse", "surge_stock").change == ANY
    # Without "réponse" / "answer", a change word is part of an answer.
    assert read("on va changer de transitaire", "logistics_partner").values == \
        {"logistics_partner": True}


@pytest.mark.parametrize("text,expected", [
    ("oui", []), ("35", []), ("pas encore", []), ("nous faisons du chocolat", ["product_category"]),
    ("we sell to the US", []), ("une petite entreprise familiale", ["company_size"]),
    ("on exporte en France", ["export_experience"]), ("depuis 1920", ["brand_story"]),
    ("on exporte depuis 1990", ["export_experience"])])
def test_topics(text, expected):
    assert topics(normalise(text)) == expected


def test_clauses_keep_numbers_whole_and_mark_contrasts():
    parts = clauses(normalise("non, mais 30 000 € et 1,5 million"))
    assert [c.text for c in parts] == ["non", "30 000 €", "1,5 million"]
    assert [c.contrast for c in parts] == [False, True, False]


def test_every_question_has_topic_words_or_patterns():
    from bot.advice.answers import vocabulary

    assert set(vocabulary()["topics"]) == set(SLOTS)

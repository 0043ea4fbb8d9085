"""Typed answers become slot values; invalid contact details are refused."""
from __future__ import annotations

import pytest

from bot.advice import answers


@pytest.mark.parametrize("text,value", [
    ("nous faisons du chocolat belge", "food"), ("Craft beer", "food"),
    ("des crèmes de soin", "cosmetics"), ("produits pour bébés", "baby"),
    ("compléments alimentaires", "supplements"), ("des vêtements", "fashion"),
    ("des meubles", "other"), ("je ne sais pas", None)])
def test_product_category(text, value):
    assert answers.parse_choice("product_category", text) == value


@pytest.mark.parametrize("text,value", [
    ("9 personnes", "micro"), ("10", "small"), ("49 salariés", "small"), ("50", "medium"),
    ("249", "medium"), ("250 employees", "large"), ("une petite équipe", "small"),
    ("beaucoup", None)])
def test_company_size_boundaries(text, value):
    assert answers.parse_company_size(text) == value


@pytest.mark.parametrize("text,value", [
    ("0 €", "none"), ("aucun budget", "none"), ("19 999 €", "small"), ("20 000 €", "medium"),
    ("100 000 €", "medium"), ("100 001 €", "large"), ("150k", "large"), ("10k", "small")])
def test_budget_boundaries(text, value):
    assert answers.parse_budget(text) == value


@pytest.mark.parametrize("text,value", [
    ("hors UE, aux USA", "outside_eu"), ("en France", "eu"), ("déjà en Chine", "china"),
    ("pas encore", "none"), ("not yet", "none")])
def test_export_experience_prefers_longest_phrase(text, value):
    assert answers.parse_choice("export_experience", text) == value


@pytest.mark.parametrize("text,value", [
    ("oui bien sûr", True), ("yes", True), ("non", False), ("pas encore", False),
    ("no", False), ("peut-être", None)])
def test_yes_no(text, value):
    assert answers.parse_yes_no(text) is value


@pytest.mark.parametrize("text,restart", [
    ("Recommencer le bilan", True), ("on recommence", True), ("refaire l'évaluation", True),
    ("tout reprendre à zéro", True), ("reprendre depuis le début", True),
    ("start over", True), ("take the assessment again", True), ("redo the assessment", True),
    ("reprendre le bilan", False), ("suis-je prêt à vendre en Chine ?", False),
    ("continue the assessment", False), ("/start_assessment", False)])
def test_asks_restart(text, restart):
    assert answers.asks_restart(text) is restart


def test_a_pending_trademark_is_only_read_by_the_trademark_parser():
    assert answers.parse_trademark("demande en cours") == "pending"
    assert answers.parse_yes_no("demande en cours") is None


@pytest.mark.parametrize("text,valid", [
    ("marie.dupont@example.be", True), ("Marie@Example.BE", True), ("marie@", False),
    ("marie dupont@example.be", False), ("pas d'email", False), ("a@b.c", False)])
def test_email(text, valid):
    assert (answers.valid_email(text) is not None) is valid


@pytest.mark.parametrize("text,attempt", [
    ("marie@example", True), ("marie(at)example.be", True), ("MARIE [AT] example.be", True),
    ("marie arobase example", True), ("marie at example.be", True),
    ("je préfère ne pas le donner", False), ("what about Tmall?", False),
    ("what is the rate at customs?", False), ("we sell at Carrefour", False)])
def test_looks_like_email(text, attempt):
    assert answers.looks_like_email(text) is attempt


@pytest.mark.parametrize("text,attempt", [
    ("0470 12 34", True), ("+32 4", False), ("appelez-moi après 18h", False)])
def test_looks_like_phone(text, attempt):
    assert answers.looks_like_phone(text) is attempt


@pytest.mark.parametrize("text,valid", [
    ("+32 470 12 34 56", True), ("0470/12.34.56", True), ("123", False), ("abc", False)])
def test_phone(text, valid):
    assert (answers.valid_phone(text) is not None) is valid


@pytest.mark.parametrize("text,valid", [
    ("Marie Dupont", True), ("A", False), ("Combien coûte Tmall ?", False), ("x" * 200, False)])
def test_name(text, valid):
    assert (answers.valid_name(text) is not None) is valid


@pytest.mark.parametrize("text,value", [
    ("alimentation", "food"), ("Alimentation et boissons", "food"),
    ("cosmétiques", "cosmetics"), ("bébé", "baby"), ("compléments alimentaires", "supplements"),
    ("mode", "fashion"), ("autre", "other"), ("food", "food"), ("baby products", "baby")])
def test_every_category_button_payload_is_understood(text, value):
    """The buttons of utter_ask_product_category send these texts."""
    assert answers.parse_choice("product_category", text) == value


@pytest.mark.parametrize("text,value", [
    ("j'accepte", True), ("I agree", True), ("je refuse", False), ("I refuse", False),
    ("je n'accepte pas", None)])
def test_consent_words_the_bot_suggests(text, value):
    assert answers.parse_yes_no(text) is value


@pytest.mark.parametrize("text", ["passer", "skip"])
def test_skipping_the_phone(text):
    assert answers.parse_yes_no(text) is False


@pytest.mark.parametrize("text,value", [
    ("une vingtaine de personnes", 20), ("a dozen", 12), ("septante", 70), ("nonante", 90),
    ("huitante", 80), ("quatre-vingt-dix", 90), ("soixante-quinze", 75), ("vingt et un", 21),
    ("deux cent cinquante", 250), ("trente mille euros", 30_000), ("30k", 30_000),
    ("1,5 million", 1_500_000), ("30 000 €", 30_000), ("10.000", 10_000),
    ("thirty thousand euros", 30_000), ("one hundred and five", 105),
    ("quelques milliers d'euros", 3_000), ("a few thousand euros", 3_000),
    ("deux douzaines", 24), ("une équipe de 7", 7)])
def test_numbers_in_digits_and_words(text, value):
    assert answers.numbers(text)[0] == value


@pytest.mark.parametrize("text", ["un distributeur", "no one speaks Chinese", "a partner",
                                  "oui", "une personne parle chinois"])
def test_articles_alone_are_not_numbers(text):
    assert answers.numbers(text) == []


def test_two_numbers_stay_two():
    assert answers.numbers("entre 50 et 100 personnes") == [50, 100]


@pytest.mark.parametrize("text,value", [
    ("une vingtaine de personnes", "small"), ("a dozen", "small"), ("septante", "medium"),
    ("nonante", "medium"), ("je travaille seul", "micro"), ("just me", "micro"),
    ("une grosse PME", "medium"), ("a big group", "large")])
def test_company_size_in_words(text, value):
    assert answers.parse_company_size(text) == value


@pytest.mark.parametrize("text,value", [
    ("30k", "medium"), ("trente mille euros", "medium"), ("pas de budget pour l'instant", "none"),
    ("non, rien de prévu", "none"), ("quelques milliers d'euros", "small"),
    ("un petit budget", "small")])
def test_budget_in_words(text, value):
    assert answers.parse_budget(text) == value


@pytest.mark.parametrize("text,value", [
    ("pas pour le moment, personne ne parle chinois", False),
    ("not for now, nobody speaks Chinese", False), ("non, on n'a personne", False),
    ("we don't", False), ("oui, une collègue parle mandarin", True), ("oui, pas de souci", True),
    ("no problem", True), ("je ne sais pas", None), ("maybe", None), ("on y travaille", None)])
def test_polarity_with_reasons(text, value):
    assert answers.polarity(text) is value


@pytest.mark.parametrize("text,value", [
    ("notre marque est déposée en Europe seulement", False),
    ("our brand is only registered in Europe", False),
    ("déposée au Benelux", False), ("oui, en Chine et en Europe", True),
    ("oui en Chine, pas encore en Europe", True), ("pas encore en Chine", False),
    ("oui c'est déposé", True), ("demande en cours", "pending"),
    ("on a déposé la demande le mois passé", "pending"), ("non, pas encore de demande", False),
    ("oui", True), ("non", False)])
def test_trademark_registered_elsewhere_only_is_not_in_china(text, value):
    assert answers.parse_trademark(text) == value


@pytest.mark.parametrize("text,value", [
    ("uniquement en Belgique", "none"), ("en Belgique et en France", "eu"),
    ("jamais exporté", "none"), ("on a déjà un distributeur à Shanghai", "china")])
def test_export(text, value):
    assert answers.parse_export(text) == value


@pytest.mark.parametrize("text,cancel", [
    ("stop", True), ("Annuler", True), ("cancel", True), ("finalement, annule", True),
    ("never mind, cancel", True), ("Stop !", True), ("Marie Stoppa", False),
    ("Paul Stopford", False), ("Anne Test", False), ("Annulé SPRL", False), ("non", False)])
def test_only_a_whole_message_cancels(text, cancel):
    assert answers.is_cancel(text) is cancel


@pytest.mark.parametrize("text,value", [
    ("Anne Test", "Anne Test"), ("Marie Stoppa", "Marie Stoppa"), ("non", None), ("Oui !", None),
    ("no thanks", None), ("ok", None), ("Nonna Foods", "Nonna Foods")])
def test_a_yes_or_no_is_not_a_name(text, value):
    assert answers.valid_name(text) == value


@pytest.mark.parametrize("text,skips", [
    ("pas de tel", True), ("pas de téléphone", True), ("no phone", True),
    ("I'd rather not", True), ("non", True), ("skip", True), ("0470 12 34 56", False),
    ("appelez-moi", False)])
def test_skipping_the_phone_in_words(text, skips):
    assert answers.skips_phone(text) is skips

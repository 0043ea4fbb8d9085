"""Every scoring rule of rules.yml, with its boundaries, and the checks on the rules file."""
from __future__ import annotations

import copy

import pytest
import yaml

from bot.advice.assessment import RULES_PATH, Rules, RulesError, default_rules
from bot.domain import load_domain

STRONG = {"product_category": "food", "company_size": "medium", "export_experience": "china",
          "customer_service_cn": True, "surge_stock": True, "logistics_partner": True,
          "trademark_cn": True, "marketing_budget": "large", "brand_story": True,
          "china_contacts": True}


@pytest.fixture
def rules() -> Rules:
    return default_rules()


def test_all_criteria_met_is_ready_with_full_points(rules):
    result = rules.assess(STRONG)
    assert (result.level, result.points, result.max_points) == ("ready", 15, 15)
    assert result.reasons == [] and result.blocking_missing == []


@pytest.mark.parametrize("slot,value,lost,reason", [
    ("customer_service_cn", False, 2, "no_chinese_service"),
    ("surge_stock", False, 2, "no_surge_stock"),
    ("logistics_partner", False, 2, "no_logistics_partner"),
    ("trademark_cn", False, 2, "no_trademark"),
    ("trademark_cn", "pending", 1, "no_trademark"),
    ("marketing_budget", "small", 1, "low_marketing_budget"),
    ("marketing_budget", "none", 2, "low_marketing_budget"),
    ("marketing_budget", "medium", 0, None),
    ("export_experience", "eu", 1, "little_export_experience"),
    ("export_experience", "none", 2, "little_export_experience"),
    ("export_experience", "outside_eu", 0, None),
    ("brand_story", False, 1, "no_brand_story"),
    ("china_contacts", False, 1, "no_china_contacts"),
    ("company_size", "micro", 1, "very_small_company"),
    ("company_size", "small", 0, None),
])
def test_each_criterion_points_and_reason(rules, slot, value, lost, reason):
    result = rules.assess({**STRONG, slot: value})
    assert result.points == 15 - lost
    assert result.reasons == ([reason] if reason else [])


def test_one_missing_back_office_item_caps_at_conditions(rules):
    result = rules.assess({**STRONG, "surge_stock": False})
    assert result.points == 13 and result.level == "conditions"
    assert result.blocking_missing == ["no_surge_stock"]


def test_two_missing_back_office_items_mean_not_yet_whatever_the_points(rules):
    result = rules.assess({**STRONG, "surge_stock": False, "logistics_partner": False})
    assert result.points == 11 and result.level == "not_yet"


def test_ready_threshold_boundary_at_11_points(rules):
    at_boundary = {**STRONG, "trademark_cn": False, "marketing_budget": "none"}  # 15-2-2 = 11
    assert rules.assess(at_boundary).points == 11
    assert rules.assess(at_boundary).level == "ready"
    below = {**at_boundary, "brand_story": False}  # 10
    assert rules.assess(below).level == "conditions"


def test_conditions_threshold_boundary_at_6_points(rules):
    six = {"customer_service_cn": True, "surge_stock": True, "logistics_partner": True,
           "trademark_cn": False, "marketing_budget": "none", "export_experience": "none",
           "brand_story": False, "china_contacts": False, "company_size": "micro"}
    assert rules.assess(six).points == 6 and rules.assess(six).level == "conditions"
    five = {**six, "logistics_partner": False, "brand_story": True}  # 6 - 2 + 1
    assert rules.assess(five).points == 5 and rules.assess(five).level == "not_yet"


def test_missing_answers_count_as_not_met(rules):
    result = rules.assess({})
    assert result.points == 0 and result.level == "not_yet"
    assert len(result.reasons) == 9


def test_food_gets_belgian_pavilion_and_food_todos(rules):
    result = rules.assess({**STRONG, "product_category": "food", "company_size": "small",
                           "marketing_budget": "small", "trademark_cn": False})
    ids = [c.id for c in result.channels]
    assert "belgian_pavilion" in ids and "specialised_platforms" not in ids
    assert result.todos == ["gacc_registration", "chinese_labels", "trademark_first",
                            "positive_list"]


@pytest.mark.parametrize("category", ["cosmetics", "baby", "supplements"])
def test_specialised_categories_get_specialised_platforms(rules, category):
    ids = [c.id for c in rules.assess({**STRONG, "product_category": category}).channels]
    assert "specialised_platforms" in ids and "belgian_pavilion" not in ids


def test_cosmetics_and_baby_todos(rules):
    assert "csar_cosmetics" in rules.assess({**STRONG, "product_category": "cosmetics"}).todos
    baby = rules.assess({**STRONG, "product_category": "baby"}).todos
    assert "infant_formula" in baby and "gacc_registration" in baby


def test_big_budget_and_trademark_put_cross_border_platforms_first(rules):
    result = rules.assess({**STRONG, "product_category": "other"})
    assert result.channels[0].id == "cross_border_platforms"
    assert result.channels[0].article == "tmall-global"


def test_small_company_with_contacts_puts_wechat_first(rules):
    result = rules.assess({"product_category": "other", "company_size": "micro",
                           "marketing_budget": "none", "china_contacts": True,
                           "brand_story": True, "trademark_cn": False})
    assert result.channels[0].id == "wechat_social"
    assert len(result.channels) == 3


def test_channel_articles_exist_in_the_knowledge_base(rules):
    from bot.knowledge.articles import load_corpus
    from bot.settings import ROOT

    ids = {a.id for a in load_corpus(ROOT / "knowledge").articles}
    assert {c["article"] for c in rules.channels} <= ids


def test_every_id_has_its_sentence_in_the_domain(rules):
    responses = load_domain()["responses"]
    names = [f"utter_reason_{c['reason']}" for c in rules.criteria]
    names += [f"utter_channel_{c['id']}" for c in rules.channels]
    names += [f"utter_todo_{t['id']}" for t in rules.todos]
    names += [f"utter_assessment_{rule['level']}" for rule in rules.levels]
    for name in names:
        variations = responses[name]
        assert len(variations) == 2, name  # English (conditional) and French (default)


def test_rules_file_errors_are_explained():
    data = yaml.safe_load(RULES_PATH.read_text("utf-8"))
    broken = copy.deepcopy(data)
    broken["criteria"][0]["met"] = ["maybe"]
    with pytest.raises(RulesError, match="'customer_service_cn': value 'maybe'"):
        Rules(broken)
    broken = copy.deepcopy(data)
    broken["levels"][-1]["min_points"] = 3
    with pytest.raises(RulesError, match="min_points: 0"):
        Rules(broken)

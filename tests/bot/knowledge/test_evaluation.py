"""Retrieval quality on the gold set, against the targets of the product (fails when one drops).

Runs on the shipped corpus and the index `make test` builds, with the calibrated tuning.
"""
from __future__ import annotations

import pytest

from bot.knowledge import evaluation
from bot.knowledge.engine import KnowledgeBase
from bot.settings import ROOT, Settings


@pytest.fixture(scope="module")
def results():
    gold = evaluation.load_gold(ROOT / "tests" / "data" / "gold.yml")
    return gold, evaluation.evaluate(KnowledgeBase(Settings.from_env()), gold)


def test_gold_set_is_large_mixed_and_valid(results):
    gold, _ = results
    from bot.knowledge.articles import load_corpus

    ids = {a.id for a in load_corpus(ROOT / "knowledge").articles}
    assert len(gold) >= 150
    assert sum(q.lang == "fr" for q in gold) / len(gold) >= 0.60
    assert sum(not q.in_scope for q in gold) >= 30
    assert all(set(q.expect) <= ids for q in gold)
    example_questions = {q for a in load_corpus(ROOT / "knowledge").articles for q in a.questions}
    assert not example_questions & {q.text for q in gold}, "gold questions must not be keys"


def test_retrieval_meets_every_target(results, capsys):
    _, metrics = results
    with capsys.disabled():
        print("\n" + evaluation.markdown_report(metrics, "make eval"))
    assert evaluation.check_targets(metrics) == []


def test_check_targets_reports_a_drop(results):
    _, metrics = results
    import copy

    worse = copy.deepcopy(metrics)
    worse["hybrid"]["all"].declined = 0.5
    assert any("out-of-scope declined" in m for m in evaluation.check_targets(worse))

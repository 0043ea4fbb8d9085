"""Held-out retrieval quality: the frozen test split against the product's targets.

Runs on the shipped corpus and the index `make test` builds, with the shipped tuning, on the
questions no calibration ever saw; fails when a figure drops below its regression floor
(`evaluation.FLOORS`), and prints the product targets it still misses.
"""
from __future__ import annotations

import dataclasses

import pytest

from bot.knowledge import evaluation
from bot.knowledge.articles import load_corpus
from bot.knowledge.engine import KnowledgeBase
from bot.settings import ROOT, Settings

GOLD = ROOT / "tests" / "data" / "gold.yml"
# Replays the gold set through the real encoder: make test runs it, make test-unit does not.
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def gold():
    return evaluation.load_gold(GOLD)


@pytest.fixture(scope="module")
def test_split(gold):
    kb = KnowledgeBase(Settings.from_env())
    index = kb.index()
    test = [q for q in gold if q.split == "test"]
    prepared = evaluation.prepare(index, kb.tuning, test)
    outcomes = {mode: [evaluation.outcome(p.question, evaluation.decide(index, p, kb.tuning,
                                                                         mode))
                       for p in prepared] for mode in evaluation.MODES}
    return {mode: evaluation.by_language(o) for mode, o in outcomes.items()}


def test_gold_set_is_large_mixed_labelled_and_valid(gold):
    corpus = load_corpus(ROOT / "knowledge")
    headings = {(a.id, a.lang): {s.heading for s in a.sections} for a in corpus.articles}
    assert len(gold) >= 400
    assert sum(q.lang == "fr" for q in gold) / len(gold) >= 0.60
    assert sum(not q.in_scope for q in gold) >= 60
    assert sum(q.split == "test" for q in gold) >= 120
    assert sum(bool(q.previous) for q in gold) >= 30
    for q in gold:
        for article in q.expect:
            assert (article, q.lang) in headings, f"{q.text!r}: unknown article {article}"
        for article, labelled in q.sections.items():
            assert article in q.expect, f"{q.text!r}: sections for {article} not expected"
            missing = set(labelled) - headings[(article, q.lang)]
            assert not missing, f"{q.text!r}: no section {missing} in {q.lang}/{article}"
    example_questions = {x for a in corpus.articles for x in a.questions}
    assert not example_questions & {q.text for q in gold}, "gold questions must not be keys"


def test_test_split_is_frozen_and_groups_stay_together(gold):
    by_group = {}
    for q in gold:
        if q.group:
            by_group.setdefault(q.group, set()).add(q.split)
    assert all(len(splits) == 1 for splits in by_group.values())
    # The split is a pure function of the text (or group): it cannot follow a calibration.
    q = gold[0]
    assert dataclasses.replace(q, expect=()).split == q.split


def test_held_out_figures_stay_above_their_floors(test_split, capsys):
    """Fails on a regression; the targets still missed are printed (README, issue notes)."""
    with capsys.disabled():
        print("\n" + evaluation.markdown_table(test_split, latency=False))
        for miss in evaluation.check_targets(test_split):
            print(f"target missed (held out): {miss}")
    assert evaluation.check_targets(test_split, evaluation.FLOORS) == []


def test_check_targets_reports_a_drop(test_split):
    import copy

    worse = copy.deepcopy(test_split)
    worse["hybrid"]["all"].declined = 0.5
    worse["hybrid"]["fr"].right_section = 0.3
    for targets in (None, evaluation.FLOORS):
        misses = evaluation.check_targets(worse, targets)
        assert any("out-of-scope declined" in m for m in misses)
        assert any("fr right section" in m for m in misses)

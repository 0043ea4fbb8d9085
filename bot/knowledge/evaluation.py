"""Held-out evaluation of retrieval, and the calibration it checks.

Every figure is measured on questions the settings it uses were not calibrated on:
- a frozen test split (about a third of the gold set, chosen by a hash of each question or of
  its paraphrase group, so it never moves) is never seen by any calibration; `make test`
  asserts the product's targets on it with the shipped `bot/retrieval.yml`;
- the rest is split into k folds; each fold is decided by settings calibrated on the others,
  and the report pools those held-out decisions;
- the shipped settings are calibrated on all the non-test questions.

Calibration fits, per retriever mix: the fusion weights and BM25 saturation (ranking), a
logistic answer gate on the scores' features (scikit-learn, fitted only at calibration time),
its threshold, when to read a message with the previous topic, and the clarification margin.
Retriever signals are computed once per question; `KnowledgeIndex.decide` is replayed with each
candidate tuning, so the evaluation runs exactly the serving decision. The gold questions and
metrics live in `bot.knowledge.gold`, the calibration in `bot.knowledge.calibration`; this
module runs them and writes the report, and re-exports their names.
"""
from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml

from bot.knowledge.calibration import (
    COMPANION_WEIGHTS,
    DECLINE_CALIBRATION,
    GATE_FEATURES,
    calibrate,
    cross_validate,
    folds,
)
from bot.knowledge.engine import ANSWER, CLARIFY, MODES, NO_ANSWER, KnowledgeBase
from bot.knowledge.gold import (
    FLOORS,
    FOLDS,
    TARGETS,
    TEST_SHARE,
    GoldQuestion,
    Metrics,
    Outcome,
    Prepared,
    by_language,
    decide,
    load_gold,
    metrics,
    outcome,
    percentile,
    prepare,
)
from bot.knowledge.tuning import RetrievalTuning
from bot.settings import LANGUAGES

# Gold, calibration and report names in one place for callers (`evaluation.load_gold`, ...).
__all__ = [
    "COMPANION_WEIGHTS",
    "DECLINE_CALIBRATION",
    "GATE_FEATURES",
    "calibrate",
    "cross_validate",
    "folds",
    "ANSWER",
    "CLARIFY",
    "FLOORS",
    "FOLDS",
    "NO_ANSWER",
    "TARGETS",
    "TEST_SHARE",
    "GoldQuestion",
    "Metrics",
    "Outcome",
    "Prepared",
    "by_language",
    "decide",
    "load_gold",
    "metrics",
    "outcome",
    "percentile",
    "prepare",
    "MODES",
    "Report",
    "chart",
    "check_targets",
    "markdown_report",
    "markdown_table",
    "losses_table",
    "measure_latency",
    "run",
    "write_tuning",
]


@dataclass
class Report:
    cross_validated: dict[str, dict[str, Metrics]]  # mode -> lang -> metrics (k-fold held out)
    test: dict[str, dict[str, Metrics]]  # mode -> lang -> metrics on the frozen test split
    tuning: RetrievalTuning  # calibrated on all non-test questions
    dev_size: int = 0
    test_size: int = 0


def run(kb: KnowledgeBase, gold: Sequence[GoldQuestion], recalibrate: bool) -> Report:
    """The whole held-out evaluation; with `recalibrate`, the returned tuning is refitted on
    all the dev questions (the caller writes it), else the shipped tuning is evaluated."""
    index = kb.index()
    prepared = prepare(index, kb.tuning, gold)
    dev = [p for p in prepared if p.question.split == "dev"]
    test = [p for p in prepared if p.question.split == "test"]
    cv = cross_validate(index, dev, kb.tuning)
    tuning = calibrate(index, dev, kb.tuning) if recalibrate else kb.tuning
    test_outcomes = {mode: [outcome(p.question, decide(index, p, tuning, mode)) for p in test]
                     for mode in MODES}
    report = Report({mode: by_language(o) for mode, o in cv.items()},
                    {mode: by_language(o) for mode, o in test_outcomes.items()},
                    tuning, len(dev), len(test))
    for mode in MODES:
        for lang, latency in measure_latency(kb, [p.question for p in test], tuning,
                                             mode).items():
            report.test[mode][lang].latency_ms = latency
    return report


def measure_latency(kb: KnowledgeBase, questions: Sequence[GoldQuestion],
                    tuning: RetrievalTuning, mode: str) -> dict[str, dict[str, float]]:
    """p50/p95 of the real search call (query embedding included: the cache is cleared)."""
    index = kb.index()
    index.embedder.clear_cache()
    index.search("warm up", "fr", tuning, mode=mode)
    times: dict[str, list[float]] = defaultdict(list)
    for q in questions:
        started = time.perf_counter()
        index.search(q.text, q.lang, tuning, mode=mode, previous_article=q.previous)
        elapsed = 1000 * (time.perf_counter() - started)
        times[q.lang].append(elapsed)
        times["all"].append(elapsed)
    return {lang: {"p50": percentile(v, 50), "p95": percentile(v, 95)}
            for lang, v in times.items()}


def write_tuning(tuning: RetrievalTuning, path: Path) -> None:
    header = ("# Retrieval tuning, calibrated by `bot eval --calibrate` on the gold questions "
              "outside the frozen\n# test split (tests/data/gold.yml). fused = dense_weight * "
              "cosine + lexical_weight *\n# (1 - exp(-bm25 / lexical_saturation)) * coverage; "
              "the gate (per retriever mix) is a\n# logistic model over the named features; "
              "answer when its probability >= the threshold of the\n# question's language. "
              "shorthand: rules applied to a question before it is searched.\n"
              "# A message is read with the previous topic when alone its probability < "
              "follow_up_threshold.\n"
              "# Clarify when the next article is within clarify_margin and says something "
              "else.\n# The section shown: (1 - section_lexical_weight) * its best exact "
              "cosine + section_lexical_weight\n# * its best lexical score.\n"
              "# companion_model: a second encoder mixed into the cosine with "
              "companion_weight (\"\": none;\n# docs/eval/encoder-fusion.md).\n"
              "# A question matching opener_patterns gets the first orientation article when "
              "declined,\n# or when the gate is less sure than opener_sure of another one.\n"
              "# rerank: a logistic model over named features of the `depth` best-fused "
              "articles of a\n# message read alone reorders them; its own gate (which also "
              "reads the reranker's\n# probabilities) decides on that reading. A message "
              "read with the previous topic keeps\n# the fused order and the gate above.\n")
    path.write_text(header + yaml.safe_dump(tuning.to_dict(), sort_keys=False,
                                            allow_unicode=True), encoding="utf-8")


# -- report ----------------------------------------------------------------------------------
def _cell(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"


def markdown_table(results: dict[str, dict[str, Metrics]], latency: bool) -> str:
    head = ("| mix | lang | questions | recall@1 | recall@3 | right section | answered | "
            "declined (OOS) | clarified | wrong | consistency | multi-turn | "
            "declined → right suggestion | OOS with suggestions |")
    rule = "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
    if latency:
        head, rule = head + " p50 ms | p95 ms |", rule + "---|---|"
    lines = [head, rule]
    for mode in MODES:
        for lang in ("fr", "en", "all"):
            m = results[mode][lang]
            row = (f"| {MIX_NAMES[mode]} | {lang} | {m.questions} | {m.recall1:.2f} | "
                   f"{m.recall3:.2f} | {m.right_section:.2f} | {m.answered:.2f} | "
                   f"{m.declined:.2f} | {m.clarified:.2f} | {m.wrong:.2f} | "
                   f"{_cell(m.consistency)} | {_cell(m.multi_turn)} | "
                   f"{_cell(m.suggested_right)} | {m.suggested_oos:.2f} |")
            if latency:
                row += (f" {m.latency_ms.get('p50', 0):.1f} | "
                        f"{m.latency_ms.get('p95', 0):.1f} |")
            lines.append(row)
    return "\n".join(lines)


MIX_NAMES = {"dense": "e5 dense", "lexical": "BM25", "hybrid": "**e5 + BM25**"}


def losses_table(report: Report) -> str:
    """Where the shipped mix loses the right section, per split and language: the share of
    in-scope questions in each outcome (the row adds up to 1, but for the "of which" column:
    the share of the "other section" one whose labelled section is among the section buttons)."""
    lines = ["| questions | lang | in scope | right section | right article, other section | "
             "… of which a right section is one button away | "
             "not answered, right article first | not answered, wrong article first | "
             "answered a wrong article |", "|---|---|---|---|---|---|---|---|---|"]
    for name, results in (("frozen test split", report.test),
                          (f"{FOLDS}-fold cross-validation", report.cross_validated)):
        for lang in ("fr", "en", "all"):
            m = results["hybrid"][lang]
            lines.append(f"| {name} | {lang} | {m.in_scope} | {m.right_section:.2f} | "
                         f"{m.other_section:.2f} | {m.section_one_click:.2f} | "
                         f"{m.unanswered_right_first:.2f} | "
                         f"{m.unanswered_wrong_first:.2f} | {m.wrong:.2f} |")
    return "\n".join(lines)


def markdown_report(report: Report, command: str, model: str) -> str:
    hybrid = report.test["hybrid"]["all"]
    return "\n".join([
        f"Encoder `{model}`. Gold set: {report.dev_size + report.test_size} questions; "
        f"{report.test_size} in the frozen test split (never calibrated on), "
        f"{report.dev_size} for {FOLDS}-fold cross-validation.",
        "",
        "## Frozen test split (shipped settings)",
        "",
        markdown_table(report.test, latency=True),
        "",
        f"## {FOLDS}-fold cross-validation on the other questions (each fold decided by "
        "settings calibrated on the other folds)",
        "",
        markdown_table(report.cross_validated, latency=False),
        "",
        "right section: answered with a right article and a section labelled as answering "
        f"({hybrid.section_labelled} of {hybrid.in_scope} in-scope test questions carry section "
        "labels; the others count the article). answered counts clarifications; wrong: "
        "answered with an article that does not answer. consistency: groups of three "
        "paraphrases in one language all answered by one article. multi-turn: follow-ups "
        "and new questions after another topic answered right. declined → right "
        "suggestion: of the answerable questions declined, those whose two suggested "
        "topics include a right one; OOS with suggestions: out-of-scope questions declined "
        "with suggested topics.",
        "",
        "## Where the right section is lost (e5 + BM25)",
        "",
        losses_table(report),
        "",
        "Each in-scope question falls in one column. Not answered counts clarifications. A "
        "perfect gate (answer exactly when the first article is right) would add at most "
        "the \"right article first\" column: the rest is lost to the ranking (a wrong "
        "article first) or to the choice of section.",
        "",
        f"Reproduce with `{command}`.",
    ])


def check_targets(results: dict[str, dict[str, Metrics]],
                  targets: dict | None = None) -> list[str]:
    """The held-out figures of the shipped mix below `targets` (the product's by default;
    FLOORS for the regression gate). Empty when all are met."""
    targets = targets or {**TARGETS, "right_section": {lang: TARGETS["right_section"]
                                                       for lang in LANGUAGES}}
    hybrid = results["hybrid"]
    misses = []
    for lang in LANGUAGES:
        if hybrid[lang].right_section < targets["right_section"][lang]:
            misses.append(f"{lang} right section {hybrid[lang].right_section:.3f} < "
                          f"{targets['right_section'][lang]}")
    m = hybrid["all"]
    if m.declined < targets["declined"]:
        misses.append(f"out-of-scope declined {m.declined:.3f} < {targets['declined']}")
    if m.clarified > targets["clarified_max"]:
        misses.append(f"clarified {m.clarified:.3f} > {targets['clarified_max']}")
    if m.consistency is not None and m.consistency < targets["consistency"]:
        misses.append(f"paraphrase consistency {m.consistency:.3f} < {targets['consistency']}")
    if m.multi_turn is not None and m.multi_turn < targets["multi_turn"]:
        misses.append(f"multi-turn {m.multi_turn:.3f} < {targets['multi_turn']}")
    return misses


def chart(report: Report, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    labels = ["recall@1", "right section", "declined", "consistency", "multi-turn"]
    fig, axes = plt.subplots(1, 2, figsize=(11, 4), sharey=True)
    for ax, lang in zip(axes, LANGUAGES):
        width = 0.27
        for i, mode in enumerate(MODES):
            m = report.test[mode][lang]
            values = [m.recall1, m.right_section, m.declined, m.consistency or 0.0,
                      m.multi_turn or 0.0]
            ax.bar(np.arange(len(labels)) + (i - 1) * width, values, width,
                   label=MIX_NAMES[mode].strip("*"))
        ax.axhline(TARGETS["right_section"], color="grey", linestyle=":", linewidth=1)
        ax.set_xticks(np.arange(len(labels)), labels, fontsize=8)
        ax.set_title({"fr": "French questions", "en": "English questions"}[lang])
        ax.set_ylim(0, 1.05)
        ax.grid(axis="y", alpha=0.3)
    axes[0].legend(loc="lower left")
    fig.suptitle("Held-out retrieval (frozen test split, shipped settings)")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)

"""The gold questions and what is measured on them: outcomes and metrics.

Why a module of its own: calibration (`bot.knowledge.calibration`) and the evaluation report
(`bot.knowledge.evaluation`) both replay the serving decision on the same prepared signals and
score it the same way; this is the part they share. The frozen test split is a hash of each
question (or of its paraphrase group), so it never moves.
"""
from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import yaml

from bot.knowledge.engine import ANSWER, CLARIFY, NO_ANSWER, KnowledgeIndex, SearchResult, Signals
from bot.knowledge.tuning import RetrievalTuning

# The product's targets (issue "answers people can trust"), on held-out questions.
TARGETS = {"right_section": 0.90, "declined": 0.95, "clarified_max": 0.05,
           "consistency": 0.90, "multi_turn": 0.90}
# Regression floors on the frozen test split while a target is missed: a few points under what was
# measured when they were set (docs/eval/retrieval.md), so a drop fails the build; a target met
# raises its floor to the target. Set again on 2026-12-01, when the section labels were audited
# and the tuning re-fitted on them (test split en 0.79 -> 0.72, multi-turn 0.83 -> 0.78): stricter
# labels and a re-fitted gate, not a weaker engine (docs/eval/experiments.md). English set again
# the same day when 58 out-of-scope questions joined the gold set (English test split 0.82 ->
# 0.73: a gate fitted on twice as many English off-topic questions declines more), and both
# languages when 109 questions written from the articles' titles alone joined it (test split fr
# 0.70 -> 0.65, en 0.73 -> 0.64: harder questions, and a gate that declines more of them).
FLOORS = {"right_section": {"fr": 0.59, "en": 0.58}, "declined": 0.93, "clarified_max": 0.05,
          "consistency": 0.25, "multi_turn": 0.70}
TEST_SHARE = 32  # percent of gold items (by question or paraphrase group) in the frozen test split
FOLDS = 5


@dataclass(frozen=True)
class GoldQuestion:
    text: str
    lang: str
    expect: tuple[str, ...]
    sections: dict[str, tuple[str, ...]] = field(default_factory=dict)
    previous: str | None = None
    group: str | None = None

    @property
    def in_scope(self) -> bool:
        return bool(self.expect)

    @property
    def split(self) -> str:
        """"test" (frozen, never calibrated on) or "dev"; paraphrase groups stay together."""
        digest = hashlib.sha1((self.group or self.text).encode("utf-8")).hexdigest()
        return "test" if int(digest[:8], 16) % 100 < TEST_SHARE else "dev"


def load_gold(path: Path) -> list[GoldQuestion]:
    items = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [GoldQuestion(i["q"], i["lang"], tuple(i.get("expect") or ()),
                         {k: tuple(v) for k, v in (i.get("sections") or {}).items()},
                         i.get("previous"), i.get("group"))
            for i in items]


# -- signals, computed once ------------------------------------------------------------------
@dataclass
class Prepared:
    question: GoldQuestion
    alone: Signals
    with_topic: Signals | None


def prepare(index: KnowledgeIndex, tuning: RetrievalTuning,
            gold: Sequence[GoldQuestion]) -> list[Prepared]:
    """Retriever signals of every question (and of its follow-up reading), at full depth."""
    out = []
    for q in gold:
        alone = index.signals(q.text, q.lang, tuning, depth=index.size, all_encoders=True)
        with_topic = None
        if q.previous is not None and q.previous in index.article_ids and alone.terms:
            with_topic = index.signals(f"{q.text} {index.title(q.previous, q.lang)}", q.lang,
                                       tuning, depth=index.size, all_encoders=True)
        out.append(Prepared(q, alone, with_topic))
    return out


def decide(index: KnowledgeIndex, item: Prepared, tuning: RetrievalTuning,
           mode: str) -> SearchResult:
    topic = item.with_topic
    return index.decide(item.alone, item.question.lang, tuning, mode,
                        (lambda: topic) if topic is not None else None,
                        item.question.previous)


# -- outcomes and metrics --------------------------------------------------------------------
@dataclass
class Outcome:
    question: GoldQuestion
    status: str
    ranking: list[str]
    article: str | None = None
    heading: str | None = None
    options: tuple[str, ...] = ()
    more: tuple[str, ...] = ()  # headings of the answered article's sections offered as buttons

    @property
    def right_article(self) -> bool:
        return self.status == ANSWER and self.article in self.question.expect

    @property
    def right_section(self) -> bool:
        """The right article, and a section labelled as answering (when labels exist)."""
        if not self.right_article:
            return False
        labelled = self.question.sections.get(self.article or "")
        return not labelled or self.heading in labelled

    @property
    def section_one_click(self) -> bool:
        """Another section of a right article shown, and a labelled one among its buttons."""
        labelled = self.question.sections.get(self.article or "") or ()
        return self.right_article and not self.right_section and \
            bool(set(self.more) & set(labelled))


def outcome(item_question: GoldQuestion, result: SearchResult) -> Outcome:
    answer = result.answer
    return Outcome(item_question, result.status.value,
                   [c.article_id for c in result.candidates],
                   answer.article_id if answer else None, answer.heading if answer else None,
                   tuple(o[0] for o in result.options),
                   tuple(heading for _, heading in answer.more) if answer else ())


@dataclass
class Metrics:
    questions: int = 0
    in_scope: int = 0
    out_of_scope: int = 0
    recall1: float = 0.0
    recall3: float = 0.0
    right_article: float = 0.0
    right_section: float = 0.0
    section_labelled: int = 0
    answered: float = 0.0
    declined: float = 0.0
    clarified: float = 0.0
    wrong: float = 0.0
    consistency: float | None = None
    groups: int = 0
    multi_turn: float | None = None
    multi_turn_items: int = 0
    # Where the other in-scope questions lost the right section; with right_section and wrong
    # these add up to 1, so a report says which part to work on: another section of a right
    # article; not answered (declined or clarified) though a right article came first; not
    # answered, a wrong article first.
    other_section: float = 0.0
    section_one_click: float = 0.0  # of other_section: a labelled section among the buttons
    unanswered_right_first: float = 0.0
    unanswered_wrong_first: float = 0.0
    suggested_right: float | None = None  # declined answerable questions: a right suggestion
    suggested_oos: float = 0.0  # out-of-scope questions declined with suggestions
    latency_ms: dict[str, float] = field(default_factory=dict)


def percentile(values: Sequence[float], q: float) -> float:
    """One definition of a percentile for every report (numpy's linear interpolation)."""
    return float(np.percentile(np.asarray(values, dtype=float), q)) if len(values) else 0.0


def _right_first(o: Outcome) -> bool:
    return bool(o.ranking) and o.ranking[0] in o.question.expect


def metrics(outcomes: Sequence[Outcome]) -> Metrics:
    m = Metrics(questions=len(outcomes))
    inside = [o for o in outcomes if o.question.in_scope]
    outside = [o for o in outcomes if not o.question.in_scope]
    m.in_scope, m.out_of_scope = len(inside), len(outside)

    def share(items: Sequence[Outcome], test: Callable[[Outcome], bool]) -> float:
        return sum(map(test, items)) / len(items) if items else 0.0

    m.recall1 = share(inside, _right_first)
    m.recall3 = share(inside, lambda o: bool(set(o.ranking[:3]) & set(o.question.expect)))
    m.right_article = share(inside, lambda o: o.right_article)
    m.right_section = share(inside, lambda o: o.right_section)
    m.section_labelled = sum(bool(o.question.sections) for o in inside)
    m.answered = share(inside, lambda o: o.status != NO_ANSWER)
    m.clarified = share(inside, lambda o: o.status == CLARIFY)
    m.wrong = share(inside, lambda o: o.status == ANSWER and not o.right_article)
    m.declined = share(outside, lambda o: o.status == NO_ANSWER)
    m.other_section = share(inside, lambda o: o.right_article and not o.right_section)
    m.section_one_click = share(inside, lambda o: o.section_one_click)
    m.unanswered_right_first = share(inside, lambda o: o.status != ANSWER and _right_first(o))
    m.unanswered_wrong_first = share(inside,
                                     lambda o: o.status != ANSWER and not _right_first(o))
    missed = [o for o in inside if o.status == NO_ANSWER]
    if missed:
        m.suggested_right = share(missed, lambda o: bool(set(o.options) & set(o.question.expect)))
    m.suggested_oos = share(outside, lambda o: o.status == NO_ANSWER and bool(o.options))
    # A group's paraphrases in one language form one group of three: consistency asks whether
    # one wording or another changes the answer, not whether the two languages' articles agree.
    groups: dict[tuple[str, str], list[Outcome]] = defaultdict(list)
    for o in inside:
        if o.question.group:
            groups[(o.question.group, o.question.lang)].append(o)
    full = [g for g in groups.values() if len(g) >= 2]
    m.groups = len(full)
    if full:
        m.consistency = sum(all(o.status == ANSWER for o in g)
                            and len({o.article for o in g}) == 1 for g in full) / len(full)
    turns = [o for o in inside if o.question.previous]
    m.multi_turn_items = len(turns)
    if turns:
        m.multi_turn = share(turns, lambda o: o.right_article)
    return m


def by_language(outcomes: Sequence[Outcome]) -> dict[str, Metrics]:
    return {"fr": metrics([o for o in outcomes if o.question.lang == "fr"]),
            "en": metrics([o for o in outcomes if o.question.lang == "en"]),
            "all": metrics(outcomes)}

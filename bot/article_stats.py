"""Article statistics: which articles the bot serves, which users like, which it never serves.

Advisors need to know where to spend their time: an article served often and rated "not
helpful" needs rewriting, one never served needs better example questions (or is not needed).
Everything is counted from what is stored, never estimated:
- served and clarifications: Rasa's tracker store, whose bot events carry the knowledge
  payload (`kb_answer` names the article and the language of the section shown, `kb_clarify`
  the articles offered);
- helpful / not helpful: the app database's feedback rows. A feedback row does not name the
  article, so it is matched to the knowledge answer it rates in its conversation: the one
  with the same text, else the latest one before the feedback. Rows matching none are counted
  apart (`unattributed`), not guessed;
- titles and the number of example questions: the knowledge files' front matter.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select

from bot import storage
from bot.settings import LANGUAGES
from bot.tracker_store import TrackerReader, payload_type


@dataclass
class ArticleStats:
    article: str
    lang: str
    title: str = ""
    served: int = 0
    helpful: int = 0
    not_helpful: int = 0
    clarifications: int = 0
    last_served: dt.datetime | None = None
    questions: int = 0
    in_knowledge: bool = True  # False: served in the period, but its file is gone


COLUMNS = tuple(f.name for f in fields(ArticleStats))
SORTABLE = COLUMNS[:-1]


@dataclass
class StatsReport:
    rows: list[ArticleStats]
    since: dt.datetime
    tracker_available: bool
    unattributed: int = 0  # feedback rows that rate no knowledge answer found in the store
    never_served: list[ArticleStats] = field(default_factory=list)


def catalogue(knowledge_dir: Path) -> dict[tuple[str, str], tuple[str, int]]:
    """(article id, lang) -> (title, number of example questions), from the front matter
    alone: cheap enough for a page view, and an article with errors still counts."""
    found: dict[tuple[str, str], tuple[str, int]] = {}
    for lang in LANGUAGES:
        for path in sorted((knowledge_dir / lang).glob("*.md")):
            text = path.read_bytes().decode("utf-8", "replace").lstrip("\ufeff")
            meta: Any = None
            if text.startswith("---"):
                try:
                    meta = yaml.safe_load(text[3:].split("\n---", 1)[0])
                except yaml.YAMLError:
                    meta = None
            meta = meta if isinstance(meta, dict) else {}
            questions = meta.get("questions")
            found[(path.stem, lang)] = (str(meta.get("title") or path.stem),
                                        len(questions) if isinstance(questions, list) else 0)
    return found


def _same_text(a: str, b: str) -> bool:
    """The widget sends back the answer as shown; the API cleaned its spaces, so compare
    whitespace-folded text, and a prefix (the stored excerpt is cut at 1000 characters)."""
    a, b = " ".join(a.split()), " ".join(b.split())
    return bool(a) and bool(b) and (a == b or a.startswith(b) or b.startswith(a))


def _utc(timestamp: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(timestamp, dt.UTC).replace(tzinfo=None)


def collect(knowledge_dir: Path, database_url: str, tracker_url: str, since: dt.datetime,
            until: dt.datetime | None = None) -> StatsReport:
    """Counts per article and language between `since` and `until` (naive UTC)."""
    until = until or storage.utcnow()
    rows: dict[tuple[str, str], ArticleStats] = {
        key: ArticleStats(key[0], key[1], title, questions=count)
        for key, (title, count) in catalogue(knowledge_dir).items()}

    def row(article: str, lang: str) -> ArticleStats:
        if (article, lang) not in rows:
            rows[(article, lang)] = ArticleStats(article, lang, article, in_knowledge=False)
        return rows[(article, lang)]

    replies = TrackerReader(tracker_url).knowledge_replies(
        since.replace(tzinfo=dt.UTC).timestamp())
    answers: dict[str, list[tuple[dt.datetime, str, str, str]]] = {}
    for conversation, timestamp, event in replies or []:
        at = _utc(timestamp)
        if at > until:
            continue
        custom = event["data"]["custom"]
        kind = payload_type(event)
        if kind == "kb_answer" and isinstance(custom.get("article"), str):
            lang = str(custom.get("answer_language") or custom.get("language") or "fr")
            stats = row(custom["article"], lang)
            stats.served += 1
            stats.last_served = max(stats.last_served or at, at)
            answers.setdefault(conversation, []).append(
                (at, custom["article"], lang, str(event.get("text") or "")))
        elif kind == "kb_clarify" and isinstance(custom.get("options"), list):
            for option in custom["options"]:
                row(str(option), str(custom.get("language") or "fr")).clarifications += 1
    unattributed = 0
    with storage.session_for(database_url) as db:
        feedback = list(db.scalars(select(storage.Feedback).where(
            storage.Feedback.created_at >= since, storage.Feedback.created_at <= until)))
    for item in feedback:
        rated = _rated(answers.get(item.conversation_id, []), item)
        if rated is None:
            unattributed += 1
            continue
        stats = row(*rated)
        if item.helpful:
            stats.helpful += 1
        else:
            stats.not_helpful += 1
    ordered = sort_rows(list(rows.values()), "served", descending=True)
    return StatsReport(ordered, since, replies is not None, unattributed,
                       [r for r in ordered if r.served == 0 and r.in_knowledge])


def _rated(answers: Sequence[tuple[dt.datetime, str, str, str]],
           item: storage.Feedback) -> tuple[str, str] | None:
    """The (article, lang) of the answer a feedback row rates (see the module docstring)."""
    for _, article, lang, text in reversed(answers):
        if _same_text(text, item.answer_excerpt):
            return article, lang
    before = [a for a in answers if a[0] <= item.created_at]
    return (before[-1][1], before[-1][2]) if before else None


def sort_rows(rows: list[ArticleStats], key: str, descending: bool) -> list[ArticleStats]:
    """Sorted by one column (ties by article and language); empty dates sort as oldest."""
    if key not in SORTABLE:
        key = "served"

    def value(r: ArticleStats) -> Any:
        found = getattr(r, key)
        return found if found is not None else dt.datetime.min

    ordered = sorted(rows, key=lambda r: (r.article, r.lang))
    return sorted(ordered, key=value, reverse=descending)


def to_csv(rows: Iterable[ArticleStats], cell: Callable[[Any], str] = str) -> str:
    """The table as CSV (one header line), each value through `cell` (the console passes
    its formula-neutralising one)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for r in rows:
        values = asdict(r)
        values["last_served"] = r.last_served.isoformat(" ", "seconds") if r.last_served else ""
        writer.writerow([cell(values[name]) for name in COLUMNS])
    return out.getvalue()

"""What a knowledge file becomes once parsed: its sources, sections and dated figures."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from bot.knowledge.issues import Issue


@dataclass(frozen=True)
class Source:
    """One entry of the front matter's `sources:`; `id` is what sections cite."""

    id: str
    title: str
    url: str
    date: str


@dataclass(frozen=True)
class Fact:
    """A dated figure: `date` is the as-of marker (first day of the year or month when the
    marker is partial), `line` its line in the file, `snippet` its sentence as users see it,
    `marker` the marker as written (e.g. "2021-06")."""

    date: dt.date
    line: int
    snippet: str
    marker: str = ""


@dataclass(frozen=True)
class Section:
    """A heading and its paragraph: the unit the bot shows as an answer. `text` is rendered
    (markers replaced, sources line removed); `sources` are the ones its sources line names."""

    article_id: str
    lang: str
    position: int
    heading: str
    text: str
    line: int
    sources: tuple[Source, ...] = ()
    facts: tuple[Fact, ...] = ()

    @property
    def key(self) -> str:
        return f"{self.lang}/{self.article_id}#{self.position}"


@dataclass(frozen=True)
class Article:
    id: str
    lang: str
    title: str
    topics: tuple[str, ...]
    sources: tuple[Source, ...]
    reviewed: dt.date
    related: tuple[str, ...]
    questions: tuple[str, ...]
    sections: tuple[Section, ...]
    path: Path
    # The section an example question was attached to, by heading (questions not listed here
    # belong to the whole article): `- {q: "…", section: "…"}` in the front matter.
    question_sections: dict[str, str] = field(default_factory=dict, compare=False, hash=False)
    # Line of each front-matter field, so cross-file checks can point at the right line.
    field_lines: dict[str, int] = field(default_factory=dict, compare=False, hash=False)

    @property
    def key(self) -> str:
        return f"{self.lang}/{self.id}"

    @property
    def facts(self) -> tuple[Fact, ...]:
        return tuple(f for s in self.sections for f in s.facts)


@dataclass
class Corpus:
    """Every article that parsed, and every issue found on the way."""

    articles: list[Article] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.level == "error"]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if i.level == "warning"]

    def get(self, article_id: str, lang: str) -> Article | None:
        for article in self.articles:
            if article.id == article_id and article.lang == lang:
                return article
        return None

"""Knowledge articles: parse the advisors' Markdown files and check them.

Advisors are not developers, so every problem is reported as an `Issue` naming the file, the
line and the fix, and nothing here raises on bad content: the caller decides whether errors
stop a build.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import yaml

LANGUAGES = ("fr", "en")
TOPICS = (
    "strategy", "channels", "platforms", "social-media", "marketing", "logistics", "regulation",
    "food", "cosmetics", "baby", "trademarks", "payments", "customer-service", "costs",
    "support", "figures",
)
REQUIRED_FIELDS = ("id", "lang", "title", "topics", "sources", "reviewed", "questions")
ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
KB_LINK = re.compile(r"\[([^\]]+)\]\(kb:([^)\s]+)\)")
SENTENCE_END = re.compile(r"(?<=[.!?…])\s+(?=[A-ZÀ-ÖØ-Ý0-9«\"(*])")
MAX_SECTION_CHARS = 900
MAX_FILE_BYTES = 200_000
MIN_QUESTIONS = 3


@dataclass(frozen=True)
class Issue:
    """One problem found in a knowledge file; `level` is "error" or "warning"."""

    path: Path
    line: int
    message: str
    fix: str
    level: str = "error"

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.level}: {self.message} — {self.fix}"


@dataclass(frozen=True)
class Source:
    title: str
    url: str
    date: str


@dataclass(frozen=True)
class Section:
    """A heading and its paragraph: the unit the bot shows as an answer."""

    article_id: str
    lang: str
    position: int
    heading: str
    text: str
    line: int

    @property
    def key(self) -> str:
        return f"{self.lang}/{self.article_id}#{self.position}"


@dataclass(frozen=True)
class Article:
    id: str
    lang: str
    title: str
    topics: Tuple[str, ...]
    sources: Tuple[Source, ...]
    reviewed: dt.date
    related: Tuple[str, ...]
    questions: Tuple[str, ...]
    sections: Tuple[Section, ...]
    path: Path
    # Line of each front-matter field, so cross-file checks can point at the right line.
    field_lines: Dict[str, int] = field(default_factory=dict, compare=False, hash=False)

    @property
    def key(self) -> str:
        return f"{self.lang}/{self.id}"


@dataclass
class Corpus:
    """Every article that parsed, and every issue found on the way."""

    articles: List[Article] = field(default_factory=list)
    issues: List[Issue] = field(default_factory=list)

    @property
    def errors(self) -> List[Issue]:
        return [i for i in self.issues if i.level == "error"]

    @property
    def warnings(self) -> List[Issue]:
        return [i for i in self.issues if i.level == "warning"]

    def get(self, article_id: str, lang: str) -> Optional[Article]:
        for article in self.articles:
            if article.id == article_id and article.lang == lang:
                return article
        return None


def split_sentences(text: str) -> List[str]:
    """Split a paragraph into sentences, so answers can be cut at a clean boundary."""
    return [s.strip() for s in SENTENCE_END.split(text.strip()) if s.strip()]


def knowledge_files(knowledge_dir: Path) -> List[Path]:
    """The article files: every `*.md` under the language folders, README excluded."""
    return sorted(p for p in knowledge_dir.glob("*/*.md") if p.is_file())


def load_corpus(knowledge_dir: Path, today: Optional[dt.date] = None,
                stale_after_months: int = 12) -> Corpus:
    """Parse and check every article; cross-file checks run after each file parsed."""
    corpus = Corpus()
    if not knowledge_dir.is_dir():
        corpus.issues.append(Issue(knowledge_dir, 0, "the knowledge folder does not exist",
                                   "create it, with one sub-folder per language (fr/, en/)"))
        return corpus
    for path in knowledge_files(knowledge_dir):
        article, issues = parse_article(path)
        corpus.issues.extend(issues)
        if article is not None:
            corpus.articles.append(article)
    corpus.issues.extend(_cross_checks(corpus.articles, today or dt.date.today(),
                                       stale_after_months))
    return corpus


def parse_article(path: Path) -> Tuple[Optional[Article], List[Issue]]:
    """Parse one file; returns the article (None when unusable) and the issues found."""
    issues: List[Issue] = []

    def error(line: int, message: str, fix: str) -> None:
        issues.append(Issue(path, line, message, fix))

    raw = path.read_bytes()
    if len(raw) > MAX_FILE_BYTES:
        error(1, f"the file is {len(raw)} bytes, over the {MAX_FILE_BYTES}-byte limit",
              "split it into several articles, one topic each")
        return None, issues
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        error(line, "the file is not valid UTF-8 text",
              "save it again with the UTF-8 encoding (in your editor: 'Save with encoding')")
        return None, issues
    text = text.lstrip("\ufeff")
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        error(1, "the file does not start with front matter",
              "put a line '---' first, then the fields (id, lang, title, ...), then '---'")
        return None, issues
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() == "---")
    except StopIteration:
        error(1, "the front matter is never closed", "add a line '---' after the last field")
        return None, issues
    try:
        meta = yaml.safe_load("\n".join(lines[1:end])) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = (mark.line + 2) if mark is not None else 1
        problem = getattr(exc, "problem", None) or str(exc).split("\n")[0]
        error(line, f"the front matter is not valid YAML ({problem})",
              "check the indentation and put quotes around values containing ':' or '#'")
        return None, issues
    if not isinstance(meta, dict):
        error(2, "the front matter is not a list of 'field: value' lines",
              "write one 'field: value' per line between the two '---' lines")
        return None, issues

    def field_line(name: str) -> int:
        for i in range(1, end):
            if lines[i].startswith(f"{name}:"):
                return i + 1
        return 1

    missing = [name for name in REQUIRED_FIELDS if name not in meta]
    for name in missing:
        error(1, f"the required field '{name}' is missing",
              f"add a line '{name}: ...' to the front matter (see knowledge/README.md)")
    if missing:
        return None, issues

    article_id = str(meta["id"])
    if not ID_PATTERN.match(article_id):
        error(field_line("id"), f"the id '{article_id}' is not valid",
              "use lowercase letters, digits and hyphens only, e.g. 'tmall-global'")
    if article_id != path.stem:
        error(field_line("id"), f"the id '{article_id}' differs from the file name '{path.name}'",
              f"rename the file to '{article_id}.md' or change the id to '{path.stem}'")
    lang = str(meta["lang"])
    if lang not in LANGUAGES:
        error(field_line("lang"), f"the language '{lang}' is not supported",
              "write 'lang: fr' or 'lang: en'")
    elif path.parent.name != lang:
        error(field_line("lang"), f"lang is '{lang}' but the file is in '{path.parent.name}/'",
              f"move the file to knowledge/{lang}/ or correct the lang field")
    title = meta["title"]
    if not isinstance(title, str) or not title.strip():
        error(field_line("title"), "the title is empty", "write a short title in quotes")
    topics = meta["topics"]
    if not isinstance(topics, list) or not topics:
        error(field_line("topics"), "topics must be a non-empty list",
              "write e.g. 'topics: [platforms, costs]'")
        topics = []
    for topic in topics:
        if topic not in TOPICS:
            error(field_line("topics"), f"the topic '{topic}' is not in the list",
                  "use only: " + ", ".join(TOPICS))
    sources = _parse_sources(meta["sources"], field_line("sources"), error)
    reviewed = meta["reviewed"]
    if isinstance(reviewed, str):
        try:
            reviewed = dt.date.fromisoformat(reviewed)
        except ValueError:
            pass
    if not isinstance(reviewed, dt.date):
        error(field_line("reviewed"), f"the review date '{reviewed}' is not a date",
              "write it as YYYY-MM-DD, e.g. 'reviewed: 2026-11-27'")
        reviewed = dt.date.min
    related = meta.get("related") or []
    if not isinstance(related, list):
        error(field_line("related"), "related must be a list of article ids",
              "write e.g. 'related: [tmall-global, jd-worldwide]'")
        related = []
    questions = meta["questions"]
    if not isinstance(questions, list) or len(questions) < MIN_QUESTIONS \
            or not all(isinstance(q, str) and q.strip() for q in questions):
        error(field_line("questions"), f"at least {MIN_QUESTIONS} example questions are needed",
              "list questions this article answers, one per line starting with '  - '")
        questions = [q for q in questions if isinstance(q, str)] if isinstance(questions, list) else []

    sections = _parse_sections(lines, end + 1, article_id, lang, error)
    if issues:
        return None, issues
    article = Article(
        id=article_id, lang=lang, title=title.strip(), topics=tuple(topics),
        sources=tuple(sources), reviewed=reviewed, related=tuple(str(r) for r in related),
        questions=tuple(q.strip() for q in questions), sections=tuple(sections), path=path,
        field_lines={name: field_line(name) for name in meta},
    )
    return article, issues


def _parse_sources(value: object, line: int, error) -> List[Source]:
    if not isinstance(value, list) or not value:
        error(line, "sources must be a non-empty list",
              "add at least one source with title, url and date (see knowledge/README.md)")
        return []
    sources = []
    for entry in value:
        if not isinstance(entry, dict) or not all(entry.get(k) for k in ("title", "url", "date")):
            error(line, f"a source lacks its title, url or date: {entry!r}",
                  "give every source the three fields 'title:', 'url:' and 'date:'")
            continue
        url = str(entry["url"])
        if not url.startswith(("http://", "https://")):
            error(line, f"the source url '{url}' is not a web address",
                  "write the full address, starting with https://")
            continue
        sources.append(Source(str(entry["title"]), url, str(entry["date"])))
    return sources


def _parse_sections(lines: Sequence[str], start: int, article_id: str, lang: str,
                    error) -> List[Section]:
    """Split the body at `## ` headings; text before the first heading is not allowed."""
    sections: List[Section] = []
    heading: Optional[str] = None
    heading_line = 0
    body: List[str] = []

    def close() -> None:
        if heading is None:
            return
        text = " ".join(part.strip() for part in body if part.strip())
        if not text:
            error(heading_line, f"the section '{heading}' is empty",
                  "write a paragraph of 2 to 5 sentences under the heading, or remove it")
        elif len(text) > MAX_SECTION_CHARS:
            error(heading_line, f"the section '{heading}' is {len(text)} characters long",
                  f"keep a section under {MAX_SECTION_CHARS} characters: split it in two sections")
        elif re.search(r"<\s*/?\s*[a-zA-Z][^>]*>", text):
            error(heading_line, f"the section '{heading}' contains HTML",
                  "write plain text; use **bold** and [text](https://...) links only")
        else:
            sections.append(Section(article_id, lang, len(sections), heading, text, heading_line))

    for number in range(start, len(lines)):
        line = lines[number]
        if line.startswith("## "):
            close()
            heading, heading_line, body = line[3:].strip(), number + 1, []
        elif line.startswith("#"):
            error(number + 1, "only '## ' headings are allowed in an article",
                  "start each section with '## ' followed by its heading")
        elif heading is None:
            if line.strip():
                error(number + 1, "there is text before the first section heading",
                      "put a '## Heading' line above this text")
        else:
            body.append(line)
    close()
    if not sections and heading is None:
        error(start + 1, "the article has no section",
              "add at least one '## Heading' followed by a paragraph")
    return sections


def _cross_checks(articles: List[Article], today: dt.date,
                  stale_after_months: int) -> List[Issue]:
    """Checks that need the whole corpus: duplicates, FR/EN pairs, links, stale reviews."""
    issues: List[Issue] = []
    seen: Dict[Tuple[str, str], Article] = {}
    for article in articles:
        key = (article.id, article.lang)
        if key in seen:
            issues.append(Issue(article.path, article.field_lines.get("id", 1),
                                f"the id '{article.id}' is already used by "
                                f"{seen[key].path}", "give each article its own id"))
        seen[key] = article
    ids = {article.id for article in articles}
    for article in articles:
        other = "en" if article.lang == "fr" else "fr"
        if (article.id, other) not in seen:
            issues.append(Issue(article.path, 1, f"there is no {other.upper()} version of "
                                f"'{article.id}'",
                                f"add knowledge/{other}/{article.id}.md with the same id"))
        for target in article.related:
            if target not in ids:
                issues.append(Issue(article.path, article.field_lines.get("related", 1),
                                    f"related article '{target}' does not exist",
                                    "correct the id or remove it from 'related'"))
        for section in article.sections:
            for _, target in KB_LINK.findall(section.text):
                if target not in ids:
                    issues.append(Issue(article.path, section.line,
                                        f"the link to 'kb:{target}' points to no article",
                                        "correct the id after 'kb:' or remove the link"))
        age_months = (today.year - article.reviewed.year) * 12 + today.month - article.reviewed.month
        if age_months > stale_after_months:
            issues.append(Issue(article.path, 1, f"last reviewed {article.reviewed}, "
                                f"{age_months} months ago",
                                "check the facts and figures, then update 'reviewed'",
                                level="warning"))
    return issues

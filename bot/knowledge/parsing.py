"""One knowledge file: its front matter (id, lang, title, topics, sources, reviewed, related,
questions) and its sections, parsed and checked; every problem becomes an Issue, nothing raises
on bad content (the caller decides whether errors stop a build)."""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from pathlib import Path

import yaml

from bot.knowledge.checks import article_checks
from bot.knowledge.issues import Issue
from bot.knowledge.lexical import fold
from bot.knowledge.model import Article, Source
from bot.knowledge.sections import Report, parse_sections
from bot.settings import LANGUAGES

TOPICS = (
    "strategy", "channels", "platforms", "social-media", "marketing", "logistics", "regulation",
    "food", "cosmetics", "baby", "trademarks", "payments", "customer-service", "costs",
    "support", "figures",
)
REQUIRED_FIELDS = ("id", "lang", "title", "topics", "sources", "reviewed", "questions")
ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MAX_FILE_BYTES = 200_000
MIN_QUESTIONS = 3


def parse_article(path: Path, today: dt.date | None = None
                  ) -> tuple[Article | None, list[Issue]]:
    """Parse one file; returns the article (None when it has errors) and the issues found."""
    issues: list[Issue] = []
    today = today or dt.date.today()

    def report(line: int, code: str, level: str = "error", variant: str = "",
               **params: object) -> None:
        issues.append(Issue.of(path, line, code, level, variant, **params))

    raw = path.read_bytes()
    if len(raw) > MAX_FILE_BYTES:
        report(1, "file-too-large", size=len(raw), limit=MAX_FILE_BYTES)
        return None, issues
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        report(line, "file-encoding")
        return None, issues
    text = text.lstrip("\ufeff")
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        report(1, "front-matter-missing")
        return None, issues
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() == "---")
    except StopIteration:
        report(1, "front-matter-unclosed")
        return None, issues
    try:
        meta = _load_front_matter("\n".join(lines[1:end])) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = (mark.line + 2) if mark is not None else 1
        problem = getattr(exc, "problem", None) or str(exc).split("\n")[0]
        report(line, "front-matter-yaml", problem=problem)
        return None, issues
    if not isinstance(meta, dict):
        report(2, "front-matter-yaml", variant="not-fields")
        return None, issues

    def field_line(name: str) -> int:
        for i in range(1, end):
            if lines[i].startswith(f"{name}:"):
                return i + 1
        return 1

    missing = [name for name in REQUIRED_FIELDS if name not in meta]
    for name in missing:
        report(1, "field-missing", field=name)
    if missing:
        return None, issues

    article_id = str(meta["id"])
    if not ID_PATTERN.match(article_id):
        report(field_line("id"), "id-invalid", id=article_id)
    if article_id != path.stem:
        report(field_line("id"), "id-file-mismatch", id=article_id, file=path.name,
               stem=path.stem)
    lang = str(meta["lang"])
    if lang not in LANGUAGES:
        report(field_line("lang"), "lang-unsupported", lang=lang)
    elif path.parent.name != lang:
        report(field_line("lang"), "lang-folder-mismatch", lang=lang, folder=path.parent.name)
    title = meta["title"]
    if not isinstance(title, str) or not title.strip():
        report(field_line("title"), "title-empty")
        title = ""
    topics = meta["topics"]
    if not isinstance(topics, list) or not topics:
        report(field_line("topics"), "topics-invalid")
        topics = []
    for topic in topics:
        if topic not in TOPICS:
            report(field_line("topics"), "topic-unknown", topic=topic, topics=", ".join(TOPICS))
    sources_line = field_line("sources")
    sources = _parse_sources(meta["sources"], sources_line,
                             _entry_lines(lines, sources_line - 1, end), report)
    reviewed = meta["reviewed"]
    if isinstance(reviewed, str):
        try:
            reviewed = dt.date.fromisoformat(reviewed)
        except ValueError:
            pass
    if not isinstance(reviewed, dt.date):
        report(field_line("reviewed"), "reviewed-invalid", value=reviewed)
        reviewed = dt.date.min
    related = meta.get("related") or []
    if not isinstance(related, list):
        report(field_line("related"), "related-invalid")
        related = []
    questions, question_sections = _questions(meta["questions"])
    if questions is None:
        report(field_line("questions"), "question-entry-invalid")
        questions = []
    elif len(questions) < MIN_QUESTIONS:
        report(field_line("questions"), "questions-too-few", minimum=MIN_QUESTIONS)

    by_id = {source.id: source for source in sources}
    sections = parse_sections(lines, end + 1, article_id, lang, by_id, today, report)
    if any(issue.level == "error" for issue in issues):
        return None, issues
    article_checks(sections, lang, sources, sources_line, report)
    headings = {section.heading for section in sections}
    for question, heading in question_sections.items():
        if heading not in headings:
            report(field_line("questions"), "question-section-unknown", question=question,
                   section=heading)
    if any(issue.level == "error" for issue in issues):
        return None, issues
    article = Article(
        id=article_id, lang=lang, title=title.strip(), topics=tuple(topics),
        sources=tuple(sources), reviewed=reviewed, related=tuple(str(r) for r in related),
        questions=tuple(questions), sections=tuple(sections), path=path,
        field_lines={name: field_line(name) for name in meta},
        question_sections=question_sections,
    )
    return article, issues


def _questions(entries: object) -> tuple[list[str] | None, dict[str, str]]:
    """The example questions, and the section heading of those attached to one section
    (`{q: "…", section: "…"}` entries); None when an entry is neither form."""
    if not isinstance(entries, list):
        return [], {}  # (not a list: too few)
    questions: list[str] = []
    sections: dict[str, str] = {}
    for entry in entries:
        if isinstance(entry, dict) and set(entry) == {"q", "section"} \
                and isinstance(entry["q"], str) and isinstance(entry["section"], str):
            question, heading = entry["q"].strip(), entry["section"].strip()
            if question and heading:
                sections[question] = heading
        elif isinstance(entry, str):
            question = entry.strip()
        else:
            return None, {}
        if not question:
            return None, {}
        questions.append(question)
    return questions, sections


# libyaml's parser when PyYAML has it (the front matter is most of a check's time); its error
# messages differ, so a file it refuses is read again by PyYAML's own for the usual message.
_FAST_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _load_front_matter(text: str) -> object:
    try:
        return yaml.load(text, Loader=_FAST_LOADER)  # a safe loader, C or Python
    except yaml.YAMLError:
        return yaml.safe_load(text)


def _entry_lines(lines: Sequence[str], field_index: int, end: int) -> list[int]:
    """Line numbers of the `- ` entries of a front-matter list starting at `field_index`."""
    found = []
    for i in range(field_index + 1, end):
        line = lines[i]
        if line.strip() and not line[0].isspace() and not line.startswith("-"):
            break  # the next field
        if re.match(r"^\s*-(\s|$)", line):
            found.append(i + 1)
    return found


def _suggest_id(title: str, taken: set[str]) -> str:
    """A source id to suggest: the publisher in brackets at the end of the title when there is
    one ("… (Cifnews)" → "cifnews"), else its first words; never one already taken."""
    ascii_title = fold(title)
    publisher = re.search(r"\(([^()]+)\)\s*$", ascii_title)
    words = [w for w in re.findall(r"[a-z0-9]+", (publisher.group(1) if publisher
                                                  else ascii_title).lower().replace("'s", ""))
             if len(w) > 1 and w not in {"the", "of", "and", "in", "la", "le", "les", "de",
                                          "des", "du"}]
    base = "-".join(words[:3]) or "source"
    candidate, number = base, 2
    while candidate in taken:
        candidate, number = f"{base}-{number}", number + 1
    taken.add(candidate)
    return candidate


def _parse_sources(value: object, line: int, entry_lines: list[int],
                   report: Report) -> list[Source]:
    if not isinstance(value, list) or not value:
        report(line, "sources-invalid")
        return []
    sources: list[Source] = []
    seen: dict[str, int] = {}
    taken = {str(e.get("id")) for e in value if isinstance(e, dict) and e.get("id")}
    for number, entry in enumerate(value):
        at = entry_lines[number] if number < len(entry_lines) else line
        if not isinstance(entry, dict) or not all(entry.get(k) for k in ("title", "url", "date")):
            report(at, "source-invalid", entry=repr(entry))
            continue
        url = str(entry["url"])
        if not url.startswith(("http://", "https://")):
            report(at, "source-url-invalid", url=url)
            continue
        source_id = str(entry.get("id") or "").strip()
        if not source_id:
            report(at, "source-no-id", title=entry["title"],
                   suggested=_suggest_id(str(entry["title"]), taken))
            continue
        if not ID_PATTERN.match(source_id):
            report(at, "source-id-invalid", id=source_id)
            continue
        if source_id in seen:
            report(at, "source-duplicate-id", id=source_id, first_line=seen[source_id])
            continue
        seen[source_id] = at
        sources.append(Source(source_id, str(entry["title"]), url, str(entry["date"])))
    return sources

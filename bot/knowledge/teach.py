"""Teaching the bot from the console: example questions added to an article's front matter,
and new articles drafted from a group of unanswered questions.

Advisors attach a question the bot missed to the article that answers it. The knowledge file
stays the single source of truth, so the question is written into it (one line per question,
the front matter still readable), never into a side table the engine would have to merge.
How a write is made safe (hash check, `bot check`, atomic replace, log, undo):
bot/knowledge/publish.py.
"""
from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import yaml

from bot.knowledge.publish import (
    KnowledgeChange,
    TeachError,
    Workspace,
    Write,
    article_path,
    file_lock,
    publish,
    read_text,
)

MAX_QUESTION_CHARS = 300  # a question, not a paragraph: longer text is a paste error


def clean_question(question: str) -> str:
    """One line, single spaces, at most MAX_QUESTION_CHARS: what goes into the file."""
    text = " ".join(question.split())
    if len(text) > MAX_QUESTION_CHARS:
        text = text[:MAX_QUESTION_CHARS].rsplit(" ", 1)[0]
    return text

# ---------------------------------------------------------------------------- front matter


def add_questions(text: str, questions: Sequence[str], section: str = ""
                  ) -> tuple[str, list[str]]:
    """The text with `questions` appended to the front matter's `questions:` list, one
    `  - "…"` line each (`  - {q: "…", section: "…"}` when they answer one section of the
    article), in the style of the existing entries; and the questions really added (empty
    ones and those already listed, ignoring case and spaces, are skipped)."""
    lines = text.split("\n")
    if not lines or lines[0].lstrip("\ufeff").strip() != "---":
        raise TeachError("front-matter", "the file does not start with front matter")
    end = next((i for i in range(1, len(lines)) if lines[i].strip() == "---"), None)
    if end is None:
        raise TeachError("front-matter", "the front matter is never closed")
    try:
        meta = yaml.safe_load("\n".join(lines[1:end])) or {}
    except yaml.YAMLError as exc:
        raise TeachError("front-matter", "the front matter is not valid YAML") from exc
    start = next((i for i in range(1, end) if lines[i].startswith("questions:")), None)
    existing = meta.get("questions") if isinstance(meta, dict) else None
    if start is None or not isinstance(existing, list) \
            or lines[start].split(":", 1)[1].split("#", 1)[0].strip():
        raise TeachError("questions-not-a-list",
                         "the 'questions:' field is not a list with one '  - ' line per entry")
    seen = {_key(str(q.get("q") if isinstance(q, dict) else q)) for q in existing}
    added: list[str] = []
    for question in questions:
        cleaned = clean_question(question)
        if cleaned and _key(cleaned) not in seen:
            seen.add(_key(cleaned))
            added.append(cleaned)
    last, indent = start, "  "
    for i in range(start + 1, end):
        line = lines[i]
        if line.strip() and not line[0].isspace() and not line.startswith("-"):
            break  # the next field
        if line.strip():
            last = i
        entry = re.match(r"^(\s*)-(\s|$)", line)
        if entry and i == start + 1:
            indent = entry.group(1)
    heading = json.dumps(section, ensure_ascii=False)
    new = [f"{indent}- {{q: {json.dumps(q, ensure_ascii=False)}, section: {heading}}}"
           if section else f"{indent}- {json.dumps(q, ensure_ascii=False)}" for q in added]
    return "\n".join(lines[:last + 1] + new + lines[last + 1:]), added


def _key(question: str) -> str:
    return " ".join(question.casefold().split())


def attach(ws: Workspace, article_id: str, lang: str, questions: Sequence[str],
           expected_hash: str, advisor: str, section: str = "") -> KnowledgeChange:
    """Add `questions` as example questions of article `lang/article_id`."""
    return attach_languages(ws, article_id, {lang: (questions, expected_hash)}, advisor,
                            section)[0]


def attach_languages(ws: Workspace, article_id: str,
                     by_lang: Mapping[str, tuple[Sequence[str], str]], advisor: str,
                     section: str = "") -> list[KnowledgeChange]:
    """Add each language's questions to that language's file of the article, as one change
    (both written or neither), each file checked against the hash the advisor's page saw.
    `section` (a heading) ties the questions to that section in the file that has it, so the
    engine shows that section for them; the other language's file gets them article-wide."""
    writes = []
    with file_lock(ws.lock_path):
        for lang, (questions, expected_hash) in sorted(by_lang.items()):
            path = article_path(ws.knowledge_dir, article_id, lang)
            current = read_text(path)
            if current is None:
                raise TeachError("unknown-article", f"no article {lang}/{article_id}")
            here = section if re.search(rf"^## {re.escape(section)}\s*$", current,
                                        re.MULTILINE) else ""
            wanted, added = add_questions(current, questions, here)
            if not added:
                continue
            change = KnowledgeChange(
                advisor=advisor, kind="attach", path=f"{lang}/{article_id}.md",
                article_id=article_id, lang=lang, section=section,
                questions_json=json.dumps(added, ensure_ascii=False))
            writes.append(Write(path, expected_hash, current, wanted, change))
        if not writes:
            raise TeachError("nothing-to-add", "every question is already listed")
        return publish(ws, writes)


def create_article(ws: Workspace, article_id: str, texts: dict[str, str], advisor: str,
                   questions: dict[str, list[str]] | None = None) -> list[KnowledgeChange]:
    """Save a new article (one text per language, written together) only when it passes the
    checks and no file of that id exists yet."""
    writes = []
    with file_lock(ws.lock_path):
        for lang, text in texts.items():
            path = article_path(ws.knowledge_dir, article_id, lang)
            change = KnowledgeChange(
                advisor=advisor, kind="draft", path=f"{lang}/{article_id}.md",
                article_id=article_id, lang=lang, questions_json=json.dumps(
                    (questions or {}).get(lang, []), ensure_ascii=False))
            writes.append(Write(path, "", read_text(path), text, change))
        return publish(ws, writes)


# ---------------------------------------------------------------------------- new article


@dataclass
class Draft:
    """A new article as the console's form gives it, in both languages. Every section cites
    every source (the advisor can narrow it in the file later)."""

    article_id: str
    titles: dict[str, str]
    topics: list[str]
    sources: list[dict[str, str]]  # id, title, url, date
    sections: list[dict[str, tuple[str, str]]]  # per section: lang -> (heading, paragraph)
    questions: dict[str, list[str]]
    reviewed: dt.date = field(default_factory=dt.date.today)


def render_article(draft: Draft, lang: str) -> str:
    """The knowledge file of one language, in the format of knowledge/README.md. Strings are
    written as JSON, which is valid YAML, so quotes and colons never break the header."""
    def quoted(value: str) -> str:
        return json.dumps(" ".join(value.split()), ensure_ascii=False)

    lines = ["---", f"id: {draft.article_id}", f"lang: {lang}",
             f"title: {quoted(draft.titles.get(lang, ''))}",
             f"topics: [{', '.join(draft.topics)}]", "sources:"]
    for source in draft.sources:
        lines += [f"  - id: {source.get('id', '')}",
                  f"    title: {quoted(source.get('title', ''))}",
                  f"    url: {quoted(source.get('url', ''))}",
                  f"    date: {quoted(source.get('date', ''))}"]
    lines += [f"reviewed: {draft.reviewed.isoformat()}", "related: []", "questions:"]
    lines += [f"  - {quoted(q)}" for q in draft.questions.get(lang, []) if clean_question(q)]
    lines += ["---", ""]
    label = "Sources :" if lang == "fr" else "Sources:"
    cited = ", ".join(s.get("id", "") for s in draft.sources)
    for section in draft.sections:
        heading, text = section.get(lang, ("", ""))
        lines += [f"## {' '.join(heading.split())}", "", text.strip(), f"{label} {cited}", ""]
    return "\n".join(lines)


def create_draft(ws: Workspace, draft: Draft, advisor: str) -> list[KnowledgeChange]:
    """Save the draft as knowledge/fr and knowledge/en files, only if `bot check` passes."""
    return create_article(ws, draft.article_id,
                          {lang: render_article(draft, lang) for lang in ("fr", "en")},
                          advisor, draft.questions)

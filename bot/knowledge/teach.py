"""Teaching the bot from the console: example questions added to an article's front matter,
a new section added to an article, and new articles drafted from a group of unanswered
questions.

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
    end, meta = _front_matter(lines)
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
    last, indent = _list_block(lines, start, end)
    heading = json.dumps(section, ensure_ascii=False)
    new = [f"{indent}- {{q: {json.dumps(q, ensure_ascii=False)}, section: {heading}}}"
           if section else f"{indent}- {json.dumps(q, ensure_ascii=False)}" for q in added]
    return "\n".join(lines[:last + 1] + new + lines[last + 1:]), added


def _key(question: str) -> str:
    return " ".join(question.casefold().split())


def _front_matter(lines: list[str]) -> tuple[int, object]:
    """The index of the line closing the front matter, and the front matter parsed."""
    if not lines or lines[0].lstrip("\ufeff").strip() != "---":
        raise TeachError("front-matter", "the file does not start with front matter")
    end = next((i for i in range(1, len(lines)) if lines[i].strip() == "---"), None)
    if end is None:
        raise TeachError("front-matter", "the front matter is never closed")
    try:
        return end, yaml.safe_load("\n".join(lines[1:end])) or {}
    except yaml.YAMLError as exc:
        raise TeachError("front-matter", "the front matter is not valid YAML") from exc


def _list_block(lines: list[str], start: int, end: int) -> tuple[int, str]:
    """For the front-matter list field at line `start`: its last line (new entries go after
    it) and the indent of its entries (new ones follow the file's style)."""
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
    return last, indent


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
    """The knowledge file of one language, in the format of knowledge/README.md."""
    lines = ["---", f"id: {draft.article_id}", f"lang: {lang}",
             f"title: {_quoted(draft.titles.get(lang, ''))}",
             f"topics: [{', '.join(draft.topics)}]", "sources:"]
    for source in draft.sources:
        lines += _source_lines(source, "  ")
    lines += [f"reviewed: {draft.reviewed.isoformat()}", "related: []", "questions:"]
    lines += [f"  - {_quoted(q)}" for q in draft.questions.get(lang, []) if clean_question(q)]
    lines += ["---", ""]
    cited = [s.get("id", "") for s in draft.sources]
    for section in draft.sections:
        heading, text = section.get(lang, ("", ""))
        lines += _section_lines(lang, heading, text, cited)
    return "\n".join(lines)


def _quoted(value: str) -> str:
    """One line as a YAML string: JSON, which is valid YAML, so quotes and colons never
    break the header."""
    return json.dumps(" ".join(value.split()), ensure_ascii=False)


def _source_lines(source: Mapping[str, str], indent: str) -> list[str]:
    return [f"{indent}- id: {source.get('id', '')}",
            f"{indent}  title: {_quoted(source.get('title', ''))}",
            f"{indent}  url: {_quoted(source.get('url', ''))}",
            f"{indent}  date: {_quoted(source.get('date', ''))}"]


def _section_lines(lang: str, heading: str, text: str, cited: Sequence[str]) -> list[str]:
    label = "Sources :" if lang == "fr" else "Sources:"
    return [f"## {' '.join(heading.split())}", "", text.strip(),
            f"{label} {', '.join(cited)}", ""]


def create_draft(ws: Workspace, draft: Draft, advisor: str) -> list[KnowledgeChange]:
    """Save the draft as knowledge/fr and knowledge/en files, only if `bot check` passes."""
    return create_article(ws, draft.article_id,
                          {lang: render_article(draft, lang) for lang in ("fr", "en")},
                          advisor, draft.questions)


# ---------------------------------------------------------------------------- new section


@dataclass
class NewSection:
    """A section added to an existing article from the console, in both languages (the
    article's two files keep the same sections in the same order): each language's heading
    and paragraph, the ids of the article's sources it rests on, new sources added to both
    files' front matter, and the questions that called for it, tied to it."""

    article_id: str
    texts: dict[str, tuple[str, str]]  # lang -> (heading, paragraph)
    cite: list[str]
    sources: list[dict[str, str]]  # id, title, url, date
    questions: dict[str, list[str]]


def add_section(text: str, lang: str, heading: str, paragraph: str, cite: Sequence[str],
                sources: Sequence[Mapping[str, str]] = ()) -> str:
    """The article's text with the section appended to its body (a paragraph is one line)
    and `sources` to its front matter's `sources:` list; the section cites `cite` and the new
    sources. A heading or a source id the article already has is refused: a second section
    of that title would shadow the first, and a source id is the article's own key."""
    lines = text.rstrip("\n").split("\n")
    end, meta = _front_matter(lines)
    listed = meta.get("sources") if isinstance(meta, dict) else None
    start = next((i for i in range(1, end) if lines[i].startswith("sources:")), None)
    if start is None or not isinstance(listed, list):
        raise TeachError("front-matter", "the front matter has no 'sources:' list")
    heading = " ".join(heading.split())
    if any(line[3:].strip() == heading for line in lines[end:] if line.startswith("## ")):
        raise TeachError("section-exists", f"the article already has a section '{heading}'")
    known = {str(s.get("id")) for s in listed if isinstance(s, dict)}
    if any(s.get("id", "") in known for s in sources):
        raise TeachError("source-exists", "a new source has the id of one the article lists")
    last, indent = _list_block(lines, start, end)
    added = [line for s in sources for line in _source_lines(s, indent)]
    cited = list(dict.fromkeys([*cite, *(s.get("id", "") for s in sources)]))
    body = _section_lines(lang, heading, " ".join(paragraph.split()), cited)
    return "\n".join(lines[:last + 1] + added + lines[last + 1:] + [""] + body)




def create_section(ws: Workspace, section: NewSection, hashes: Mapping[str, str],
                   advisor: str) -> list[KnowledgeChange]:
    """Add the section to both files of the article as one change (both written or
    neither), each checked against the hash the advisor's page saw, only if `bot check`
    passes; the questions are attached to the new section."""
    writes = []
    with file_lock(ws.lock_path):
        for lang in sorted(section.texts):
            path = article_path(ws.knowledge_dir, section.article_id, lang)
            current = read_text(path)
            if current is None:
                raise TeachError("unknown-article", f"no article {lang}/{section.article_id}")
            heading, paragraph = section.texts[lang]
            heading = " ".join(heading.split())
            wanted = add_section(current, lang, heading, paragraph, section.cite,
                                 section.sources)
            wanted, added = add_questions(wanted, section.questions.get(lang, []), heading)
            change = KnowledgeChange(
                advisor=advisor, kind="section", path=f"{lang}/{section.article_id}.md",
                article_id=section.article_id, lang=lang, section=heading,
                questions_json=json.dumps(added, ensure_ascii=False))
            writes.append(Write(path, hashes.get(lang, ""), current, wanted, change))
        return publish(ws, writes)

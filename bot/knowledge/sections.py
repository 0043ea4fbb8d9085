"""An article's body: `## ` sections, each a paragraph ending with its sources line, checked
sentence by sentence (markers, undated figures, dangling references, length)."""
from __future__ import annotations

import bisect
import datetime as dt
import re
from collections.abc import Callable, Sequence

from bot.knowledge.figures import (
    DANGLING,
    FIXED_MARKER,
    INTERNAL,
    KB_LINK_TARGET,
    MARKER,
    SOURCES_LINE,
    TRANSLATED_WORDING,
    _marker_date,
    _render,
    _sentence_spans,
    _volatile_matches,
)
from bot.knowledge.model import Fact, Section, Source

MAX_SECTION_CHARS = 900
# report(line, code, level="error", variant="", **params): one issue of the file being parsed.
Report = Callable[..., None]


class _Paragraph:
    """The lines of a section joined with spaces, remembering which line each character is on."""

    def __init__(self, numbered: Sequence[tuple[int, str]]):
        parts, self._starts, self._lines, offset = [], [], [], 0
        for number, line in numbered:
            part = line.strip()
            if not part:
                continue
            self._starts.append(offset)
            self._lines.append(number)
            parts.append(part)
            offset += len(part) + 1
        self.text = " ".join(parts)

    def line_at(self, offset: int) -> int:
        if not self._lines:
            return 0
        return self._lines[max(0, bisect.bisect_right(self._starts, offset) - 1)]


def parse_sections(lines: Sequence[str], start: int, article_id: str, lang: str,
                    sources: dict[str, Source], today: dt.date,
                    report: Report) -> list[Section]:
    """Split the body at `## ` headings; text before the first heading is not allowed."""
    sections: list[Section] = []
    heading: str | None = None
    heading_line = 0
    body: list[tuple[int, str]] = []

    def close() -> None:
        if heading is None:
            return
        section = _parse_section(heading, heading_line, body, article_id, lang, len(sections),
                                 sources, today, report)
        if section is not None:
            sections.append(section)

    for number in range(start, len(lines)):
        line = lines[number]
        if line.startswith("## "):
            close()
            heading, heading_line, body = line[3:].strip(), number + 1, []
        elif line.startswith("#"):
            report(number + 1, "heading-level")
        elif heading is None:
            if line.strip():
                report(number + 1, "text-before-heading")
        else:
            body.append((number + 1, line))
    close()
    if not sections and heading is None:
        report(start + 1, "no-section")
    return sections


def _parse_section(heading: str, heading_line: int, body: list[tuple[int, str]],
                   article_id: str, lang: str, position: int, sources: dict[str, Source],
                   today: dt.date, report: Report) -> Section | None:
    content = [(n, line) for n, line in body if line.strip()]
    if not content:
        report(heading_line, "section-empty", heading=heading)
        return None
    cited: list[Source] = []
    ok = True
    last_number, last_line = content[-1]
    match = SOURCES_LINE.match(last_line)
    if match is None:
        report(heading_line, "section-no-source", heading=heading)
        ok = False
    else:
        content = content[:-1]
        ids = [i.strip().strip("`.").strip() for i in re.split(r"[,;]", match.group(1))]
        ids = list(dict.fromkeys(i for i in ids if i))
        if not ids:
            report(last_number, "section-no-source", heading=heading)
            ok = False
        for source_id in ids:
            if source_id in sources:
                cited.append(sources[source_id])
            else:
                report(last_number, "source-unknown", variant="" if sources else "no-ids",
                       heading=heading, source=source_id, available=", ".join(sources))
                ok = False
    for number, line in content:
        if SOURCES_LINE.match(line):
            report(number, "section-source-misplaced", heading=heading)
            ok = False
    if not content:
        report(heading_line, "section-empty", heading=heading)
        return None
    if "{" in heading or "}" in heading:
        report(heading_line, "marker-malformed", variant="heading", heading=heading)
        ok = False

    paragraph = _Paragraph(content)
    raw = paragraph.text
    # Markers: each must be a date or {fixed}; braces that are not a marker are mistakes.
    markers: dict[int, tuple[str, dt.date | None]] = {}  # start offset -> (label, date)
    for m in MARKER.finditer(raw):
        label = m.group(1).strip()
        if label.lower() == FIXED_MARKER:
            markers[m.start()] = (FIXED_MARKER, None)
            continue
        date = _marker_date(label)
        if date is None:
            report(paragraph.line_at(m.start()), "marker-malformed", marker=m.group(0))
            markers[m.start()] = ("", None)
            ok = False
        elif date > today:
            report(paragraph.line_at(m.start()), "marker-future", marker=m.group(0))
            markers[m.start()] = ("", None)
            ok = False
        else:
            markers[m.start()] = (label, date)
    leftover = MARKER.sub("", raw)
    for brace in "{}":
        if brace in leftover:
            report(paragraph.line_at(_stray_offset(raw, brace)), "marker-malformed",
                   variant="stray", brace=brace, heading=heading)
            ok = False

    rendered: list[str] = []
    facts: list[Fact] = []
    for a, b in _sentence_spans(raw):
        sentence = raw[a:b]
        in_sentence = [(a + m.start(), markers.get(a + m.start(), ("", None)))
                       for m in MARKER.finditer(sentence)]
        text = _render(sentence)
        rendered.append(text)
        seen_dates: set[dt.date] = set()
        for offset, (label, date) in in_sentence:
            if date is not None and date not in seen_dates:
                seen_dates.add(date)
                facts.append(Fact(date, paragraph.line_at(offset), text, label))
        if in_sentence:
            continue  # dated, {fixed}, or a malformed marker already reported
        figures = _volatile_matches(sentence)
        if figures:
            first = figures[0]
            report(paragraph.line_at(a + first.start()), "fact-undated",
                   figure=first.group(0).strip())
            ok = False
    text = " ".join(t for t in rendered if t)

    prose = KB_LINK_TARGET.sub(lambda m: " " * len(m.group(0)), raw)  # not link addresses
    for m in DANGLING.finditer(prose):
        report(paragraph.line_at(m.start()), "dangling-reference", phrase=m.group(0),
               heading=heading)
        ok = False
    for m in INTERNAL.finditer(prose):
        report(paragraph.line_at(m.start()), "internal-phrase", phrase=m.group(0),
               heading=heading)
        ok = False
    if lang == "fr":
        for m in TRANSLATED_WORDING.finditer(prose):
            report(paragraph.line_at(m.start()), "translated-wording", level="warning",
                   phrase=m.group(0))

    if len(text) > MAX_SECTION_CHARS:
        report(heading_line, "section-too-long", heading=heading, length=len(text),
               limit=MAX_SECTION_CHARS)
        ok = False
    elif re.search(r"<\s*/?\s*[a-zA-Z][^>]*>", text):
        report(heading_line, "section-html", heading=heading)
        ok = False
    if not ok:
        return None
    return Section(article_id, lang, position, heading, text, heading_line, tuple(cited),
                   tuple(facts))


def _stray_offset(raw: str, brace: str) -> int:
    """Offset of the first brace that is not part of a well-formed `{…}` marker."""
    covered: set[int] = set()
    for m in MARKER.finditer(raw):
        covered.update(range(m.start(), m.end()))
    for offset, char in enumerate(raw):
        if char == brace and offset not in covered:
            return offset
    return 0

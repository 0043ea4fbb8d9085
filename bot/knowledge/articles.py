"""Knowledge articles: parse the advisors' Markdown files and check them.

Advisors are not developers, so every problem is reported as an `Issue` naming the file, the
line and the fix, and nothing here raises on bad content: the caller decides whether errors
stop a build. Each issue also carries a stable `code` (e.g. "fact-undated"), so callers never
match the English message.

The format is described in knowledge/README.md: every section ends with a line
`Sources : <id>, …` naming sources of the front matter, and every volatile figure (an amount,
a percentage, a count of users, a duration, a weight) carries an as-of marker `{2021}`,
`{2021-06}` or `{2021-06-10}`, or the sentence is marked `{fixed}`.
"""
from __future__ import annotations

import bisect
import datetime as dt
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from bot.knowledge.lexical import fold
from bot.settings import LANGUAGES

TOPICS = (
    "strategy", "channels", "platforms", "social-media", "marketing", "logistics", "regulation",
    "food", "cosmetics", "baby", "trademarks", "payments", "customer-service", "costs",
    "support", "figures",
)
REQUIRED_FIELDS = ("id", "lang", "title", "topics", "sources", "reviewed", "questions")
ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
KB_LINK = re.compile(r"\[([^\]]+)\]\(kb:([^)\s]+)\)")
KB_LINK_TARGET = re.compile(r"\]\([^)]*\)")  # the "](address)" part of any Markdown link
SENTENCE_END = re.compile(r"(?<=[.!?…])\s+(?=[A-ZÀ-ÖØ-Ý0-9«\"(*])")
MAX_SECTION_CHARS = 900
MAX_FILE_BYTES = 200_000
MIN_QUESTIONS = 3
DEFAULT_FACT_MAX_AGE_MONTHS = 18
# Two sections of one language sharing this share of their word 5-grams are one paragraph.
DUPLICATE_SHINGLE_SHARE = 0.8
SHINGLE_WORDS = 5


@dataclass(frozen=True)
class Issue:
    """One problem found in a knowledge file; `level` is "error" or "warning", `code` a stable
    name of the check (see knowledge/README.md) for callers that filter issues."""

    path: Path
    line: int
    message: str
    fix: str
    level: str = "error"
    code: str = ""

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.level}: {self.message} — {self.fix}"


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


# ----------------------------------------------------------------------------- sources line
# The last line of a section: "Sources : a, b" (French space optional, any case, "Source" too).
SOURCES_LINE = re.compile(r"^\s*sources?\s*:\s*(.*?)\s*$", re.IGNORECASE)

# ------------------------------------------------------------------------------ date markers
# Anything in braces is a marker; only these forms are valid.
MARKER = re.compile(r"\{([^{}\n]*)\}")
DATE_MARKER = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
FIXED_MARKER = "fixed"
MARKER_FIX = ("write the as-of date as {YYYY}, {YYYY-MM} or {YYYY-MM-DD} (e.g. {2021} or "
              "{2021-06}), or {fixed} for a sentence whose figures do not change")
YEAR = re.compile(r"(?<!\d)(1[89]\d\d|20\d\d)(?!\d)")

# ------------------------------------------------------------------------- volatile figures
# A number: digits grouped by thousands with a space, no-break space, dot or comma
# ("150 000", "150,000", "1.000.000", "29 000,50"), or a plain or decimal number ("5", "9,1",
# "2.5"). Never the tail of a word, of another number or of a code.
_NUMBER = (r"(?<![\w.,/])(?:\d{1,3}(?:[ \u00a0\u202f.,]\d{3})+(?:[.,]\d+)?|\d+(?:[.,]\d+)?)"
           r"(?!\d)")
_GAP = r"[ \u00a0\u202f]*\**[ \u00a0\u202f]*"          # spaces, maybe a "**" bold mark
_SCALE = r"(?:millions?|milliards?|billions?|trillions?|mille|thousand|bn|mrd|mio)"
_OF = r"(?:d['’][ \u00a0]*|de[ \u00a0]+|des[ \u00a0]+|of[ \u00a0]+)"
_SCALED = rf"(?:{_GAP}{_SCALE}\b)?{_GAP}{_OF}?"        # "1,3 milliard d'", "800 million "
_CURRENCY_WORD = r"""(?:
      €|[kKM]€|Md€                                  # euro sign, k€, M€, Md€
    | euros?\b | EUR\b                               # euros
    | yuans?\b | renminbi\b | RMB\b | CNY\b | ¥        # Chinese currency
    | USD\b | US\$ | HK\$ | HKD\b | [kKM]?\$           # dollars as a symbol or code
    | (?:US[ \u00a0]+|Hong[ \u00a0]Kong[ \u00a0]+)?dollars?\b   # dollars as a word
    | CHF\b | francs?[ \u00a0]+suisses?\b | Swiss[ \u00a0]+francs?\b   # Swiss francs
    | GBP\b | £ | livres?[ \u00a0]+sterling\b | pounds?[ \u00a0]+sterling\b
)"""
# Adjectives that may stand between a number and a count noun: "800 million monthly active
# users", "2 millions de jeunes consommateurs".
_COUNT_ADJECTIVE = (r"(?:monthly|daily|weekly|active|registered|new|mobile|online|paying|"
                    r"unique|internet|chinese|young|foreign|belgian|cross-border|e-commerce|"
                    r"nouveaux|nouvelles|jeunes|chinois|chinoises|belges|étrangers|étrangères)")
_COUNT_NOUN = r"""(?:
      utilisat(?:eur|rice)s? | users? | internautes?
    | acheteu(?:r|se)s? | buyers? | shoppers?
    | abonn[ée]e?s? | subscribers? | followers? | fans
    | consommat(?:eur|rice)s? | consumers? | clients? | customers?
    | visiteu(?:r|se)s? | visitors?
    | marques? | brands? | boutiques? | stores? | shops?
    | vendeu(?:r|se)s? | sellers? | marchands? | merchants?
    | colis | parcels? | commandes? | orders? | personnes | people
)\b"""
_DURATION = r"""(?:
      minutes? | heures? | hours? | hrs? | (?-i:h)
    | jours? | days? | (?:working|business|calendar)[ \u00a0]+days?
    | semaines? | weeks? | mois | months?
)\b"""
_WEIGHT = r"(?:(?-i:kg|g)|kilos?|kilogrammes?|kilograms?|grammes?|grams?|tonnes?|tons?)\b"
_PERCENT = (r"(?:%|pour[ \u00a0]*cents?\b|percent\b|per[ \u00a0]+cent\b|"
            r"points?[ \u00a0]+de[ \u00a0]+pourcentage\b|percentage[ \u00a0]+points?\b)")

_CURRENCY_BEFORE = r"(?:US\$|HK\$|\$|€|¥|£|\b(?:USD|EUR|RMB|CNY|CHF|HKD|GBP)\b)[ \u00a0]?"
VOLATILE = re.compile(rf"""
    # an amount, currency after: 150 000 yuans, 1,3 milliard d'euros, 99 US dollars, 5 k€
      (?P<cur_after>{_NUMBER}{_SCALED}{_CURRENCY_WORD})
    # an amount, currency before: RMB 150,000, $25,000, USD 99
    | (?P<cur_before>{_CURRENCY_BEFORE}{_NUMBER})
    # a percentage (tax rate, share, growth): 9,1 %, 13%, 5 pour cent, 2 percent
    | (?P<percent>{_NUMBER}{_GAP}{_PERCENT})
    # a count of people, brands, stores, parcels: 800 millions d'utilisateurs, 2,000 brands
    | (?P<count>{_NUMBER}{_SCALED}(?:{_COUNT_ADJECTIVE}[ \u00a0]+){{0,2}}{_COUNT_NOUN})
    # a duration: 48 heures, 7-day, 3 mois, 3 working days
    | (?P<duration>{_NUMBER}[ \u00a0-]*\**[ \u00a0]*{_DURATION})
    # a weight cap: 30 kg, 500 g
    | (?P<weight>{_NUMBER}{_GAP}{_WEIGHT})
""", re.IGNORECASE | re.VERBOSE)
# Fixed expressions with numbers that are not figures: blanked before the search.
NOT_FIGURES = re.compile(r"""
      24[ \u00a0]*(?:h|heures)[ \u00a0]*(?:/|sur)[ \u00a0]*24     # 24 heures sur 24, 24h/24
    | 7[ \u00a0]*(?:j|jours)[ \u00a0]*(?:/|sur)[ \u00a0]*7        # 7 jours sur 7, 7j/7
    | 24[ \u00a0]*/[ \u00a0]*7                                  # 24/7
    | 24[ \u00a0]+hours[ \u00a0]+a[ \u00a0]+day | 7[ \u00a0]+days[ \u00a0]+a[ \u00a0]+week
    | \]\([^)]*\)                                              # the address of a link
    | \b100[ \u00a0]*%                                         # 100 % (a claim, not a rate)
""", re.IGNORECASE | re.VERBOSE)
# A number right after these words is a reference (article 26, n° 2019-12, GB 7718), not a figure.
REFERENCE_BEFORE = re.compile(
    r"(?:\barticles?|\bart\.|n°|nº|\bno\.|§|\bannexe?|\bd[ée]cret|\bdecree|\bGB(?:/T)?|\bloi"
    r"|\blaw|\bordonnance|\border)[ \u00a0]*$", re.IGNORECASE)
UNDATED_FIX = ("add `{YYYY}` after it (the date the figure was true), or `{fixed}` if it does "
               "not change")

# ---------------------------------------------------------------------------- writing rules
# References that break when a section is shown alone.
DANGLING = re.compile(r"""
      \bci-(?:dessous|dessus|après)\b                          # ci-dessous, ci-dessus, ci-après
    | \b(?:voir[ \u00a0]+la[ \u00a0]+)?section[ \u00a0]+(?:suivante|précédente)\b
    | \bparagraphe[ \u00a0]+(?:suivant|précédent)\b
    | \b(?:next|previous|following|preceding)[ \u00a0]+(?:section|paragraph)\b
    | \b(?:see|mentioned|listed|shown|described|explained|detailed|given|cited|stated|
           outlined|as)[ \u00a0]+(?:above|below)\b             # see above, as shown below
    | \b(?:above|below)(?=[ \u00a0]*(?:[.,;:!?)]|$)            # "the amounts below:" ...
           |[ \u00a0]+(?:is|are|was|were|section|paragraph|table|list|examples?|figures?|
                          amounts?)\b)                         # "the amounts below are"
""", re.IGNORECASE | re.VERBOSE)
# Phrases about the bot's own content, meaningless to a user.
INTERNAL = re.compile(r"""
      \bnos[ \u00a0]+sources\b | \bour[ \u00a0]+sources\b
    | \b(?:cette|notre|la)[ \u00a0]+base[ \u00a0]+de[ \u00a0]+connaissances?\b
    | \b(?:this|our|the)[ \u00a0]+knowledge[ \u00a0]+base\b
""", re.IGNORECASE | re.VERBOSE)
# Translated French that a Belgian adviser would not write (warnings).
TRANSLATED_WORDING = re.compile(
    r"\bagents?[ \u00a0]+domestiques?\b|\bauto-m[ée]dias?\b"
    r"|\bvendeuses?[ \u00a0]+en[ \u00a0]+direct\b", re.IGNORECASE)
ADVISOR = re.compile(
    r"\bconseill(?:er|ère|ers|ères)[ \u00a0]+(?:de[ \u00a0]+l['’][ \u00a0]*)?Awex\b"
    r"|\bAwex[ \u00a0]+advis[eo]rs?\b|\badvis[eo]rs?[ \u00a0]+(?:at|from|of)[ \u00a0]+Awex\b",
    re.IGNORECASE)


def split_sentences(text: str) -> list[str]:
    """Split a paragraph into sentences, so answers can be cut at a clean boundary."""
    return [s.strip() for s in SENTENCE_END.split(text.strip()) if s.strip()]


# Like SENTENCE_END, and a marker may open a sentence ("… fin. {fixed} En 2019, …").
_RAW_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+(?=[A-ZÀ-ÖØ-Ý0-9«\"(*{])")


def _sentence_spans(text: str) -> list[tuple[int, int]]:
    spans, start = [], 0
    for match in _RAW_SENTENCE_END.finditer(text):
        spans.append((start, match.start()))
        start = match.end()
    spans.append((start, len(text)))
    return [(a, b) for a, b in spans if text[a:b].strip()]


def volatile_figures(sentence: str) -> list[str]:
    """The volatile figures of one sentence (markers ignored), e.g. ["150 000 yuans"]."""
    return [m.group(0).strip() for m in _volatile_matches(sentence)]


def _volatile_matches(sentence: str) -> list[re.Match]:
    blank = lambda m: " " * len(m.group(0))  # noqa: E731 (keep offsets)
    scan = MARKER.sub(blank, sentence)
    scan = NOT_FIGURES.sub(blank, scan)
    found = []
    for match in VOLATILE.finditer(scan):
        digits = re.search(r"\d[\d \u00a0\u202f.,]*", match.group(0))
        if digits is None:  # VOLATILE matches contain a digit; kept for the type checker
            continue
        number = digits.group(0).strip(" .,\u00a0")
        if re.fullmatch(r"(?:1[89]|20)\d\d", number):
            continue  # a year: "en 2019 ", "2019 users" is "In 2019 users …"
        if REFERENCE_BEFORE.search(scan[max(0, match.start() - 15):match.start()]):
            continue
        found.append(match)
    return found


def knowledge_files(knowledge_dir: Path) -> list[Path]:
    """The article files: every `*.md` under the language folders, README excluded."""
    return sorted(p for p in knowledge_dir.glob("*/*.md") if p.is_file())


def oldest_facts(articles: Sequence[Article]) -> list[tuple[Fact, Article]]:
    """Every dated figure with its article, oldest first: what advisors should re-check
    (`bot stats` and the console's knowledge page list them)."""
    return sorted(((fact, article) for article in articles for fact in article.facts),
                  key=lambda fa: (fa[0].date, fa[1].lang, fa[1].id, fa[0].line))


def oldest_fact_per_article(articles: Sequence[Article]) -> list[tuple[Fact, Article]]:
    """The oldest dated figure of each article (and language), oldest first."""
    first: dict[tuple[str, str], tuple[Fact, Article]] = {}
    for fact, article in oldest_facts(articles):
        first.setdefault((article.id, article.lang), (fact, article))
    return list(first.values())


def load_corpus(knowledge_dir: Path, today: dt.date | None = None,
                stale_after_months: int = 12,
                fact_max_age_months: int = DEFAULT_FACT_MAX_AGE_MONTHS) -> Corpus:
    """Parse and check every article; cross-file checks run after each file parsed."""
    corpus = Corpus()
    today = today or dt.date.today()
    if not knowledge_dir.is_dir():
        corpus.issues.append(Issue(knowledge_dir, 0, "the knowledge folder does not exist",
                                   "create it, with one sub-folder per language (fr/, en/)",
                                   code="knowledge-dir-missing"))
        return corpus
    files = knowledge_files(knowledge_dir)
    for path in files:
        article, issues = parse_article(path, today=today)
        corpus.issues.extend(issues)
        if article is not None:
            corpus.articles.append(article)
    # A link to an article that exists but has errors is not a second error.
    corpus.issues.extend(_cross_checks(corpus.articles, today, stale_after_months,
                                       fact_max_age_months, {path.stem for path in files}))
    return corpus


Report = Callable[..., None]


def parse_article(path: Path, today: dt.date | None = None
                  ) -> tuple[Article | None, list[Issue]]:
    """Parse one file; returns the article (None when it has errors) and the issues found."""
    issues: list[Issue] = []
    today = today or dt.date.today()

    def report(line: int, code: str, message: str, fix: str, level: str = "error") -> None:
        issues.append(Issue(path, line, message, fix, level, code))

    raw = path.read_bytes()
    if len(raw) > MAX_FILE_BYTES:
        report(1, "file-too-large", f"the file is {len(raw)} bytes, over the "
               f"{MAX_FILE_BYTES}-byte limit", "split it into several articles, one topic each")
        return None, issues
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        report(line, "file-encoding", "the file is not valid UTF-8 text",
               "save it again with the UTF-8 encoding (in your editor: 'Save with encoding')")
        return None, issues
    text = text.lstrip("\ufeff")
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        report(1, "front-matter-missing", "the file does not start with front matter",
               "put a line '---' first, then the fields (id, lang, title, ...), then '---'")
        return None, issues
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() == "---")
    except StopIteration:
        report(1, "front-matter-unclosed", "the front matter is never closed",
               "add a line '---' after the last field")
        return None, issues
    try:
        meta = yaml.safe_load("\n".join(lines[1:end])) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = (mark.line + 2) if mark is not None else 1
        problem = getattr(exc, "problem", None) or str(exc).split("\n")[0]
        report(line, "front-matter-yaml", f"the front matter is not valid YAML ({problem})",
               "check the indentation and put quotes around values containing ':' or '#'")
        return None, issues
    if not isinstance(meta, dict):
        report(2, "front-matter-yaml", "the front matter is not a list of 'field: value' lines",
               "write one 'field: value' per line between the two '---' lines")
        return None, issues

    def field_line(name: str) -> int:
        for i in range(1, end):
            if lines[i].startswith(f"{name}:"):
                return i + 1
        return 1

    missing = [name for name in REQUIRED_FIELDS if name not in meta]
    for name in missing:
        report(1, "field-missing", f"the required field '{name}' is missing",
               f"add a line '{name}: ...' to the front matter (see knowledge/README.md)")
    if missing:
        return None, issues

    article_id = str(meta["id"])
    if not ID_PATTERN.match(article_id):
        report(field_line("id"), "id-invalid", f"the id '{article_id}' is not valid",
               "use lowercase letters, digits and hyphens only, e.g. 'tmall-global'")
    if article_id != path.stem:
        report(field_line("id"), "id-file-mismatch",
               f"the id '{article_id}' differs from the file name '{path.name}'",
               f"rename the file to '{article_id}.md' or change the id to '{path.stem}'")
    lang = str(meta["lang"])
    if lang not in LANGUAGES:
        report(field_line("lang"), "lang-unsupported", f"the language '{lang}' is not supported",
               "write 'lang: fr' or 'lang: en'")
    elif path.parent.name != lang:
        report(field_line("lang"), "lang-folder-mismatch",
               f"lang is '{lang}' but the file is in '{path.parent.name}/'",
               f"move the file to knowledge/{lang}/ or correct the lang field")
    title = meta["title"]
    if not isinstance(title, str) or not title.strip():
        report(field_line("title"), "title-empty", "the title is empty",
               "write a short title in quotes")
        title = ""
    topics = meta["topics"]
    if not isinstance(topics, list) or not topics:
        report(field_line("topics"), "topics-invalid", "topics must be a non-empty list",
               "write e.g. 'topics: [platforms, costs]'")
        topics = []
    for topic in topics:
        if topic not in TOPICS:
            report(field_line("topics"), "topic-unknown", f"the topic '{topic}' is not in the list",
                   "use only: " + ", ".join(TOPICS))
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
        report(field_line("reviewed"), "reviewed-invalid",
               f"the review date '{reviewed}' is not a date",
               "write it as YYYY-MM-DD, e.g. 'reviewed: 2026-11-27'")
        reviewed = dt.date.min
    related = meta.get("related") or []
    if not isinstance(related, list):
        report(field_line("related"), "related-invalid", "related must be a list of article ids",
               "write e.g. 'related: [tmall-global, jd-worldwide]'")
        related = []
    questions = meta["questions"]
    if not isinstance(questions, list) or len(questions) < MIN_QUESTIONS \
            or not all(isinstance(q, str) and q.strip() for q in questions):
        report(field_line("questions"), "questions-too-few",
               f"at least {MIN_QUESTIONS} example questions are needed",
               "list questions this article answers, one per line starting with '  - '")
        questions = ([q for q in questions if isinstance(q, str)]
                     if isinstance(questions, list) else [])

    by_id = {source.id: source for source in sources}
    sections = _parse_sections(lines, end + 1, article_id, lang, by_id, today, report)
    if any(issue.level == "error" for issue in issues):
        return None, issues
    _article_checks(sections, lang, sources, sources_line, report)
    article = Article(
        id=article_id, lang=lang, title=title.strip(), topics=tuple(topics),
        sources=tuple(sources), reviewed=reviewed, related=tuple(str(r) for r in related),
        questions=tuple(q.strip() for q in questions), sections=tuple(sections), path=path,
        field_lines={name: field_line(name) for name in meta},
    )
    return article, issues


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
        report(line, "sources-invalid", "sources must be a non-empty list",
               "add at least one source with id, title, url and date (see knowledge/README.md)")
        return []
    sources: list[Source] = []
    seen: dict[str, int] = {}
    taken = {str(e.get("id")) for e in value if isinstance(e, dict) and e.get("id")}
    for number, entry in enumerate(value):
        at = entry_lines[number] if number < len(entry_lines) else line
        if not isinstance(entry, dict) or not all(entry.get(k) for k in ("title", "url", "date")):
            report(at, "source-invalid", f"a source lacks its title, url or date: {entry!r}",
                   "give every source the four fields 'id:', 'title:', 'url:' and 'date:'")
            continue
        url = str(entry["url"])
        if not url.startswith(("http://", "https://")):
            report(at, "source-url-invalid", f"the source url '{url}' is not a web address",
                   "write the full address, starting with https://")
            continue
        source_id = str(entry.get("id") or "").strip()
        if not source_id:
            report(at, "source-no-id", f"the source '{entry['title']}' has no id",
                   f"add a line '    id: {_suggest_id(str(entry['title']), taken)}' to this "
                   "source (a short lowercase name, unique in the file) and cite it in the "
                   "sections' 'Sources :' lines")
            continue
        if not ID_PATTERN.match(source_id):
            report(at, "source-id-invalid", f"the source id '{source_id}' is not valid",
                   "use lowercase letters, digits and hyphens only, e.g. 'tmall-fees'")
            continue
        if source_id in seen:
            report(at, "source-duplicate-id", f"the source id '{source_id}' is already used "
                   f"on line {seen[source_id]}", "give each source of the file its own id")
            continue
        seen[source_id] = at
        sources.append(Source(source_id, str(entry["title"]), url, str(entry["date"])))
    return sources


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


def _parse_sections(lines: Sequence[str], start: int, article_id: str, lang: str,
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
            report(number + 1, "heading-level", "only '## ' headings are allowed in an article",
                   "start each section with '## ' followed by its heading")
        elif heading is None:
            if line.strip():
                report(number + 1, "text-before-heading",
                       "there is text before the first section heading",
                       "put a '## Heading' line above this text")
        else:
            body.append((number + 1, line))
    close()
    if not sections and heading is None:
        report(start + 1, "no-section", "the article has no section",
               "add at least one '## Heading' followed by a paragraph")
    return sections


def _parse_section(heading: str, heading_line: int, body: list[tuple[int, str]],
                   article_id: str, lang: str, position: int, sources: dict[str, Source],
                   today: dt.date, report: Report) -> Section | None:
    content = [(n, line) for n, line in body if line.strip()]
    if not content:
        report(heading_line, "section-empty", f"the section '{heading}' is empty",
               "write a paragraph of 2 to 5 sentences under the heading, or remove it")
        return None
    cited: list[Source] = []
    ok = True
    sources_fix = "end the section with a line `Sources : <id>, …` naming ids of the front matter"
    last_number, last_line = content[-1]
    match = SOURCES_LINE.match(last_line)
    if match is None:
        report(heading_line, "section-no-source", f"section '{heading}' names no source",
               sources_fix)
        ok = False
    else:
        content = content[:-1]
        ids = [i.strip().strip("`.").strip() for i in re.split(r"[,;]", match.group(1))]
        ids = list(dict.fromkeys(i for i in ids if i))
        if not ids:
            report(last_number, "section-no-source", f"section '{heading}' names no source",
                   sources_fix)
            ok = False
        for source_id in ids:
            if source_id in sources:
                cited.append(sources[source_id])
            else:
                available = ", ".join(sources) or "none: give the front-matter sources an id"
                report(last_number, "source-unknown", f"section '{heading}' cites the source "
                       f"'{source_id}', which the front matter does not list",
                       f"use ids of the front matter ({available}) or add that source there")
                ok = False
    for number, line in content:
        if SOURCES_LINE.match(line):
            report(number, "section-source-misplaced", f"the sources line of section "
                   f"'{heading}' is not its last line", "move it below the paragraph, as the "
                   "last line of the section")
            ok = False
    if not content:
        report(heading_line, "section-empty", f"the section '{heading}' is empty",
               "write a paragraph of 2 to 5 sentences under the heading, or remove it")
        return None
    if "{" in heading or "}" in heading:
        report(heading_line, "marker-malformed", f"the heading '{heading}' contains braces",
               "keep markers such as {2021} in the paragraph, after the figure")
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
            report(paragraph.line_at(m.start()), "marker-malformed",
                   f"the marker '{m.group(0)}' is not an as-of date", MARKER_FIX)
            markers[m.start()] = ("", None)
            ok = False
        elif date > today:
            report(paragraph.line_at(m.start()), "marker-future",
                   f"the marker '{m.group(0)}' is a date in the future",
                   "the marker is the date the figure was true or published, not a forecast: "
                   "correct it")
            markers[m.start()] = ("", None)
            ok = False
        else:
            markers[m.start()] = (label, date)
    leftover = MARKER.sub("", raw)
    for brace in "{}":
        if brace in leftover:
            report(paragraph.line_at(_stray_offset(raw, brace)), "marker-malformed",
                   f"a stray '{brace}' is left in the text of section '{heading}'", MARKER_FIX)
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
                   f"volatile figure '{first.group(0).strip()}' has no as-of date", UNDATED_FIX)
            ok = False
    text = " ".join(t for t in rendered if t)

    prose = KB_LINK_TARGET.sub(lambda m: " " * len(m.group(0)), raw)  # not link addresses
    for m in DANGLING.finditer(prose):
        report(paragraph.line_at(m.start()), "dangling-reference",
               f"'{m.group(0)}' in section '{heading}' points to text the user does not see "
               "(the bot shows one section alone)",
               "name what you mean, or link to the article with [text](kb:article-id)")
        ok = False
    for m in INTERNAL.finditer(prose):
        report(paragraph.line_at(m.start()), "internal-phrase",
               f"'{m.group(0)}' in section '{heading}' talks about the bot's own content",
               "write the fact itself, or say which organisation publishes it")
        ok = False
    if lang == "fr":
        for m in TRANSLATED_WORDING.finditer(prose):
            report(paragraph.line_at(m.start()), "translated-wording",
                   f"'{m.group(0)}' reads as a translation, not as a Belgian adviser writes",
                   "use the usual term (e.g. 'daigou' or 'revendeur', 'médias propres', "
                   "'animatrice de live')", level="warning")

    if len(text) > MAX_SECTION_CHARS:
        report(heading_line, "section-too-long",
               f"the section '{heading}' is {len(text)} characters long",
               f"keep a section under {MAX_SECTION_CHARS} characters: split it in two sections")
        ok = False
    elif re.search(r"<\s*/?\s*[a-zA-Z][^>]*>", text):
        report(heading_line, "section-html", f"the section '{heading}' contains HTML",
               "write plain text; use **bold** and [text](https://...) links only")
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


def _marker_date(label: str) -> dt.date | None:
    """The date of `{2021}`, `{2021-06}` or `{2021-06-10}` (first day when partial)."""
    match = DATE_MARKER.match(label)
    if match is None:
        return None
    year, month, day = match.group(1), match.group(2), match.group(3)
    if int(year) < 1900:
        return None
    try:
        return dt.date(int(year), int(month or 1), int(day or 1))
    except ValueError:
        return None


def _render(sentence: str) -> str:
    """The sentence as users see it: a date marker becomes " (2021)", or disappears when the
    sentence already names that year; `{fixed}` and malformed markers disappear."""
    present = set(YEAR.findall(MARKER.sub(" ", sentence)))

    def replace(match: re.Match) -> str:
        date = _marker_date(match.group(1).strip())
        if date is None:
            return ""
        year = str(date.year)
        if year in present:
            return ""
        present.add(year)
        return f" ({year})"

    text = re.sub(r"[ \t\u00a0]*\{([^{}\n]*)\}", replace, sentence)
    return re.sub(r"  +", " ", text).strip()


def _article_checks(sections: list[Section], lang: str, sources: list[Source],
                    sources_line: int, report: Report) -> None:
    """Checks over one article's parsed sections."""
    advised = [s for s in sections if ADVISOR.search(s.text)]
    if len(advised) > 1:
        phrase = "conseiller Awex" if lang == "fr" else "Awex advisor"
        report(advised[1].line, "advisor-repeated",
               f"'{phrase}' appears in {len(advised)} sections of the article",
               "keep the advisor in the one section where an advisor adds something the "
               "article cannot, and remove it from the others", level="warning")
    cited = {source.id for section in sections for source in section.sources}
    for source in sources:
        if sections and source.id not in cited:
            report(sources_line, "source-unused",
                   f"the source '{source.id}' is cited by no section",
                   "name it in the 'Sources :' line of the sections it supports, or remove it",
                   level="warning")


def _cross_checks(articles: list[Article], today: dt.date, stale_after_months: int,
                  fact_max_age_months: int = DEFAULT_FACT_MAX_AGE_MONTHS,
                  file_ids: Iterable[str] = ()) -> list[Issue]:
    """Checks that need the whole corpus: duplicates, FR/EN pairs, links, stale reviews and
    stale facts, paragraphs copied between articles."""
    issues: list[Issue] = []
    seen: dict[tuple[str, str], Article] = {}
    for article in articles:
        key = (article.id, article.lang)
        if key in seen:
            issues.append(Issue(article.path, article.field_lines.get("id", 1),
                                f"the id '{article.id}' is already used by "
                                f"{seen[key].path}", "give each article its own id",
                                code="id-duplicate"))
        seen[key] = article
    ids = {article.id for article in articles} | set(file_ids)
    for article in articles:
        other = "en" if article.lang == "fr" else "fr"
        twin = seen.get((article.id, other))
        if twin is None:
            issues.append(Issue(article.path, 1, f"there is no {other.upper()} version of "
                                f"'{article.id}'",
                                f"add knowledge/{other}/{article.id}.md with the same id",
                                code="translation-missing"))
        elif article.lang == "fr":
            issues.extend(_pair_checks(article, twin))
        for target in article.related:
            if target not in ids:
                issues.append(Issue(article.path, article.field_lines.get("related", 1),
                                    f"related article '{target}' does not exist",
                                    "correct the id or remove it from 'related'",
                                    code="related-unknown"))
        for section in article.sections:
            for _, target in KB_LINK.findall(section.text):
                if target not in ids:
                    issues.append(Issue(article.path, section.line,
                                        f"the link to 'kb:{target}' points to no article",
                                        "correct the id after 'kb:' or remove the link",
                                        code="link-unknown"))
        age_months = _months_between(article.reviewed, today)
        if age_months > stale_after_months:
            issues.append(Issue(article.path, 1, f"last reviewed {article.reviewed}, "
                                f"{age_months} months ago",
                                "check the facts and figures, then update 'reviewed'",
                                level="warning", code="review-stale"))
        for section in article.sections:
            for fact in section.facts:
                if _months_between(fact.date, today) > fact_max_age_months:
                    issues.append(Issue(
                        article.path, fact.line,
                        f"figure dated {fact.marker or fact.date.isoformat()} is older than "
                        f"{fact_max_age_months} months",
                        "check it against a recent source; update the figure and its marker, "
                        "or write it in the past tense as history and mark the sentence {fixed}",
                        level="warning", code="fact-stale"))
    issues.extend(_duplicate_paragraphs(articles))
    return issues


def _months_between(earlier: dt.date, later: dt.date) -> int:
    return (later.year - earlier.year) * 12 + later.month - earlier.month


def _pair_checks(fr: Article, en: Article) -> list[Issue]:
    """The FR and EN versions of an article have the same sections and the same sources."""
    issues = []
    if len(fr.sections) != len(en.sections):
        issues.append(Issue(en.path, 1, f"'{en.id}' has {len(en.sections)} sections in English "
                            f"and {len(fr.sections)} in French",
                            "give both versions the same sections, in the same order",
                            level="warning", code="translation-mismatch"))
    fr_ids, en_ids = {s.id for s in fr.sources}, {s.id for s in en.sources}
    if fr_ids != en_ids:
        issues.append(Issue(en.path, en.field_lines.get("sources", 1),
                            f"'{en.id}' cites other source ids in English than in French "
                            f"({', '.join(sorted(fr_ids ^ en_ids))})",
                            "give both versions the same source ids",
                            level="warning", code="translation-mismatch"))
    return issues


def _shingles(text: str) -> tuple[str, set[tuple[str, ...]]]:
    words = re.findall(r"\w+", KB_LINK.sub(r"\1", text).lower())
    normal = " ".join(words)
    return normal, {tuple(words[i:i + SHINGLE_WORDS])
                    for i in range(len(words) - SHINGLE_WORDS + 1)}


def _duplicate_paragraphs(articles: Iterable[Article]) -> list[Issue]:
    """A section that repeats another section of the same language (identical once whitespace
    and case are normalised, or sharing ≥ 80% of the word 5-grams of the shorter one) is an
    error on the later file, naming the earlier one."""
    issues: list[Issue] = []
    by_lang: dict[str, list[tuple[Article, Section]]] = {}
    for article in articles:
        for section in article.sections:
            by_lang.setdefault(article.lang, []).append((article, section))
    for entries in by_lang.values():
        postings: dict[tuple[str, ...], list[int]] = {}
        normals: dict[str, int] = {}
        shingle_sets: list[set[tuple[str, ...]]] = []
        for number, (article, section) in enumerate(entries):
            normal, shingles = _shingles(section.text)
            shingle_sets.append(shingles)
            twin: int | None = normals.get(normal)
            if twin is None and shingles:
                shared: dict[int, int] = {}
                for shingle in shingles:
                    for other in postings.get(shingle, ()):
                        shared[other] = shared.get(other, 0) + 1
                best = 0.0
                for other, count in shared.items():
                    smaller = min(len(shingles), len(shingle_sets[other]))
                    share = count / smaller
                    if smaller >= SHINGLE_WORDS and share >= DUPLICATE_SHINGLE_SHARE \
                            and share > best:
                        twin, best = other, share
            if twin is not None:
                first, first_section = entries[twin]
                issues.append(Issue(
                    article.path, section.line,
                    f"the section '{section.heading}' repeats the paragraph of "
                    f"{first.path.parent.name}/{first.path.name}:{first_section.line} "
                    f"('{first_section.heading}')",
                    f"keep the paragraph in one article and link to it with "
                    f"[text](kb:{first.id})", code="duplicate-paragraph"))
            normals.setdefault(normal, number)
            for shingle in shingles:
                postings.setdefault(shingle, []).append(number)
    return issues

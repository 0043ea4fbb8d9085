"""Checks over parsed articles: within one article (advisor mentions, unused sources) and
across the corpus (duplicate ids, FR/EN pairs, links, stale reviews and figures, paragraphs
copied between articles)."""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable

from bot.knowledge.figures import ADVISOR, KB_LINK
from bot.knowledge.issues import Issue
from bot.knowledge.model import Article, Section, Source
from bot.knowledge.sections import Report

DEFAULT_FACT_MAX_AGE_MONTHS = 18
# Two sections of one language sharing this share of their word 5-grams are one paragraph.
DUPLICATE_SHINGLE_SHARE = 0.8
SHINGLE_WORDS = 5


def article_checks(sections: list[Section], lang: str, sources: list[Source],
                    sources_line: int, report: Report) -> None:
    """Checks over one article's parsed sections."""
    advised = [s for s in sections if ADVISOR.search(s.text)]
    if len(advised) > 1:
        phrase = "conseiller Awex" if lang == "fr" else "Awex advisor"
        report(advised[1].line, "advisor-repeated", level="warning", phrase=phrase,
               count=len(advised))
    cited = {source.id for section in sections for source in section.sources}
    for source in sources:
        if sections and source.id not in cited:
            report(sources_line, "source-unused", level="warning", id=source.id)


def cross_checks(articles: list[Article], today: dt.date, stale_after_months: int,
                  fact_max_age_months: int = DEFAULT_FACT_MAX_AGE_MONTHS,
                  file_ids: Iterable[str] = ()) -> list[Issue]:
    """Checks that need the whole corpus: duplicates, FR/EN pairs, links, stale reviews and
    stale facts, paragraphs copied between articles."""
    issues: list[Issue] = []
    seen: dict[tuple[str, str], Article] = {}
    for article in articles:
        key = (article.id, article.lang)
        if key in seen:
            issues.append(Issue.of(article.path, article.field_lines.get("id", 1),
                                   "id-duplicate", id=article.id, other=seen[key].path))
        seen[key] = article
    ids = {article.id for article in articles} | set(file_ids)
    for article in articles:
        other = "en" if article.lang == "fr" else "fr"
        twin = seen.get((article.id, other))
        if twin is None:
            issues.append(Issue.of(article.path, 1, "translation-missing", LANG=other.upper(),
                                   lang=other, id=article.id))
        elif article.lang == "fr":
            issues.extend(_pair_checks(article, twin))
        for target in article.related:
            if target not in ids:
                issues.append(Issue.of(article.path, article.field_lines.get("related", 1),
                                       "related-unknown", target=target))
        for section in article.sections:
            for _, target in KB_LINK.findall(section.text):
                if target not in ids:
                    issues.append(Issue.of(article.path, section.line, "link-unknown",
                                           target=target))
        age_months = _months_between(article.reviewed, today)
        if age_months > stale_after_months:
            issues.append(Issue.of(article.path, 1, "review-stale", level="warning",
                                   reviewed=article.reviewed, months=age_months))
        for section in article.sections:
            for fact in section.facts:
                if _months_between(fact.date, today) > fact_max_age_months:
                    issues.append(Issue.of(
                        article.path, fact.line, "fact-stale", level="warning",
                        marker=fact.marker or fact.date.isoformat(), months=fact_max_age_months))
    issues.extend(_duplicate_paragraphs(articles))
    return issues


def _months_between(earlier: dt.date, later: dt.date) -> int:
    return (later.year - earlier.year) * 12 + later.month - earlier.month


def _pair_checks(fr: Article, en: Article) -> list[Issue]:
    """The FR and EN versions of an article have the same sections and the same sources."""
    issues = []
    if len(fr.sections) != len(en.sections):
        issues.append(Issue.of(en.path, 1, "translation-mismatch", level="warning", id=en.id,
                               en_sections=len(en.sections), fr_sections=len(fr.sections)))
    fr_ids, en_ids = {s.id for s in fr.sources}, {s.id for s in en.sources}
    if fr_ids != en_ids:
        issues.append(Issue.of(en.path, en.field_lines.get("sources", 1),
                               "translation-mismatch", level="warning", variant="sources",
                               id=en.id, ids=", ".join(sorted(fr_ids ^ en_ids))))
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
                issues.append(Issue.of(
                    article.path, section.line, "duplicate-paragraph", heading=section.heading,
                    other=f"{first.path.parent.name}/{first.path.name}",
                    other_line=first_section.line, other_heading=first_section.heading,
                    other_id=first.id))
            normals.setdefault(normal, number)
            for shingle in shingles:
                postings.setdefault(shingle, []).append(number)
    return issues

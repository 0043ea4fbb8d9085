"""Knowledge articles: parse the advisors' Markdown files and check them.

The format is described in knowledge/README.md: every section ends with a line
`Sources : <id>, …` naming sources of the front matter, and every volatile figure (an amount,
a percentage, a count of users, a duration, a weight) carries an as-of marker `{2021}`,
`{2021-06}` or `{2021-06-10}`, or the sentence is marked `{fixed}`.

This module is the entry point (`load_corpus`); the work is split by concern: issues.py (what
a problem is, worded in FR and EN from messages/), model.py (what an article becomes),
figures.py (markers, volatile figures, writing rules), parsing.py (one file's front matter),
sections.py (its sections), checks.py (checks over articles and the corpus). The names other
modules import from here are re-exported.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

from bot.knowledge.checks import DEFAULT_FACT_MAX_AGE_MONTHS, cross_checks
from bot.knowledge.figures import KB_LINK, split_sentences, volatile_figures
from bot.knowledge.issues import Issue
from bot.knowledge.model import Article, Corpus, Fact, Section, Source
from bot.knowledge.parsing import ID_PATTERN, TOPICS, _suggest_id, parse_article
from bot.knowledge.sections import MAX_SECTION_CHARS

__all__ = [
    "DEFAULT_FACT_MAX_AGE_MONTHS", "ID_PATTERN", "KB_LINK", "MAX_SECTION_CHARS", "TOPICS",
    "Article", "Corpus", "Fact", "Issue", "Section", "Source", "_suggest_id",
    "knowledge_files", "load_corpus", "oldest_fact_per_article", "oldest_facts",
    "parse_article", "split_sentences", "volatile_figures",
]


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
        corpus.issues.append(Issue.of(knowledge_dir, 0, "knowledge-dir-missing"))
        return corpus
    files = knowledge_files(knowledge_dir)
    for path in files:
        article, issues = parse_article(path, today=today)
        corpus.issues.extend(issues)
        if article is not None:
            corpus.articles.append(article)
    # A link to an article that exists but has errors is not a second error.
    corpus.issues.extend(cross_checks(corpus.articles, today, stale_after_months,
                                       fact_max_age_months, {path.stem for path in files}))
    return corpus

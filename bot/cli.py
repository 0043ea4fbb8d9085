"""The `bot` command: what advisors and engineers run on the knowledge base.

One entry point with a sub-command per task; every command and option has help text, and a
test fails when one is missing from the README.
"""
from __future__ import annotations

import json
import sys
from collections import Counter
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

import click

from bot.settings import LANGUAGES, Settings

if TYPE_CHECKING:  # the CLI imports the engine lazily, so `bot --help` stays fast
    from bot.knowledge.articles import Article, Corpus, Fact


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Awex China e-commerce advisor: manage the knowledge base, its index and stored data."""


@main.command()
@click.option("--lang", "language", type=click.Choice(LANGUAGES), default=None,
              help="Language of the messages (default: AWEX_CHECK_LANGUAGE, else en).")
def check(language: str | None) -> None:
    """Validate every knowledge file; exit non-zero on any error."""
    from bot.knowledge.articles import load_corpus

    settings = Settings.from_env()
    corpus = load_corpus(settings.knowledge_dir, stale_after_months=settings.stale_after_months,
                         fact_max_age_months=settings.fact_max_age_months)
    for issue in corpus.issues:  # file:line: level: message — fix
        click.echo(issue.text(language or settings.check_language), err=issue.level == "error")
    click.echo(f"{len(corpus.articles)} articles checked: {len(corpus.errors)} error(s), "
               f"{len(corpus.warnings)} warning(s)")
    index_error = _serving_index_error(settings)
    if index_error:
        click.echo(f"serving index: error: {index_error}", err=True)
    sys.exit(1 if corpus.errors or index_error else 0)


def _serving_index_error(settings: Settings) -> str | None:
    """Why the index the bot serves cannot be loaded (None when it loads, or when none is
    built yet). Loading reads the files only; the embedding model is not needed."""
    from bot.knowledge.engine import KnowledgeIndex
    from bot.knowledge.store import IndexError_, current_path

    path = current_path(settings.index_dir)
    if path is None:
        return None
    try:
        KnowledgeIndex(path, settings)
    except IndexError_ as exc:
        return str(exc)
    return None


@main.command()
def worker() -> None:
    """Serve the console's engine requests (build, suggest, eval-quick) as JSON lines on
    stdin/stdout, warm, until stdin closes (bot/knowledge/worker.py describes the protocol)."""
    from bot.knowledge import worker as engine_worker

    engine_worker.main()


@main.command()
@click.option("--force", is_flag=True, help="Rebuild even when nothing changed.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
@click.option("--json", "as_json", is_flag=True,
              help="Print the outcome as one JSON object (status, keys, embedded, reused, "
                   "seconds, errors) and the progress messages on stderr; for the console.")
def build(force: bool, quiet: bool, as_json: bool) -> None:
    """Build the search index from knowledge/ (skipped when nothing changed)."""
    from bot.knowledge.index import build_index

    settings = Settings.from_env()
    report = build_index(settings, force=force, progress=not quiet,
                         log=lambda message: click.echo(message, err=as_json))
    if as_json:
        from bot.knowledge.worker import build_outcome

        click.echo(json.dumps(build_outcome(report), ensure_ascii=False))
        sys.exit(1 if report.status == "failed" else 0)
    if report.status == "failed":
        for error in report.errors:
            click.echo(error, err=True)
        click.echo("build failed: the serving index is unchanged", err=True)
        sys.exit(1)
    name = report.path.name if report.path else "?"
    if report.status == "unchanged":
        click.echo(f"index up to date ({name})")
        return
    click.echo(f"index built in {report.seconds:.1f}s: {report.keys} keys, "
               f"{report.embedded} embedded, {report.reused} reused from cache ({name})")


@main.command()
@click.argument("question")
@click.option("--lang", type=click.Choice(["fr", "en"]), default=None,
              help="Language of the question (detected when omitted).")
@click.option("--mode", type=click.Choice(["hybrid", "dense", "lexical"]), default="hybrid",
              help="Which retriever(s) to use.")
@click.option("--previous", default=None,
              help="Article id of the conversation's previous answer (to try a follow-up).")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def search(question: str, lang: str | None, mode: str, previous: str | None,
           as_json: bool) -> None:
    """Show the top articles for QUESTION with their scores, for debugging answers."""
    from bot.knowledge.engine import KnowledgeBase
    from bot.language import detect_language

    kb = KnowledgeBase()
    lang = lang or detect_language(question) or "fr"
    result = kb.search(question, lang, mode=mode, previous_article=previous)
    if as_json:
        click.echo(json.dumps(asdict(result), ensure_ascii=False, indent=2))
        return
    click.echo(f"decision: {result.status.value} (confidence {result.confidence:.3f}, "
               f"language {lang}"
               f"{', read with the previous topic' if result.read_as_follow_up else ''})")
    for rank, c in enumerate(result.candidates, 1):
        click.echo(f"{rank}. {c.article_id:28s} score {c.score:.3f}  dense {c.dense:.3f}  "
                   f"lexical {c.lexical:.3f}  found by {', '.join(c.found_by) or '-'}")
    if result.options:
        click.echo("clarify between: " + ", ".join(aid for aid, _ in result.options))
    if result.answer:
        a = result.answer
        click.echo(f"\n[{a.title} — {a.heading}]\n{a.text}")
        for source in a.sources:
            click.echo(f"source: {source.title} <{source.url}> ({source.date})")


@main.command()
@click.option("--json", "as_json", is_flag=True, required=True,
              help="Print the result as one JSON object (the only output, for the console).")
def suggest(as_json: bool) -> None:
    """Read questions as JSON on stdin ([{"question": "...", "lang": "fr"|"en"|null}]) and
    print, for each, the decision and the 3 likeliest articles with their best section and
    score (what the console offers to attach a missed question to)."""
    from bot.knowledge.engine import KnowledgeBase
    from bot.knowledge.worker import suggest as suggestions

    try:
        items = json.loads(sys.stdin.read() or "[]")
    except ValueError as exc:
        click.echo(json.dumps({"status": "bad-input", "error": str(exc)}))
        sys.exit(2)
    outcome = suggestions(KnowledgeBase(), items)
    click.echo(json.dumps(outcome, ensure_ascii=False))
    sys.exit({"ok": 0, "bad-input": 2}.get(outcome["status"], 1))


OLDEST_FACTS = 20


@main.command()
def stats() -> None:
    """Count articles and sections per language and topic, list stale reviews and the oldest
    dated facts."""
    from bot.knowledge.articles import load_corpus

    settings = Settings.from_env()
    corpus = load_corpus(settings.knowledge_dir, stale_after_months=settings.stale_after_months,
                         fact_max_age_months=settings.fact_max_age_months)
    for lang in LANGUAGES:
        articles = [a for a in corpus.articles if a.lang == lang]
        click.echo(f"{lang}: {len(articles)} articles, "
                   f"{sum(len(a.sections) for a in articles)} sections")
    topics = Counter(t for a in corpus.articles if a.lang == "fr" for t in a.topics)
    click.echo("topics: " + ", ".join(f"{t} {n}" for t, n in sorted(topics.items())))
    stale = [w for w in corpus.warnings if w.code == "review-stale"]
    click.echo(f"stale reviews (older than {settings.stale_after_months} months): {len(stale)}")
    for warning in stale:
        click.echo(f"  {warning.path.name} ({warning.message})")
    _echo_oldest_facts(corpus, settings.fact_max_age_months)


def _echo_oldest_facts(corpus: Corpus, max_age_months: int) -> None:
    """The oldest dated figures overall, then the oldest of each article: what to re-check."""
    from bot.knowledge.articles import oldest_fact_per_article, oldest_facts

    facts = oldest_facts(corpus.articles)
    stale = sum(1 for w in corpus.warnings if w.code == "fact-stale")
    click.echo(f"dated facts: {len(facts)}, {stale} older than {max_age_months} months")

    def row(fact: Fact, article: Article) -> str:
        snippet = fact.snippet if len(fact.snippet) <= 100 else fact.snippet[:99] + "…"
        return (f"  {fact.marker or fact.date.isoformat():10s} {article.id} ({article.lang}) "
                f"line {fact.line}: {snippet}")

    if facts:
        click.echo(f"oldest dated facts ({min(OLDEST_FACTS, len(facts))} of {len(facts)}):")
        for fact, article in facts[:OLDEST_FACTS]:
            click.echo(row(fact, article))
        click.echo("oldest dated fact per article:")
        for fact, article in sorted(oldest_fact_per_article(corpus.articles),
                                    key=lambda fa: (fa[1].id, fa[1].lang)):
            click.echo(row(fact, article))


@main.command(name="eval")
@click.option("--gold", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=None, help="Gold question file (default: tests/data/gold.yml).")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder for the markdown report and the PNG chart (default: docs/eval).")
@click.option("--calibrate", is_flag=True,
              help="Re-fit the tuning on every gold question outside the frozen test split "
                   "and write bot/retrieval.yml before measuring the test split.")
def evaluate_command(gold: Path | None, out: Path | None, calibrate: bool) -> None:
    """Held-out retrieval figures: k-fold cross-validation and the frozen test split, for
    dense, lexical and hybrid retrieval side by side."""
    from bot.knowledge import evaluation
    from bot.knowledge.engine import KnowledgeBase
    from bot.settings import ROOT

    settings = Settings.from_env()
    gold_questions = evaluation.load_gold(gold or ROOT / "tests" / "data" / "gold.yml")
    kb = KnowledgeBase(settings)
    report = evaluation.run(kb, gold_questions, recalibrate=calibrate)
    if calibrate:
        evaluation.write_tuning(report.tuning, settings.tuning_path)
        click.echo(f"calibrated tuning written to {settings.tuning_path}")
    out = out or ROOT / "docs" / "eval"
    out.mkdir(parents=True, exist_ok=True)
    text = evaluation.markdown_report(report, "bot eval --calibrate" if calibrate
                                      else "make eval", settings.model_name)
    (out / "retrieval.md").write_text("# Retrieval evaluation (held out)\n\n" + text + "\n",
                                      "utf-8")
    evaluation.chart(report, out / "retrieval.png")
    click.echo(text)
    for miss in evaluation.check_targets(report.test):
        click.echo(f"below target: {miss}", err=True)
    click.echo(f"report: {out / 'retrieval.md'}, chart: {out / 'retrieval.png'}")


@main.command(name="eval-quick")
@click.option("--json", "as_json", is_flag=True, required=True,
              help="Print one JSON object: the index measured and its figures per language.")
@click.option("--gold", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=None, help="Gold question file (default: tests/data/gold.yml).")
def eval_quick(as_json: bool, gold: Path | None) -> None:
    """The frozen test split of the gold questions through the serving index with the shipped
    tuning (hybrid only, no cross-validation): the figures the console compares before and
    after a publish, in well under a minute."""
    from bot.knowledge.engine import KnowledgeBase
    from bot.knowledge.worker import GOLD
    from bot.knowledge.worker import eval_quick as measure

    outcome = measure(KnowledgeBase(check_interval=10.0 ** 9), gold or GOLD)
    click.echo(json.dumps(outcome, ensure_ascii=False))
    sys.exit(0 if outcome["status"] == "ok" else 1)


# ------------------------------------------------------------------------- data protection

DELETION_LABELS = {"tracker_events": "tracker event(s)", "leads": "lead(s)",
                   "feedback": "feedback", "unanswered_questions": "unanswered question(s)"}


def _deletion_summary(counts: dict) -> str:
    return ", ".join(f"{counts[kind]} {label}" for kind, label in DELETION_LABELS.items())


@main.command()
@click.argument("conversation_id")
@click.option("--dry-run", is_flag=True, help="Only count what would be deleted.")
def forget(conversation_id: str, dry_run: bool) -> None:
    """Delete conversation CONVERSATION_ID on request: its Rasa tracker events and its leads,
    feedback and unanswered questions in the app database."""
    from bot import storage

    settings = Settings.from_env()
    try:
        counts = storage.forget_conversation(settings.database_url, settings.tracker_db_url,
                                             conversation_id, dry_run=dry_run)
    except Exception as exc:  # an unreachable store: say so, never look done
        click.echo(f"could not delete conversation {conversation_id}: {exc}", err=True)
        sys.exit(1)
    verb = "would delete" if dry_run else "deleted"
    click.echo(f"conversation {conversation_id}: {verb} {_deletion_summary(counts)}")
    if not any(counts.values()):
        click.echo("nothing is stored under this conversation id")


@main.command()
@click.option("--older-than-days", type=click.IntRange(min=1), default=None,
              help="Retention of conversations, feedback and unanswered questions, in days "
                   "(default: AWEX_RETENTION_DAYS, 90).")
@click.option("--lead-older-than-days", type=click.IntRange(min=1), default=None,
              help="Retention of leads, in days (default: AWEX_LEAD_RETENTION_DAYS, 365).")
@click.option("--dry-run", is_flag=True, help="Only count what would be deleted.")
def purge(older_than_days: int | None, lead_older_than_days: int | None,
          dry_run: bool) -> None:
    """Delete what is past its retention: tracker events, feedback and unanswered questions
    older than the retention (and the question texts in the knowledge change log), leads
    older than the lead retention, log files in var/logs older than AWEX_LOG_RETENTION_DAYS
    (run it daily)."""
    from bot import storage
    from bot.logs import prune_logs

    settings = Settings.from_env()
    days = older_than_days or settings.retention_days
    lead_days = lead_older_than_days or settings.lead_retention_days
    try:
        counts = storage.purge(settings.database_url, settings.tracker_db_url, days, lead_days,
                               dry_run=dry_run)
    except Exception as exc:
        click.echo(f"purge failed: {exc}", err=True)
        sys.exit(1)
    verb = "would delete" if dry_run else "deleted"
    click.echo(f"{verb} {_deletion_summary(counts)} "
               f"(conversation events, feedback and unanswered questions older than {days} days, "
               f"leads older than {lead_days} days)")
    from bot.knowledge.publish import redact_questions

    redacted = redact_questions(settings.database_url, days, dry_run=dry_run)
    click.echo(f"{'would forget' if dry_run else 'forgot'} the attached question texts of "
               f"{redacted} knowledge change(s) older than {days} days (the articles keep them)")
    log_dir = settings.var_dir / "logs"
    logs = prune_logs(log_dir, settings.log_retention_days, dry_run=dry_run)
    click.echo(f"{verb} {logs} log file(s) older than {settings.log_retention_days} days "
               f"in {log_dir}")


if __name__ == "__main__":
    main()

"""Publishing a change to the knowledge files: hash-checked, checked, atomic, logged, undoable.

Advisors change articles from the console while others do too, and what they write is what the
bot serves, so every write (bot/knowledge/teach.py says what is written) goes through here:
- no lost update: a file is written only if it still has the hash the advisor's page was
  rendered with, else `Conflict` carries the version on disk and the one the advisor wanted;
- nothing broken is published: the result goes through the checks of `bot check` (in a
  scratch copy of the folder) before it atomically replaces the file (temp file + os.replace);
- every change is logged (append-only, in the app database) with the full previous text, and
  `undo` restores it, itself hash-checked, checked and logged.
"""
from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import fcntl
import hashlib
import json
import os
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import DateTime, Integer, String, Text, select
from sqlalchemy.orm import Mapped, mapped_column

from bot import storage
from bot.knowledge.articles import ID_PATTERN, Issue, knowledge_files, load_corpus
from bot.settings import LANGUAGES, Settings


class KnowledgeChange(storage.Base):
    """One write to a knowledge file by an advisor; rows are only ever added."""

    __tablename__ = "knowledge_changes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    advisor: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=storage.utcnow, index=True)
    kind: Mapped[str] = mapped_column(String(16))  # attach, undo, draft, section
    path: Mapped[str] = mapped_column(String(300))  # relative to the knowledge folder
    article_id: Mapped[str] = mapped_column(String(200))
    lang: Mapped[str] = mapped_column(String(8))
    section: Mapped[str] = mapped_column(Text, default="")  # the section the advisor meant
    questions_json: Mapped[str] = mapped_column(Text, default="[]")
    hash_before: Mapped[str] = mapped_column(String(64), default="")  # "" = no file before
    hash_after: Mapped[str] = mapped_column(String(64), default="")  # "" = file removed
    previous_text: Mapped[str | None] = mapped_column(Text, nullable=True)  # None = no file
    undoes: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    batch: Mapped[str] = mapped_column(String(32), default="", index=True)  # written together

    @property
    def questions(self) -> list[str]:
        values: list[str] = json.loads(self.questions_json or "[]")
        return values


TABLES = ("knowledge_changes",)


class TeachError(Exception):
    """A change that cannot be made; `code` is stable (the console maps it to a sentence)."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


class Conflict(TeachError):
    """The file changed since the advisor's page was rendered: nothing was written. Both
    versions are kept so the advisor can compare and apply again on the current one."""

    def __init__(self, path: str, current_text: str | None, current_hash: str,
                 wanted_text: str | None):
        super().__init__("conflict", f"{path} changed since the page was shown")
        self.current_text = current_text
        self.current_hash = current_hash
        self.wanted_text = wanted_text


class CheckFailed(TeachError):
    """The result would not pass `bot check`: nothing was written. `issues` name the real
    file, the line and the fix."""

    def __init__(self, issues: list[Issue]):
        super().__init__("check-failed", "; ".join(str(i) for i in issues))
        self.issues = issues

def text_hash(text: str | None) -> str:
    """sha256 of the file's UTF-8 bytes; "" for a file that does not exist."""
    return "" if text is None else hashlib.sha256(text.encode("utf-8")).hexdigest()

def article_path(knowledge_dir: Path, article_id: str, lang: str) -> Path:
    """The file of one article; refuses ids and languages that could leave the folder."""
    if lang not in LANGUAGES or not ID_PATTERN.match(article_id):
        raise TeachError("unknown-article", f"no article {lang}/{article_id}")
    return knowledge_dir / lang / f"{article_id}.md"

def read_text(path: Path) -> str | None:
    try:
        return path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        return None

# ---------------------------------------------------------------------------- check, write


def check_replacement(knowledge_dir: Path, replacements: dict[Path, str | None],
                      stale_after_months: int = 12, fact_max_age_months: int = 18
                      ) -> list[Issue]:
    """The errors `bot check` would report if each path held its new text (None: if it were
    removed), found in a scratch copy of the folder: errors in those files, and errors
    elsewhere that the change causes. Paths in the issues are the real ones."""
    with tempfile.TemporaryDirectory(prefix="awex-teach-") as scratch:
        root = Path(scratch)
        for source in knowledge_files(knowledge_dir):
            target = root / source.relative_to(knowledge_dir)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.symlink_to(source.resolve())
        for path, new_text in replacements.items():
            target = root / path.relative_to(knowledge_dir)
            target.unlink(missing_ok=True)
            if new_text is not None:
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(new_text.encode("utf-8"))
        after = load_corpus(root, stale_after_months=stale_after_months,
                            fact_max_age_months=fact_max_age_months).errors
        errors = [_moved(i, root, knowledge_dir) for i in after]
    own = [i for i in errors if i.path in replacements]
    others = [i for i in errors if i.path not in replacements]
    if others:  # rare: only then is the folder checked as it is, to tell old errors apart
        before = {(i.path, i.code, i.message) for i in load_corpus(
            knowledge_dir, stale_after_months=stale_after_months,
            fact_max_age_months=fact_max_age_months).errors}
        own += [i for i in others if (i.path, i.code, i.message) not in before]
    return own


def _moved(issue: Issue, scratch: Path, real: Path) -> Issue:
    """The issue as `bot check` on the real folder would word it (paths in the real folder)."""
    try:
        relative = issue.path.relative_to(scratch)
    except ValueError:
        return issue

    def swap(value: Any) -> Any:
        if isinstance(value, Path | str):
            return type(value)(str(value).replace(str(scratch), str(real)))
        return value

    return dataclasses.replace(issue, path=real / relative, message=swap(issue.message),
                               params={k: swap(v) for k, v in issue.params.items()})


def write_atomic(path: Path, text: str | None) -> None:
    """Replace (or, with None, remove) the file at once: readers see the old or the new
    text, never half of it."""
    if text is None:
        path.unlink(missing_ok=True)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(text.encode("utf-8"))
            handle.flush()
            os.fsync(handle.fileno())
        if path.exists():
            os.chmod(temp, path.stat().st_mode & 0o777)
        else:
            os.chmod(temp, 0o644)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


@contextlib.contextmanager
def file_lock(lock_path: Path) -> Iterator[None]:
    """One writer at a time across threads and processes (hash check and write together)."""
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "a+b") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)

@dataclass
class Workspace:
    """Where teaching writes: the knowledge folder, the app database, a lock file (under
    var/, not in the knowledge folder), and the thresholds of `bot check`."""

    knowledge_dir: Path
    database_url: str
    lock_path: Path
    stale_after_months: int = 12
    fact_max_age_months: int = 18

    @classmethod
    def from_settings(cls, settings: Settings) -> Workspace:
        return cls(settings.knowledge_dir, settings.database_url,
                   settings.var_dir / "knowledge.lock", settings.stale_after_months,
                   settings.fact_max_age_months)

    def ensure_table(self) -> None:
        """The log's table, created here: storage's engine may predate this module's import."""
        storage.ensure_tables(self.database_url, *TABLES)

@dataclass
class Write:
    """One file of a publish: what the advisor's page saw, what is there, what to write."""

    path: Path
    expected_hash: str
    current: str | None
    wanted: str | None
    change: KnowledgeChange


def publish(ws: Workspace, writes: list[Write]) -> list[KnowledgeChange]:
    """Hash-check, check, log and write the files of one change together; the caller holds
    the lock and read each `current` under it."""
    for w in writes:
        if text_hash(w.current) != w.expected_hash:
            raise Conflict(w.change.path, w.current, text_hash(w.current), w.wanted)
    issues = check_replacement(ws.knowledge_dir, {w.path: w.wanted for w in writes},
                               ws.stale_after_months, ws.fact_max_age_months)
    if issues:
        raise CheckFailed(issues)
    batch = uuid.uuid4().hex
    for w in writes:
        w.change.batch = batch
        w.change.hash_before, w.change.hash_after = text_hash(w.current), text_hash(w.wanted)
        w.change.previous_text = w.current
    ws.ensure_table()
    with storage.session_for(ws.database_url) as db:
        db.add_all([w.change for w in writes])
        db.flush()  # the log rows are ready before any file changes
        done: list[Write] = []
        try:
            for w in writes:
                write_atomic(w.path, w.wanted)
                done.append(w)
            db.commit()
        except BaseException:
            for w in done:  # not logged, so not published either
                write_atomic(w.path, w.current)
            db.rollback()
            raise
    return [w.change for w in writes]

def undo(ws: Workspace, change_id: int, advisor: str) -> list[KnowledgeChange]:
    """Restore the texts a change replaced (every file it wrote), if the files are still as
    that change left them."""
    ws.ensure_table()
    with storage.session_for(ws.database_url) as db:
        original = db.get(KnowledgeChange, change_id)
        if original is None:
            raise TeachError("unknown-change", f"no change {change_id}")
        batch = list(db.scalars(select(KnowledgeChange).where(
            KnowledgeChange.batch == original.batch).order_by(KnowledgeChange.id)))
        ids = [c.id for c in batch]
        if db.scalar(select(KnowledgeChange.id).where(KnowledgeChange.undoes.in_(ids))):
            raise TeachError("already-undone", f"change {change_id} is already undone")
    with file_lock(ws.lock_path):
        writes = []
        for c in batch:
            path = article_path(ws.knowledge_dir, c.article_id, c.lang)
            change = KnowledgeChange(advisor=advisor, kind="undo", path=c.path,
                                     article_id=c.article_id, lang=c.lang, section=c.section,
                                     questions_json=c.questions_json, undoes=c.id)
            writes.append(Write(path, c.hash_after, read_text(path), c.previous_text, change))
        return publish(ws, writes)


def changes(ws: Workspace, limit: int = 200) -> list[KnowledgeChange]:
    """The change log, newest first."""
    ws.ensure_table()
    with storage.session_for(ws.database_url) as db:
        return list(db.scalars(select(KnowledgeChange).order_by(
            KnowledgeChange.created_at.desc(), KnowledgeChange.id.desc()).limit(limit)))


def undone_ids(ws: Workspace) -> set[int]:
    """Ids of the changes an undo reverted (the log is append-only, so this is derived)."""
    ws.ensure_table()
    with storage.session_for(ws.database_url) as db:
        return {i for i in db.scalars(select(KnowledgeChange.undoes).where(
            KnowledgeChange.undoes.is_not(None))) if i is not None}


def redact_questions(database_url: str, older_than_days: int, now: dt.datetime | None = None,
                     dry_run: bool = False) -> int:
    """Past the retention, the change log forgets the texts of the questions it attached:
    they came from users' conversations, which the purge deletes at the same age. What was
    published stays in the knowledge files (article content the advisor chose), and so do
    the previous file texts, so an old change can still be undone. Returns how many changes
    were (or, with `dry_run`, would be) redacted."""
    storage.ensure_tables(database_url, *TABLES)
    cutoff = (now or storage.utcnow()) - dt.timedelta(days=older_than_days)
    with storage.session_for(database_url) as db, db.begin():
        rows = list(db.scalars(select(KnowledgeChange).where(
            KnowledgeChange.created_at < cutoff, KnowledgeChange.questions_json != "[]")))
        if not dry_run:
            for row in rows:
                row.questions_json = "[]"
        return len(rows)

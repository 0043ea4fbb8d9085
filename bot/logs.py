"""Logs without personal data, rotated and deleted after a few days.

Why: a crash in an action used to write the whole conversation (names, e-mails) into Rasa's
log, and the logs were never rotated nor purged. Three guards, used by every process that
`make run` starts (Rasa through scripts/rasa_server.py, the action server through
scripts/action_server.py, the web app through web/serve.py):

- `hide_exception_messages`: a traceback keeps its frames and exception types (where it
  failed) but not the exceptions' messages (what it failed on), which may quote a message, a
  slot value or a whole tracker; at DEBUG level they are kept, for an engineer reproducing a bug.
- `private_fields`: a structlog processor (Rasa 3.6 logs through structlog) that does the same
  for structured log entries, whose fields may hold the message text (`rest.message.received.
  failure` logs `text=`) and whose tracebacks are rendered with every frame's local variables.
- `redact`: every line written to var/logs has e-mail addresses replaced, in case a library
  prints one.
- `DailyLog` and `prune_logs`: one file per process and per day, deleted after
  AWEX_LOG_RETENTION_DAYS (14, as the privacy notice says); `make run` and `bot purge` prune.

Standard library only: Rasa's own environment imports this module too.
"""
from __future__ import annotations

import logging
import logging.handlers
import re
import sys
import threading
import time
import traceback
from pathlib import Path
from types import TracebackType
from typing import IO, Any

HIDDEN = "(message hidden: it may quote user data; the debug log level shows it)"
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None]


def redact(text: str) -> str:
    """The text with e-mail addresses replaced by a placeholder."""
    return EMAIL.sub("[e-mail]", text)


def safe_traceback(exc_info: ExcInfo) -> str:
    """A traceback with its frames and exception types, without the exceptions' messages
    (chained causes included: Rasa's 'Failed to execute custom action' carries the action
    server's whole reply as its cause)."""
    _type, value, tb = exc_info
    te = traceback.TracebackException(_type, value, tb, capture_locals=False)
    lines: list[str] = []
    chain: list[traceback.TracebackException] = []
    current: traceback.TracebackException | None = te
    while current is not None:
        chain.append(current)
        current = current.__cause__ or (None if current.__suppress_context__
                                        else current.__context__)
    for position, item in enumerate(reversed(chain)):
        if position:
            lines.append("\nThe above exception led to the following one:\n")
        lines.append("Traceback (most recent call last):")
        lines.extend(line.rstrip("\n") for line in item.stack.format())
        name = item.exc_type.__name__ if item.exc_type else "Exception"
        module = getattr(item.exc_type, "__module__", "builtins")
        qualified = name if module in ("builtins", "__main__") else f"{module}.{name}"
        lines.append(f"{qualified}: {HIDDEN}")
    return "\n".join(lines)


def hide_exception_messages() -> None:
    """From now on, every log record of this process with a traceback carries the safe
    version (formatters use `exc_text` when it is set), unless the root logger is at DEBUG."""
    previous = logging.getLogRecordFactory()
    if getattr(previous, "awex_safe", False):
        return

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        if record.exc_info and record.exc_info[0] is not None \
                and not logging.getLogger().isEnabledFor(logging.DEBUG):
            try:
                record.exc_text = safe_traceback(record.exc_info)
            except Exception:  # never lose the log line over its traceback
                record.exc_text = f"{record.exc_info[0].__name__}: {HIDDEN}"
        return record

    factory.awex_safe = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)


# Structured-log fields whose text values are kept: names of things, never user content.
PUBLIC_FIELDS = frozenset({
    "event", "level", "timestamp", "logger", "exception", "action_name", "action", "policy",
    "policy_name", "intent", "intent_name", "model", "model_path", "path", "url", "status",
    "event_name", "domain", "endpoint", "duration", "filename", "lineno"})


def private_fields(_logger: Any, _method: str, event_dict: dict[str, Any]) -> dict[str, Any]:
    """A structlog processor: outside DEBUG, text values of fields not in PUBLIC_FIELDS (a
    message's text, a tracker, slots, the conversation id) are hidden, numbers stay, and an
    exception becomes the safe traceback (no messages, no frame locals). Install it after
    `structlog.dev.set_exc_info` and before any renderer."""
    if logging.getLogger().isEnabledFor(logging.DEBUG):
        return event_dict
    exc_info = event_dict.pop("exc_info", None)
    if exc_info:
        info = sys.exc_info() if exc_info is True else exc_info
        if isinstance(info, BaseException):
            info = (type(info), info, info.__traceback__)
        if isinstance(info, tuple) and info[0] is not None:
            try:
                event_dict["exception"] = safe_traceback(info)
            except Exception:  # never lose the log line over its traceback
                event_dict["exception"] = f"{info[0].__name__}: {HIDDEN}"
    for key, value in event_dict.items():
        if key in PUBLIC_FIELDS and isinstance(value, str):
            continue
        if value is None or isinstance(value, (bool, int, float)):
            continue
        event_dict[key] = "(hidden)"
    return event_dict


class DailyLog:
    """A process's output written line by line to `<folder>/<name>.log`, redacted, rotated at
    midnight (`<name>.log.YYYY-MM-DD`), keeping `days` old files."""

    def __init__(self, folder: Path, name: str, days: int):
        folder.mkdir(parents=True, exist_ok=True)
        self.handler = logging.handlers.TimedRotatingFileHandler(
            folder / f"{name}.log", when="midnight", backupCount=max(days, 1),
            encoding="utf-8", delay=True)
        self.handler.setFormatter(logging.Formatter("%(message)s"))
        self.name = name

    def write(self, line: str) -> None:
        record = logging.LogRecord(self.name, logging.INFO, "", 0, redact(line), None, None)
        self.handler.emit(record)

    def pump(self, stream: IO[bytes]) -> threading.Thread:
        """Copy `stream` (a child process's stdout) into the log from a daemon thread until
        the stream closes."""

        def run() -> None:
            try:
                for raw in iter(stream.readline, b""):
                    self.write(raw.decode("utf-8", errors="replace").rstrip("\r\n"))
            except (OSError, ValueError):
                pass  # the process went away
            finally:
                self.handler.close()

        thread = threading.Thread(target=run, name=f"log-{self.name}", daemon=True)
        thread.start()
        return thread


def prune_logs(folder: Path, days: int, dry_run: bool = False) -> int:
    """Delete the log files in `folder` last written more than `days` days ago; how many."""
    if not folder.is_dir():
        return 0
    cutoff = time.time() - days * 86400
    count = 0
    for path in folder.iterdir():
        if path.is_file() and ".log" in path.name and path.stat().st_mtime < cutoff:
            if not dry_run:
                path.unlink(missing_ok=True)
            count += 1
    return count

"""Start `rasa` with the action-server reply check compiled once instead of on every reply.

Run with Rasa's Python (var/venv-rasa/bin/python), same arguments as the `rasa` command:

    var/venv-rasa/bin/python scripts/rasa_server.py run --model var/models/awex.tar.gz ...

Why: Rasa 3.6 checks every action-server reply against its event schema with
`jsonschema.validate(result, schema)`, which re-checks the schema itself and builds a new
validator each time. A profile of Rasa (docs/bench/analysis.md, 2026-11-27) found that to be about
70% of Rasa's CPU per turn (~49 ms per reply against ~0.6 ms with a validator built once).
The replies are still validated against the same schema, with the same error on a bad reply;
only the repeated set-up goes.

Also: tracebacks in Rasa's log keep their frames but not the exceptions' messages
(bot/logs.py). When an action fails, Rasa logs "Failed to execute custom action" caused by the
action server's reply, whose message is that reply's body: with rasa-sdk's default handler,
the whole tracker (every message, names, e-mails). Rasa's structured log entries go through
bot.logs.private_fields: its REST channel logs a failed message with its text and frame locals.
Its fail-safe tracker store logs a failed write with the SQL parameters (the events): only the
error's type is logged.
"""
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def install_cached_reply_validator() -> None:
    """Replace RemoteAction._validate_action_result by one that reuses a prebuilt validator."""
    from jsonschema.exceptions import best_match
    from jsonschema.validators import validator_for
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.constants import DOCS_BASE_URL

    schema = RemoteAction.action_response_format_spec()
    validator_class = validator_for(schema)
    validator_class.check_schema(schema)
    validator = validator_class(schema)

    def validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
        error = best_match(validator.iter_errors(result))
        if error is None:
            return True
        error.message += (
            ". Failed to validate Action server response from API, make sure your response "
            "from the Action endpoint is valid. For more information about the format visit "
            f"{DOCS_BASE_URL}/custom-actions")
        raise error

    RemoteAction._validate_action_result = validate_action_result


def install_private_structlog() -> None:
    """Rasa configures structlog once, after parsing its arguments; add bot.logs.private_fields
    to its processors right after `set_exc_info` (so exceptions are already resolved and no
    renderer has seen them yet)."""
    import rasa.__main__ as rasa_main
    import structlog

    from bot.logs import private_fields

    configure = rasa_main.configure_structlog

    def configure_privately(*args: Any, **kwargs: Any) -> None:
        configure(*args, **kwargs)
        processors = list(structlog.get_config()["processors"])
        position = next((i + 1 for i, step in enumerate(processors)
                         if step is structlog.dev.set_exc_info), len(processors) - 1)
        processors.insert(position, private_fields)
        structlog.configure(processors=processors)

    rasa_main.configure_structlog = configure_privately


def install_private_tracker_store_errors() -> None:
    """Rasa's fail-safe tracker store logs a failed read or write with the error's text, which
    for SQLAlchemy quotes the statement's parameters: the conversation id and the events
    (message texts, slot values). Log the error's type and where it happened instead."""
    import logging

    from rasa.core.tracker_store import FailSafeTrackerStore

    from bot.logs import HIDDEN

    log = logging.getLogger("rasa.core.tracker_store")

    def hiding(original: Callable[[FailSafeTrackerStore, Exception], None], what: str
               ) -> Callable[[FailSafeTrackerStore, Exception], None]:
        def on_error(self: FailSafeTrackerStore, error: Exception) -> None:
            if self._on_tracker_store_error or log.isEnabledFor(logging.DEBUG):
                original(self, error)
                return
            log.error(f"The tracker store {self._tracker_store.__class__.__name__} failed to "
                      f"{what} a conversation ({error.__class__.__module__}."
                      f"{error.__class__.__name__}: {HIDDEN}); Rasa falls back to memory.")
        return on_error

    FailSafeTrackerStore.on_tracker_store_retrieve_error = hiding(
        FailSafeTrackerStore.on_tracker_store_retrieve_error, "read")
    FailSafeTrackerStore.on_tracker_store_error = hiding(
        FailSafeTrackerStore.on_tracker_store_error, "save")


def main() -> int:
    from bot.logs import hide_exception_messages

    hide_exception_messages()
    install_cached_reply_validator()
    install_private_structlog()
    install_private_tracker_store_errors()
    from rasa.__main__ import main as rasa_main

    sys.argv = ["rasa"] + sys.argv[1:]
    return rasa_main()


if __name__ == "__main__":
    sys.exit(main())

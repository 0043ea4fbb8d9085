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
the whole tracker (every message, names, e-mails).
"""
import sys
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


def main() -> int:
    from bot.logs import hide_exception_messages

    hide_exception_messages()
    install_cached_reply_validator()
    from rasa.__main__ import main as rasa_main

    sys.argv = ["rasa"] + sys.argv[1:]
    return rasa_main()


if __name__ == "__main__":
    sys.exit(main())

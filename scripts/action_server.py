"""Start the rasa-sdk action server with logs that hold no user data.

Run with the app's Python, same arguments as `python -m rasa_sdk`:

    var/venv-app/bin/python scripts/action_server.py --actions actions --port 5055

Why: when an action raises, rasa-sdk's error handler answers Rasa with
`{"error": ..., "request_body": <the whole tracker>}` and Rasa logs that body, so every
message of the conversation (names, e-mails) landed in Rasa's log, ~78 KB per crash. Here the
error handler logs the traceback without the tracker nor the exception's message
(bot/logs.py) and answers Rasa with the exception's type only; Rasa still reports the action
as failed and the conversation goes on.
"""
from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bot.logs import hide_exception_messages  # noqa: E402

log = logging.getLogger("awex.action_server")


async def action_failed(request: Any, exception: Exception) -> Any:
    """Sanic error handler: the traceback (safe) in the log, the exception type to Rasa."""
    from sanic import response

    log.error("action failed (%s %s)", request.method, request.path, exc_info=exception)
    return response.json({"error": type(exception).__name__}, status=500)


def install_private_error_handler() -> None:
    """Wrap rasa_sdk's app factory so each app it builds uses `action_failed`."""
    import rasa_sdk.endpoint as endpoint

    original = endpoint.create_app
    if getattr(original, "awex_private", False):
        return

    def create_app(*args: Any, **kwargs: Any) -> Any:
        app = original(*args, **kwargs)
        # In place of rasa_sdk's handler for Exception (add() would warn about a duplicate);
        # sanic-cors wraps Sanic's handler, which keeps the table.
        handler = getattr(app.error_handler, "orig_handler", app.error_handler)
        handler.cached_handlers[(Exception, None)] = action_failed
        return app

    create_app.awex_private = True  # type: ignore[attr-defined]
    endpoint.create_app = create_app


def main() -> None:
    hide_exception_messages()
    install_private_error_handler()
    from rasa_sdk.__main__ import main as sdk_main

    sys.argv = ["rasa_sdk"] + sys.argv[1:]
    sdk_main()


if __name__ == "__main__":
    main()

"""Serve the web app with waitress (a production WSGI server, pure Python) on WEB_PORT.

Logs go to stderr at WARNING (nothing about single requests), tracebacks without the
exceptions' messages (bot/logs.py: a database error quotes the row it could not write).
"""
from __future__ import annotations

import logging
import os

from waitress import serve

from bot.logs import hide_exception_messages
from web import create_app


def main() -> None:
    hide_exception_messages()
    logging.basicConfig(level=logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    host = os.environ.get("WEB_HOST", "127.0.0.1")
    serve(create_app(), host=host, port=int(os.environ.get("WEB_PORT", "8080")),
          threads=int(os.environ.get("WEB_THREADS", "16")), ident="awex-advisor")


if __name__ == "__main__":
    main()

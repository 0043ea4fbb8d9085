"""Serve the web app with waitress (a production WSGI server, pure Python) on WEB_PORT.

Logs go to stderr at WARNING (nothing about single requests), tracebacks without the
exceptions' messages (bot/logs.py: a database error quotes the row it could not write).
"""
from __future__ import annotations

import logging

from waitress import serve

from bot.logs import hide_exception_messages
from bot.settings import Settings
from web import create_app


def main() -> None:
    hide_exception_messages()
    logging.basicConfig(level=logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = Settings.from_env()
    serve(create_app(), host=settings.web_host, port=settings.web_port,
          threads=settings.web_threads, ident="awex-advisor")


if __name__ == "__main__":
    main()

"""Serve the web app with waitress (a production WSGI server, pure Python) on WEB_PORT."""
from __future__ import annotations

import os

from waitress import serve

from web import create_app


def main() -> None:
    host = os.environ.get("WEB_HOST", "127.0.0.1")
    serve(create_app(), host=host, port=int(os.environ.get("WEB_PORT", "8080")),
          threads=int(os.environ.get("WEB_THREADS", "16")), ident="awex-advisor")


if __name__ == "__main__":
    main()

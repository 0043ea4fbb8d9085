"""Pages: the demo host page, the widget script and its strings, the privacy notice, health.

The security headers live here too (`security_headers`), shared with the console, so every HTML
page the app serves runs under the same Content-Security-Policy: scripts from our origin only,
no inline script anywhere.
"""
from __future__ import annotations

from flask import Blueprint, Response, jsonify, render_template, request, send_from_directory

from bot.settings import LANGUAGES as LANGS
from web.strings import ui_strings

bp = Blueprint("pages", __name__)

# Sentences the public API does not need to expose (the advisors' console wording).
PRIVATE_PREFIXES = ("console_",)

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; "
       "form-action 'self'; frame-ancestors {ancestors}")


def security_headers(response: Response, frame_ancestors: str = "'self'") -> Response:
    """CSP and friends for an HTML page; `frame_ancestors` "'none'" also sends X-Frame-Options
    DENY (the console must never be framed: clickjacking on its POST buttons)."""
    response.headers["Content-Security-Policy"] = CSP.format(ancestors=frame_ancestors)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
    response.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
    response.headers["X-Frame-Options"] = "DENY" if frame_ancestors == "'none'" else "SAMEORIGIN"
    return response


def page_lang() -> str:
    """The page language from ?lang=, French unless English is asked for."""
    lang = request.args.get("lang", "fr")
    return lang if lang in LANGS else "fr"


def page_strings(lang: str) -> dict[str, str]:
    """The sentences of one language, French filling any gap."""
    table = ui_strings()
    return {**table["fr"], **table.get(lang, {})}


@bp.after_request
def _headers(response: Response) -> Response:
    if response.mimetype == "text/html":
        return security_headers(response)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    return response


@bp.after_app_request
def _nosniff_everywhere(response: Response) -> Response:
    """Static files and API answers too: a browser must never guess a type."""
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    return response


@bp.get("/healthz")
def healthz() -> Response:
    return jsonify({"status": "ok"})


@bp.get("/")
def demo() -> str:
    lang = page_lang()
    return render_template("demo.html", lang=lang, other="en" if lang == "fr" else "fr",
                           s=page_strings(lang))


@bp.get("/privacy")
def privacy() -> str:
    lang = page_lang()
    return render_template("privacy.html", lang=lang, other="en" if lang == "fr" else "fr",
                           s=page_strings(lang))


@bp.get("/widget.js")
def widget() -> Response:
    return send_from_directory(bp.root_path + "/static", "widget.js",
                               mimetype="application/javascript", max_age=300)


@bp.get("/api/ui-strings")
def strings() -> Response:
    """The widget's sentences, FR and EN; public, so any host page may read them."""
    public = {lang: {k: v for k, v in table.items() if not k.startswith(PRIVATE_PREFIXES)}
              for lang, table in ui_strings().items()}
    response = jsonify(public)
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.cache_control.public = True
    response.cache_control.max_age = 300
    return response

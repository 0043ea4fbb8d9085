"""What every console page shares: the blueprint, CSRF, the language switch, rendering and
the response headers. The feature modules beside it add their routes to `bp`."""
from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Response,
    current_app,
    get_flashed_messages,
    render_template,
    request,
    session,
    url_for,
)
from flask.blueprints import BlueprintSetupState
from flask_wtf.csrf import CSRFError, CSRFProtect

from web.pages import LANGS, page_strings, security_headers

bp = Blueprint("console", __name__, url_prefix="/console", cli_group=None)
csrf = CSRFProtect()


@bp.record_once
def _setup(state: BlueprintSetupState) -> None:
    """CSRF for the console only (the app sets WTF_CSRF_CHECK_DEFAULT=False), and one login
    throttle per app so tests start clean."""
    from web.console.auth import LoginThrottle

    app = state.app
    app.config.setdefault("WTF_CSRF_CHECK_DEFAULT", False)
    csrf.init_app(app)
    app.extensions["awex_login_throttle"] = LoginThrottle()


def console_lang() -> str:
    """?lang= switches the console's language and is remembered in the session."""
    lang = request.args.get("lang")
    if lang in LANGS:
        session["ui_lang"] = lang
        return lang
    stored = session.get("ui_lang")
    return stored if stored in LANGS else "fr"


def render(template: str, status: int = 200, **context: Any) -> tuple[str, int]:
    lang = console_lang()
    s = page_strings(lang)
    messages = [s.get(f"console_{key}", key) for key in get_flashed_messages()]
    other = "en" if lang == "fr" else "fr"
    if request.method == "GET" and request.endpoint:
        args = {**request.args.to_dict(), **(request.view_args or {}), "lang": other}
        other_url = url_for(request.endpoint, **args)
    else:  # the answer to a form: switch language on a page that can be fetched again
        endpoint = "console.login" if request.endpoint == "console.login" else \
            "console.knowledge" if request.endpoint == "console.rebuild" else "console.overview"
        other_url = url_for(endpoint, lang=other)
    return render_template(f"console/{template}", lang=lang, s=s, flashes=messages,
                           other=other, other_url=other_url,
                           advisor_email=session.get("advisor_email"), **context), status


def database_url() -> str:
    return str(current_app.config["DATABASE_URL"])


@bp.after_request
def _headers(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    security_headers(response, frame_ancestors="'none'")
    response.headers["Referrer-Policy"] = "same-origin"
    return response


@bp.errorhandler(CSRFError)
def _csrf_failed(error: CSRFError) -> tuple[str, int]:
    return render("message.html", status=400, title_key="console_csrf_title",
                  message_key="console_csrf_failed")

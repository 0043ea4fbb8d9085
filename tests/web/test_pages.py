"""The public pages: demo host page, privacy notice, widget files, UI strings, headers."""
from __future__ import annotations

import re

import pytest

from bot.domain import load_domain
from bot.settings import ROOT
from web.strings import ui_strings

WEB = ROOT / "web"


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


@pytest.mark.parametrize("query, lang, title", [
    ("", "fr", "Vendre en Chine par l&#39;e-commerce"),
    ("?lang=fr", "fr", "Vendre en Chine par l&#39;e-commerce"),
    ("?lang=en", "en", "Selling in China through e-commerce"),
    ("?lang=de", "fr", "Vendre en Chine par l&#39;e-commerce"),  # unknown -> French
    ("?lang=%3Cscript%3E", "fr", "Vendre en Chine par l&#39;e-commerce"),
])
def test_demo_page_embeds_the_widget_in_the_asked_language(client, query, lang, title):
    response = client.get("/" + query)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'<html lang="{lang}">' in html
    assert title in html
    assert f'<script src="/widget.js" data-lang="{lang}" defer></script>' in html
    assert "<script>" not in html


@pytest.mark.parametrize("path", ["/", "/privacy", "/?lang=en", "/privacy?lang=en"])
def test_pages_send_security_headers(client, path):
    headers = client.get(path).headers
    csp = headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "default-src 'self'" in csp and "object-src 'none'" in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert headers["X-Frame-Options"] == "SAMEORIGIN"


@pytest.mark.parametrize("lang, needle", [("fr", "90 jours"), ("en", "90 days")])
def test_privacy_page_states_what_is_kept_and_how_long(client, lang, needle):
    response = client.get(f"/privacy?lang={lang}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'<html lang="{lang}">' in html
    assert needle in html
    assert ui_strings()[lang]["privacy_stored_title"] in html


def test_widget_script_and_styles_are_served(client):
    script = client.get("/widget.js")
    assert script.status_code == 200
    assert script.mimetype == "application/javascript"
    assert script.headers["X-Content-Type-Options"] == "nosniff"
    body = script.get_data(as_text=True)
    assert "attachShadow" in body and "/api/ui-strings" in body
    css = client.get("/static/widget.css")
    assert css.status_code == 200 and css.mimetype == "text/css"
    assert css.headers["X-Content-Type-Options"] == "nosniff"


def test_widget_never_writes_html_from_strings():
    """The XSS guarantee: answer text only ever reaches the DOM through textContent."""
    source = (WEB / "static" / "widget.js").read_text(encoding="utf-8")
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(",
                 "new Function"):
        assert sink not in source, sink


def test_ui_strings_api(client):
    response = client.get("/api/ui-strings")
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    data = response.get_json()
    assert set(data) == {"fr", "en"}
    assert set(data["fr"]) == set(data["en"])
    assert data["fr"]["widget_send"] == "Envoyer" and data["en"]["widget_send"] == "Send"
    assert "90 jours" in data["fr"]["widget_privacy"]
    assert "90 days" in data["en"]["widget_privacy"]
    assert not [key for key in data["fr"] if key.startswith("console_")]
    for n in (1, 2, 3):
        assert data["fr"][f"widget_suggestion_{n}"] and data["en"][f"widget_suggestion_{n}"]


def test_both_catalogues_have_the_same_keys_and_no_empty_sentence():
    """web/strings/fr.yml and en.yml: every key in both languages, none empty; no web
    sentence is left in the Rasa domain (editing one would retrain Rasa)."""
    table = ui_strings()
    assert len(table["fr"]) > 100
    assert set(table["fr"]) == set(table["en"])
    for lang in ("fr", "en"):
        assert all(isinstance(text, str) and text.strip() for text in table[lang].values()), lang
    assert not [name for name in load_domain()["responses"] if name.startswith("utter_ui_")]


def _used_keys() -> set:
    keys = set()
    for template in (WEB / "templates").rglob("*.html"):
        text = template.read_text(encoding="utf-8")
        keys |= set(re.findall(r"\bs\.((?:console|demo|privacy)_[a-z0-9_]+)", text))
    script = (WEB / "static" / "widget.js").read_text(encoding="utf-8")
    keys |= set(re.findall(r'\bt\("([a-z0-9_]+)"\)', script))
    console = "\n".join(path.read_text(encoding="utf-8")
                        for path in sorted((WEB / "console").glob("*.py")))
    keys |= set(re.findall(r'"(console_[a-z0-9_]+)"', console))
    keys |= {f"console_{k}" for k in re.findall(r'flash\("([a-z_]+)"', console)}
    keys |= {f"console_{k}" for k in ("session_expired", "login_required")}
    keys |= {f"console_rebuild_{k}" for k in ("built", "unchanged", "failed", "busy", "crashed")}
    keys |= {f"widget_suggestion_{n}" for n in (1, 2, 3)}
    return keys


def test_every_sentence_used_lives_in_the_catalogues():
    table = ui_strings()
    missing = sorted(k for k in _used_keys() if k not in table["fr"] or k not in table["en"])
    assert not missing, f"add these keys to web/strings/fr.yml and en.yml: {missing}"


@pytest.mark.parametrize("template", sorted(p.name for p in (WEB / "templates").rglob("*.html")))
def test_templates_have_no_inline_script_or_style(template):
    path = next((WEB / "templates").rglob(template))
    html = path.read_text(encoding="utf-8")
    assert not re.search(r"<script(?![^>]*\bsrc=)", html), "inline <script> breaks the CSP"
    assert "<style" not in html and " style=" not in html
    assert not re.search(r"\son[a-z]+=", html), "inline event handlers break the CSP"


def test_unknown_page_is_404(client):
    assert client.get("/nope").status_code == 404


def test_static_path_traversal_is_refused(client):
    assert client.get("/static/../console.py").status_code == 404

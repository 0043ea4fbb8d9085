"""User-facing sentences of the web layer: web/strings/fr.yml and en.yml.

Why: the widget, the API's error messages, the demo and privacy pages and the advisor console
are not things the bot says, so their sentences live with the web layer (editing a console
column header does not retrain Rasa). Keys are the same in both languages; a missing English
sentence falls back to the French one.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

from bot.settings import LANGUAGES

CATALOGUES = Path(__file__).resolve().parent / "strings"


@lru_cache(maxsize=1)
def ui_strings() -> dict[str, dict[str, str]]:
    """{"fr": {"send": "Envoyer", ...}, "en": {...}}."""
    return {lang: yaml.safe_load((CATALOGUES / f"{lang}.yml").read_text(encoding="utf-8")) or {}
            for lang in LANGUAGES}


def ui_string(key: str, lang: str) -> str:
    table = ui_strings()
    return table.get(lang, table["fr"]).get(key) or table["fr"][key]

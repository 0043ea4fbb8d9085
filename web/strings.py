"""User-facing sentences of the web layer, read from domain.yml (`utter_ui_*` responses).

Every sentence a user reads lives in domain.yml in French and English; the widget and the API's
error messages take theirs from here instead of hard-coding them.
"""
from __future__ import annotations

from functools import lru_cache

import yaml

from bot.settings import ROOT

PREFIX = "utter_ui_"


@lru_cache(maxsize=1)
def ui_strings() -> dict[str, dict[str, str]]:
    """{"fr": {"send": "Envoyer", ...}, "en": {...}} from the domain's utter_ui_* responses."""
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    strings: dict[str, dict[str, str]] = {"fr": {}, "en": {}}
    for name, variations in domain["responses"].items():
        if not name.startswith(PREFIX):
            continue
        key = name[len(PREFIX):]
        for variation in variations:
            conditions = variation.get("condition") or []
            lang = next((c["value"] for c in conditions if c.get("name") == "language"), "fr")
            strings[lang][key] = variation["text"]
    return strings


def ui_string(key: str, lang: str) -> str:
    table = ui_strings()
    return table.get(lang, table["fr"]).get(key) or table["fr"][key]

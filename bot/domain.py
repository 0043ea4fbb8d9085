"""The Rasa domain, split by feature in domain/*.yml, read as one mapping.

Why: Rasa merges the folder itself (`--domain domain`); Python code that needs a response's
wording (the consent sentence kept with a lead, drift tests) reads the same merge here rather
than one file's path.
"""
from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from bot.settings import ROOT

DOMAIN_DIR = ROOT / "domain"


@lru_cache(maxsize=4)
def load_domain(folder: Path = DOMAIN_DIR) -> dict[str, Any]:
    """Every domain/*.yml merged as Rasa merges them: mappings joined, lists concatenated."""
    merged: dict[str, Any] = {}
    for path in sorted(folder.glob("*.yml")):
        part = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for key, value in part.items():
            if isinstance(value, dict):
                merged.setdefault(key, {}).update(value)
            elif isinstance(value, list):
                merged.setdefault(key, []).extend(value)
            else:
                merged[key] = value
    return merged


def response_text(name: str, language: str, domain: Mapping[str, Any] | None = None) -> str:
    """The text of response `name` in `language` (the variation whose condition names it; the
    unconditioned one is French), "" when the domain has none. `domain` is a domain as Rasa
    sends it to the action server; without one, domain/ is read."""
    responses = (load_domain() if domain is None else domain).get("responses") or {}
    for variation in responses.get(name) or []:
        conditions = variation.get("condition") or []
        if (language == "en") == any(c.get("value") == "en" for c in conditions):
            return str(variation.get("text", ""))
    return ""

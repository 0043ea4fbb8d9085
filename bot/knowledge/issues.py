"""Problems found in knowledge files, and their wording in French and English.

Advisors are not developers, so every problem is reported as an `Issue` naming the file, the
line and the fix. Each issue carries a stable `code` (e.g. "fact-undated", documented in
knowledge/README.md) and its parameters; its message and fix are written in the catalogues
bot/knowledge/messages/{en,fr}.yml, keyed by code (or "code/variant"), so the console shows
them in its language and `bot check` in AWEX_CHECK_LANGUAGE. `message` and `fix` hold the
English wording, which callers that need one language (logs, publish's error) keep using.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from bot.settings import LANGUAGES

MESSAGES_DIR = Path(__file__).resolve().parent / "messages"


@lru_cache(maxsize=len(LANGUAGES))
def catalogue(language: str) -> dict[str, dict[str, str]]:
    """{key: {"message", "fix"}} in `language` (fr or en)."""
    if language not in LANGUAGES:
        raise ValueError(f"no check messages in '{language}' (known: {', '.join(LANGUAGES)})")
    data: dict[str, dict[str, str]] = yaml.safe_load(
        (MESSAGES_DIR / f"{language}.yml").read_text(encoding="utf-8"))
    return data


def fill(template: str, params: Mapping[str, Any]) -> str:
    """`template` with each {name} of `params` replaced; other braces ({2021}) stay as written."""
    for name, value in params.items():
        template = template.replace("{" + name + "}", str(value))
    return template


def wording(key: str, params: Mapping[str, Any], language: str) -> tuple[str, str]:
    """(message, fix) of catalogue entry `key` in `language`."""
    entry = catalogue(language)[key]
    return fill(entry["message"], params), fill(entry["fix"], params)


@dataclass(frozen=True)
class Issue:
    """One problem found in a knowledge file; `level` is "error" or "warning", `code` a stable
    name of the check (see knowledge/README.md) for callers that filter issues, `params` what
    its wording names, `variant` which wording of the code (when it has several)."""

    path: Path
    line: int
    message: str
    fix: str
    level: str = "error"
    code: str = ""
    params: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False)
    variant: str = ""

    @classmethod
    def of(cls, path: Path, line: int, code: str, level: str = "error", variant: str = "",
           **params: Any) -> Issue:
        """The issue `code` with its English wording from the catalogue."""
        key = f"{code}/{variant}" if variant else code
        message, fix = wording(key, params, "en")
        return cls(path, line, message, fix, level, code, dict(params), variant)

    @property
    def key(self) -> str:
        return f"{self.code}/{self.variant}" if self.variant else self.code

    def render(self, language: str = "en") -> tuple[str, str]:
        """(message, fix) in `language`; the stored English wording when the catalogue cannot
        word this issue (an issue made by hand, without code or parameters)."""
        if language == "en" or self.key not in catalogue(language):
            return self.message, self.fix
        entry = catalogue("en").get(self.key)
        if entry is None or fill(entry["message"], self.params) != self.message:
            return self.message, self.fix  # changed after it was made (publish moves paths)
        return wording(self.key, self.params, language)

    def text(self, language: str = "en") -> str:
        """`file:line: level: message — fix`, what `bot check` prints (level stays English,
        as scripts may grep it)."""
        message, fix = self.render(language)
        return f"{self.path}:{self.line}: {self.level}: {message} — {fix}"

    def __str__(self) -> str:
        return self.text("en")

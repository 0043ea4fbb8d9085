"""Turn a typed answer into a slot value: "nous faisons du chocolat" -> food, "35 salariés" ->
small, "50 000 €" -> medium. Buttons send values directly; this serves users who type."""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, List, Optional

import yaml

from bot.knowledge.lexical import fold

VOCABULARY_PATH = Path(__file__).with_name("vocabulary.yml")
NUMBER = re.compile(r"(\d+(?:[ .,]\d{3})*(?:[.,]\d+)?)\s*(k|m|mille|thousand|million)?", re.I)


@lru_cache(maxsize=1)
def vocabulary() -> Dict[str, Any]:
    return yaml.safe_load(VOCABULARY_PATH.read_text(encoding="utf-8"))


def _contains(text: str, words: List[str]) -> bool:
    return any(re.search(rf"(?<![a-z]){re.escape(fold(w))}(?![a-z])", text) for w in words)


def _numbers(text: str) -> List[float]:
    values = []
    for digits, unit in NUMBER.findall(text):
        cleaned = digits.replace(" ", "").replace(".", "").replace(",", ".") \
            if re.search(r"[ .,]\d{3}\b", digits) else digits.replace(",", ".")
        try:
            value = float(cleaned)
        except ValueError:
            continue
        unit = (unit or "").lower()
        value *= {"k": 1e3, "mille": 1e3, "thousand": 1e3, "m": 1e6, "million": 1e6}.get(unit, 1)
        values.append(value)
    return values


def parse_choice(slot: str, text: str) -> Optional[str]:
    """The value of a multiple-choice slot named in `text`, or None.

    The longest matching phrase wins, so "hors UE" (outside_eu) beats "UE" (eu).
    """
    folded = fold(text)
    matches = [(len(word), value) for value, words in vocabulary().get(slot, {}).items()
               for word in words if _contains(folded, [word])]
    return max(matches)[1] if matches else None


def parse_company_size(text: str) -> Optional[str]:
    numbers = _numbers(text)
    if numbers:
        people = numbers[0]
        return "micro" if people < 10 else "small" if people < 50 else \
            "medium" if people < 250 else "large"
    folded = fold(text)
    for value, words in {"micro": ["micro", "tpe", "independant", "seul", "freelance"],
                         "small": ["petite", "small"], "medium": ["moyenne", "medium", "pme"],
                         "large": ["grande", "large", "big"]}.items():
        if _contains(folded, words):
            return value
    return None


def parse_budget(text: str) -> Optional[str]:
    numbers = _numbers(text)
    if numbers:
        euros = numbers[0]
        return "none" if euros == 0 else "small" if euros < 20_000 else \
            "medium" if euros <= 100_000 else "large"
    return parse_choice("marketing_budget", text)


def parse_yes_no(text: str, allow_pending: bool = False) -> Optional[Any]:
    """True, False, "pending" (when allowed) or None."""
    folded = fold(text)
    if allow_pending and _contains(folded, vocabulary()["answer_pending"]):
        return "pending"
    if _contains(folded, vocabulary()["answer_no"]):
        return False
    if _contains(folded, vocabulary()["answer_yes"]):
        return True
    return None


def asks_restart(text: str) -> bool:
    """Whether the user asks to take the check again from the first question ("on
    recommence", "start over"), rather than to resume it ("reprendre le bilan")."""
    return _contains(fold(text), vocabulary()["restart"])


EMAIL = re.compile(r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$")
PHONE = re.compile(r"^\+?[0-9 ()./-]{8,20}$")


def valid_email(text: str) -> Optional[str]:
    text = text.strip()
    return text.lower() if EMAIL.match(text) and len(text) <= 254 else None


def valid_phone(text: str) -> Optional[str]:
    text = text.strip()
    return text if PHONE.match(text) and sum(c.isdigit() for c in text) >= 8 else None


def looks_like_email(text: str) -> bool:
    """An attempt at an e-mail address, valid or not ("marie@example", "marie(at)example.be",
    "marie arobase example", "marie at example.be")."""
    return bool(re.search(r"@|\(at\)|\[at\]|\barobase\b|\w\s+at\s+\w+\.\w{2,}", text, re.I))


def looks_like_phone(text: str) -> bool:
    """An attempt at a phone number, valid or not (at least 5 digits)."""
    return sum(c.isdigit() for c in text) >= 5


def valid_name(text: str, max_length: int = 120) -> Optional[str]:
    """A person's or company's name: not empty, not a question, not absurdly long."""
    text = " ".join(text.split())
    if not (2 <= len(text) <= max_length) or "?" in text or text.startswith("/"):
        return None
    return text

"""Export-readiness scoring and channel recommendation, driven by `rules.yml`.

Awex's own framing: identify the firms able to launch in Chinese e-commerce and target the right
channel; without enough back-office a surge of orders can be fatal. The rules (points, blocking
criteria, level thresholds, channel bonuses, regulatory to-dos) are data an advisor can read and
edit; this module only applies them. Sentences live in domain/assessment.yml, keyed by the
ids used here.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml

RULES_PATH = Path(__file__).with_name("rules.yml")
LEVELS = ("ready", "conditions", "not_yet")


class RulesError(ValueError):
    """rules.yml is inconsistent; the message names the entry and the fix."""


@dataclass(frozen=True)
class ChannelAdvice:
    id: str
    article: str
    score: int


@dataclass
class Assessment:
    level: str
    points: int
    max_points: int
    reasons: list[str] = field(default_factory=list)
    blocking_missing: list[str] = field(default_factory=list)
    channels: list[ChannelAdvice] = field(default_factory=list)
    todos: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class Rules:
    """Parsed and checked rules; `assess(answers)` applies them."""

    def __init__(self, data: Mapping[str, Any]):
        self.answers: dict[str, list[Any]] = data["answers"]
        self.criteria: list[dict[str, Any]] = data["criteria"]
        self.levels: list[dict[str, Any]] = data["levels"]
        self.channels: list[dict[str, Any]] = data["channels"]
        self.todos: list[dict[str, Any]] = data["todos"]
        self._check()

    @classmethod
    def load(cls, path: Path = RULES_PATH) -> Rules:
        return cls(yaml.safe_load(path.read_text(encoding="utf-8")))

    def _check(self) -> None:
        for level in self.levels:
            if level["level"] not in LEVELS:
                raise RulesError(f"unknown level '{level['level']}' in levels; use one of {LEVELS}")
        if self.levels[-1]["min_points"] != 0:
            raise RulesError("the last level must have min_points: 0 so every company gets one")
        for criterion in self.criteria:
            allowed = self.answers.get(criterion["slot"], [True, False])
            for value in list(criterion["met"]) + list(criterion.get("partial", {})):
                if value not in allowed:
                    raise RulesError(f"criterion '{criterion['slot']}': value {value!r} is not "
                                     f"one of the answers {allowed}")

    @property
    def max_points(self) -> int:
        return sum(c["points"] for c in self.criteria)

    def assess(self, answers: Mapping[str, Any], top: int = 3) -> Assessment:
        """Score the answers (missing ones count as not met) and rank the channel types."""
        points, reasons, blocking = 0, [], []
        for criterion in self.criteria:
            value = answers.get(criterion["slot"])
            if value in criterion["met"]:
                points += criterion["points"]
                continue
            points += criterion.get("partial", {}).get(value, 0)
            reasons.append(criterion["reason"])
            if criterion.get("blocking"):
                blocking.append(criterion["reason"])
        level = next(rule["level"] for rule in self.levels
                     if points >= rule["min_points"]
                     and len(blocking) <= rule["max_blocking_missing"])
        return Assessment(level=level, points=points, max_points=self.max_points,
                          reasons=reasons, blocking_missing=blocking,
                          channels=self.rank_channels(answers)[:top],
                          todos=self.matching_todos(answers))

    def rank_channels(self, answers: Mapping[str, Any]) -> list[ChannelAdvice]:
        ranked = []
        for channel in self.channels:
            only = channel.get("only_for", {})
            if any(answers.get(slot) not in values for slot, values in only.items()):
                continue
            score = channel["base"] + sum(bonus.get(answers.get(slot), 0)
                                          for slot, bonus in channel.get("bonus", {}).items())
            ranked.append(ChannelAdvice(channel["id"], channel["article"], score))
        # Stable sort: equal scores keep the file's order, which advisors control.
        return sorted(ranked, key=lambda c: -c.score)

    def matching_todos(self, answers: Mapping[str, Any]) -> list[str]:
        return [todo["id"] for todo in self.todos
                if all(answers.get(slot) in values for slot, values in todo["when"].items())]


_RULES: Rules | None = None


def default_rules() -> Rules:
    global _RULES
    if _RULES is None:
        _RULES = Rules.load()
    return _RULES

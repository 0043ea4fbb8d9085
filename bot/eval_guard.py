"""The evaluation guard: attaching a question must not silently break other answers.

After each publish from the console, the held-out figures (`bot eval-quick`: the frozen test
split of the gold questions, hybrid retrieval, shipped tuning) of the index before and of the
index after are compared: every figure that got worse is listed, and so is every test question
that was answered right before and no longer is (with what it gets now), so the advisor sees
what broke, not only that a percentage moved. Figures and outcomes are stored per index build
in a small JSON file under var/, so the "after" of one change is the "before" of the next and a
restart does not lose them.
"""
from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# Higher is better for these; "wrong" (answered with a wrong article) is the one to keep low.
HIGHER_IS_BETTER = ("right_section", "right_article", "answered", "declined")
LOWER_IS_BETTER = ("wrong",)
FIGURES = HIGHER_IS_BETTER + LOWER_IS_BETTER
LANGS = ("all", "fr", "en")

Figures = dict[str, dict[str, float]]  # language -> figure name -> value
# One test question's outcome, as `eval-quick` reports it: q, lang, right, article, section.
Outcome = dict[str, Any]


@dataclass(frozen=True)
class Drop:
    lang: str
    figure: str
    before: float
    after: float


def drops(before: Figures, after: Figures, tolerance: float = 1e-9) -> list[Drop]:
    """Every figure that got worse from `before` to `after`, in a stable order."""
    found = []
    for lang in LANGS:
        old, new = before.get(lang) or {}, after.get(lang) or {}
        for name in HIGHER_IS_BETTER + LOWER_IS_BETTER:
            if name not in old or name not in new:
                continue
            worse = new[name] < old[name] - tolerance if name in HIGHER_IS_BETTER \
                else new[name] > old[name] + tolerance
            if worse:
                found.append(Drop(lang, name, old[name], new[name]))
    return found


def changed(before: list[Outcome], after: list[Outcome]) -> tuple[list[Outcome], list[Outcome]]:
    """(broken, fixed): the test questions answered right before and not after, with their
    outcome after; and the ones answered right only after."""
    was = {(o.get("lang"), o.get("q")): bool(o.get("right")) for o in before}
    broken = [o for o in after if was.get((o.get("lang"), o.get("q"))) and not o.get("right")]
    fixed = [o for o in after if was.get((o.get("lang"), o.get("q"))) is False and o.get("right")]
    return broken, fixed


class FigureStore:
    """Figures and question outcomes per index build name, in a JSON file (written
    atomically)."""

    def __init__(self, path: Path):
        self.path = path

    def read(self) -> dict[str, Any]:
        try:
            data = json.loads(self.path.read_text("utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def _entry(self, index: str) -> dict[str, Any]:
        found = self.read().get(index)
        return found if isinstance(found, dict) and isinstance(found.get("figures"), dict) \
            else {}

    def get(self, index: str) -> Figures | None:
        figures: Figures | None = self._entry(index).get("figures")
        return figures

    def outcomes(self, index: str) -> list[Outcome]:
        found = self._entry(index).get("outcomes")
        return found if isinstance(found, list) else []

    def put(self, index: str, figures: Figures, outcomes: list[Outcome] | None = None,
            keep: int = 20) -> None:
        data = self.read()
        data.pop(index, None)
        data[index] = {"figures": figures, "outcomes": outcomes or []}
        data = dict(list(data.items())[-keep:])  # the latest builds are enough
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=self.path.parent, suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle)
        os.replace(temp, self.path)

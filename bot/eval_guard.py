"""The evaluation guard: attaching a question must not silently break other answers.

After each publish from the console, the held-out figures (`bot eval-quick`: the frozen test
split of the gold questions, hybrid retrieval, shipped tuning) of the index before and of the
index after are compared, and every figure that got worse is listed. Figures are stored per
index build in a small JSON file under var/, so the "after" of one change is the "before" of
the next and a restart does not lose them.
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


class FigureStore:
    """Figures per index build name, in a JSON file (written atomically)."""

    def __init__(self, path: Path):
        self.path = path

    def read(self) -> dict[str, Any]:
        try:
            data = json.loads(self.path.read_text("utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def get(self, index: str) -> Figures | None:
        found = self.read().get(index)
        return found if isinstance(found, dict) else None

    def put(self, index: str, figures: Figures, keep: int = 20) -> None:
        data = self.read()
        data.pop(index, None)
        data[index] = figures
        data = dict(list(data.items())[-keep:])  # the latest builds are enough
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=self.path.parent, suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle)
        os.replace(temp, self.path)

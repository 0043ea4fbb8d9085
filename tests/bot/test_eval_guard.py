"""The evaluation guard's comparison and its figure store (a real file)."""
from __future__ import annotations

from bot.eval_guard import Drop, FigureStore, changed, drops

BEFORE = {"all": {"right_section": 0.55, "answered": 0.76, "declined": 0.96, "wrong": 0.05},
          "fr": {"right_section": 0.52, "answered": 0.73, "declined": 0.93, "wrong": 0.08},
          "en": {"right_section": 0.61, "answered": 0.82, "declined": 1.0, "wrong": 0.0}}


def test_every_worse_figure_is_listed_and_better_ones_are_not():
    after = {"all": {**BEFORE["all"], "answered": 0.77, "wrong": 0.06},
             "fr": {**BEFORE["fr"], "declined": 0.9},
             "en": {**BEFORE["en"], "right_section": 0.62}}
    assert drops(BEFORE, after) == [Drop("all", "wrong", 0.05, 0.06),
                                    Drop("fr", "declined", 0.93, 0.9)]
    assert drops(BEFORE, BEFORE) == []
    assert drops(BEFORE, {"all": {"answered": 0.1}}) == [Drop("all", "answered", 0.76, 0.1)]


def test_store_keeps_figures_per_index_and_survives_a_bad_file(tmp_path):
    store = FigureStore(tmp_path / "var" / "eval_guard.json")
    assert store.get("build-a") is None
    store.put("build-a", BEFORE, [{"q": "Tmall ?", "lang": "fr", "right": True}])
    store.put("build-b", {"all": {"answered": 0.5}})
    assert store.get("build-a") == BEFORE
    assert store.outcomes("build-a") == [{"q": "Tmall ?", "lang": "fr", "right": True}]
    assert store.outcomes("build-b") == [] and store.outcomes("build-z") == []
    assert FigureStore(store.path).get("build-b") == {"all": {"answered": 0.5}}
    for n in range(30):
        store.put(f"build-{n}", BEFORE)
    assert len(store.read()) == 20 and store.get("build-a") is None
    store.path.write_text("not json", "utf-8")
    assert store.get("build-29") is None


def test_questions_broken_and_fixed_by_a_change_are_named():
    def outcome(q, lang, right, article=""):
        return {"q": q, "lang": lang, "right": right, "article": article, "section": ""}

    before = [outcome("Tmall ?", "fr", True, "tmall-global"), outcome("Tmall?", "en", False),
              outcome("Kaola ?", "fr", True, "kaola"), outcome("JD ?", "fr", False)]
    after = [outcome("Tmall ?", "fr", False, "old-figures"), outcome("Tmall?", "en", True, "t"),
             outcome("Kaola ?", "fr", True, "kaola"), outcome("JD ?", "fr", False),
             outcome("New ?", "fr", False)]  # not measured before: neither
    broken, fixed = changed(before, after)
    assert broken == [outcome("Tmall ?", "fr", False, "old-figures")]
    assert fixed == [outcome("Tmall?", "en", True, "t")]
    assert changed([], after) == ([], [])

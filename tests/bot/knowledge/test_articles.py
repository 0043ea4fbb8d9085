"""Parsing and checking knowledge files: every broken file names its file, line and fix."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from bot.knowledge.articles import load_corpus, parse_article, split_sentences
from tests.conftest import write_corpus


def test_tiny_corpus_loads_with_sections(tmp_path):
    corpus = load_corpus(write_corpus(tmp_path / "k"), today=dt.date(2026, 11, 27))
    assert corpus.errors == []
    tmall = corpus.get("tmall-global", "fr")
    assert tmall.title == "Tmall Global : conditions et coûts"
    assert [s.heading for s in tmall.sections] == ["Qui peut vendre sur Tmall Global ?",
                                                   "Combien coûte Tmall Global ?"]
    assert tmall.sections[1].line == 22
    assert tmall.sources[0].url == "https://example.org/source"
    assert len(corpus.articles) == 4


def test_split_sentences_keeps_abbreviated_numbers():
    assert split_sentences("La caution est de 150 000 RMB. Une commission s'ajoute ! Et ensuite ?") == [
        "La caution est de 150 000 RMB.", "Une commission s'ajoute !", "Et ensuite ?"]


def _broken(tmp_path: Path, text: str | bytes, name: str = "tmall-global.md", lang: str = "fr") -> Path:
    folder = write_corpus(tmp_path / "k")
    path = folder / lang / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return folder


GOOD = (Path(__file__).parent / "good_article.md")


def good_text(tmp_path) -> str:
    folder = write_corpus(tmp_path / "src")
    return (folder / "fr" / "tmall-global.md").read_text(encoding="utf-8")


BROKEN_CASES = {
    "no front matter": (lambda t: t.replace("---\n", "", 1), 1, "does not start with front matter"),
    "front matter never closed": (lambda t: t.replace("\n---\n\n## ", "\n\n## ", 1), 1, "never closed"),
    "invalid yaml": (lambda t: t.replace('topics: [platforms]', 'topics: [platforms', 1), 6, "not valid YAML"),
    "missing field": (lambda t: t.replace("reviewed: 2026-11-01\n", ""), 1, "'reviewed' is missing"),
    "unknown language": (lambda t: t.replace("lang: fr", "lang: de"), 3, "'de' is not supported"),
    "id differs from file": (lambda t: t.replace("id: tmall-global", "id: tmall"), 2, "differs from the file name"),
    "bad topic": (lambda t: t.replace("topics: [platforms]", "topics: [shopping]"), 5, "'shopping' is not in the list"),
    "bad date": (lambda t: t.replace("reviewed: 2026-11-01", "reviewed: hier"), 10, "is not a date"),
    "source without url": (lambda t: t.replace('    url: "https://example.org/source"\n', ""), 6, "lacks its title, url or date"),
    "too few questions": (lambda t: t.split('  - "Quel est')[0] + "---" + t.split("---", 2)[2], 12, "at least 3 example questions"),
    "empty section": (lambda t: t.replace("Tmall Global accepte les entreprises enregistrées hors de Chine qui possèdent une marque déposée. La plateforme fonctionne sur invitation.", ""), 18, "is empty"),
    "overlong section": (lambda t: t.replace("La plateforme fonctionne sur invitation.", "Texte. " * 200), 18, "characters long"),
    "html in text": (lambda t: t.replace("sur invitation.", "sur <script>alert(1)</script> invitation."), 18, "contains HTML"),
    "text before heading": (lambda t: t.replace("---\n\n## Qui", "---\nIntro libre.\n\n## Qui"), 17, "before the first section heading"),
    "dead internal link": (lambda t: t.replace("sur invitation.", "sur invitation, voir [JD](kb:jd-world)."), 18, "kb:jd-world"),
    "dead related id": (lambda t: t.replace("related: []", "related: [nowhere]"), 11, "'nowhere' does not exist"),
}


@pytest.mark.parametrize("case", sorted(BROKEN_CASES))
def test_broken_file_names_file_line_and_fix(tmp_path, case):
    mutate, line, fragment = BROKEN_CASES[case]
    folder = _broken(tmp_path, mutate(good_text(tmp_path)))
    corpus = load_corpus(folder, today=dt.date(2026, 11, 27))
    errors = [e for e in corpus.errors if e.path.name == "tmall-global.md"]
    assert errors, f"{case}: no error reported"
    error = next((e for e in errors if fragment in e.message), None)
    assert error is not None, f"{case}: {[str(e) for e in errors]}"
    assert error.line == line, str(error)
    assert error.fix and str(error).startswith(str(folder / "fr" / "tmall-global.md"))


def test_wrong_encoding_is_reported_with_line(tmp_path):
    text = good_text(tmp_path).replace("coûts", "co\udcfbts")
    raw = text.encode("utf-8", errors="surrogateescape")
    corpus = load_corpus(_broken(tmp_path, raw))
    error = next(e for e in corpus.errors if "UTF-8" in e.message)
    assert error.line == 4 and "encoding" in error.fix


def test_huge_file_is_refused(tmp_path):
    corpus = load_corpus(_broken(tmp_path, "x" * 300_000))
    assert any("over the" in e.message for e in corpus.errors)


def test_missing_translation_and_duplicate_id(tmp_path):
    folder = write_corpus(tmp_path / "k")
    (folder / "en" / "liege-hub.md").unlink()
    (folder / "fr" / "copy.md").write_text(
        (folder / "fr" / "tmall-global.md").read_text("utf-8").replace("id: tmall-global", "id: copy"), "utf-8")
    corpus = load_corpus(folder, today=dt.date(2026, 11, 27))
    messages = [str(e) for e in corpus.errors]
    assert any("no EN version of 'liege-hub'" in m for m in messages)
    assert any("no EN version of 'copy'" in m for m in messages)


def test_stale_review_is_a_warning_not_an_error(tmp_path):
    folder = write_corpus(tmp_path / "k")
    corpus = load_corpus(folder, today=dt.date(2028, 6, 1), stale_after_months=12)
    assert corpus.errors == []
    assert len(corpus.warnings) == 4 and "months ago" in corpus.warnings[0].message


def test_shipped_corpus_passes_check():
    from bot.settings import ROOT

    corpus = load_corpus(ROOT / "knowledge")
    assert corpus.errors == [], "\n".join(map(str, corpus.errors))
    ids = {a.id for a in corpus.articles}
    assert len(ids) >= 40
    for article in corpus.articles:
        assert len(article.questions) >= 3
        assert corpus.get(article.id, "en" if article.lang == "fr" else "fr") is not None

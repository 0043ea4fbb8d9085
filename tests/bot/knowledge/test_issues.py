"""Check messages in French and English: one catalogue entry per issue code, both languages,
the same parameters; `bot check` keeps its `file:line: level: message — fix` lines."""
from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

from bot.cli import main
from bot.knowledge.articles import load_corpus
from bot.knowledge.issues import Issue, catalogue, fill
from bot.settings import LANGUAGES, ROOT
from tests.helpers.corpus import write_corpus

SOURCES = [ROOT / "bot" / "knowledge" / name
           for name in ("articles.py", "parsing.py", "sections.py", "checks.py")]
# report(line, "code", ...) and Issue.of(path, line, "code", ...), with an optional variant.
# (Not its definition; calls among the arguments, such as field_lines.get("id", 1), skipped.)
CALL = re.compile(
    r"""(?<!def )(?<!# )(?:report\(|Issue\.of\()"""
    r"""(?:[^"()]|\((?:[^()]|\([^()]*\))*\))*?"([a-z-]+)"(?P<rest>[^)]*)""", re.DOTALL)
VARIANT = re.compile(r'variant=(?:"[a-z-]*"\s+if\s+[^"]*else\s+)?"([a-z-]+)"')
PARAM = re.compile(r"\{(?!fixed\})(?:[a-z_]+|LANG)\}")  # {fixed} is a marker


def codes_in_code() -> set[str]:
    keys = set()
    for path in SOURCES:
        for match in CALL.finditer(path.read_text("utf-8")):
            keys.add(match.group(1))
            keys.update(f"{match.group(1)}/{v}" for v in VARIANT.findall(match.group("rest")))
    return keys


def test_every_key_the_code_reports_is_in_both_catalogues_and_no_other():
    used = codes_in_code()
    assert {"fact-undated", "marker-malformed/stray", "source-unknown/no-ids",
            "translation-mismatch/sources", "knowledge-dir-missing"} <= used
    for language in LANGUAGES:
        assert set(catalogue(language)) == used, language


def test_every_code_is_in_the_advisors_table_of_codes():
    readme = (ROOT / "knowledge" / "README.md").read_text("utf-8")
    table = "\n".join(line for line in readme.splitlines() if line.startswith("| `"))
    documented = set(re.findall(r"`([a-z]+(?:-[a-z]+)+)`", table))
    assert {key.split("/")[0] for key in catalogue("en")} == documented


def test_both_languages_name_the_same_parameters():
    english, french = catalogue("en"), catalogue("fr")
    for key, entry in english.items():
        for part in ("message", "fix"):
            assert french[key][part] and french[key][part] != entry[part], (key, part)
            assert set(PARAM.findall(french[key][part])) == set(PARAM.findall(entry[part])), (
                key, part)


def test_fill_replaces_parameters_only():
    assert fill("the marker '{marker}' — write {2021} or {fixed}", {"marker": "{20x}"}) == \
        "the marker '{20x}' — write {2021} or {fixed}"


@pytest.fixture
def broken(tmp_path, monkeypatch):
    folder = write_corpus(tmp_path / "knowledge")
    (folder / "fr" / "broken.md").write_text("pas de front matter\n", encoding="utf-8")
    (folder / "en" / "liege-hub.md").unlink()  # the FR article loses its English version
    monkeypatch.setenv("AWEX_KNOWLEDGE_DIR", str(folder))
    monkeypatch.setenv("AWEX_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("AWEX_CHECK_LANGUAGE", raising=False)
    return folder


def test_issues_render_in_both_languages_with_their_parameters(broken):
    corpus = load_corpus(broken)
    missing = next(i for i in corpus.issues if i.code == "translation-missing")
    assert missing.render("en") == (missing.message, missing.fix)
    assert missing.message == "there is no EN version of 'liege-hub'"
    assert missing.render("fr") == ("il n'y a pas de version EN de 'liege-hub'",
                                    "ajoutez knowledge/en/liege-hub.md avec le même identifiant")
    for issue in corpus.issues:
        for language in LANGUAGES:
            message, fix = issue.render(language)
            assert message and fix and not PARAM.search(message + fix), (issue, language)


def test_an_issue_without_its_parameters_keeps_its_english_wording():
    made_by_hand = Issue(ROOT / "x.md", 3, "something is wrong", "repair it", code="id-invalid")
    assert made_by_hand.render("fr") == ("something is wrong", "repair it")


def test_bot_check_prints_file_line_message_fix_in_the_chosen_language(broken, monkeypatch):
    runner = CliRunner()
    english = runner.invoke(main, ["check"])
    assert english.exit_code == 1
    line = f"{broken / 'fr' / 'broken.md'}:1: error: the file does not start with front matter — "
    assert line in english.output
    french = runner.invoke(main, ["check", "--lang", "fr"])
    assert f"{broken / 'fr' / 'broken.md'}:1: error: le fichier ne commence pas par " \
           "l'en-tête (front matter) — mettez d'abord une ligne '---'" in french.output
    monkeypatch.setenv("AWEX_CHECK_LANGUAGE", "fr")
    assert "il n'y a pas de version EN" in runner.invoke(main, ["check"]).output

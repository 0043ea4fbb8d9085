"""Teaching: example questions written into real knowledge files, checked before they replace
the file, logged in a real SQLite app database, and undone."""
from __future__ import annotations

import pytest

from bot.knowledge import teach
from bot.knowledge.articles import load_corpus
from bot.knowledge.publish import (
    CheckFailed,
    Conflict,
    TeachError,
    text_hash,
    undo,
)
from bot.knowledge.teach import add_questions, attach
from tests.helpers.corpus import article_text
from tests.helpers.teach import article, front_matter, log_rows


def test_add_questions_one_line_each_and_valid_yaml():
    source = ('---\nid: a\nquestions:\n  - "Une ?"\n  - "Deux ?"\nrelated: []\n---\n\n'
              '## T\n\nTexte.\n')
    new, added = add_questions(source, ['Trois : "quatre" ?', "  une   ? ", "Cinq\n#six"])
    assert added == ['Trois : "quatre" ?', "Cinq #six"]  # "une ?" is already listed
    old_lines, new_lines = source.split("\n"), new.split("\n")
    assert len(new_lines) == len(old_lines) + 2
    assert new_lines[5:7] == ['  - "Trois : \\"quatre\\" ?"', '  - "Cinq #six"']
    assert [line for line in new_lines if line not in old_lines] == new_lines[5:7]
    assert front_matter(new)["questions"] == ["Une ?", "Deux ?", 'Trois : "quatre" ?',
                                              "Cinq #six"]
    assert front_matter(new)["related"] == []


def test_add_questions_refuses_a_flow_list():
    with pytest.raises(TeachError) as error:
        add_questions('---\nid: a\nquestions: ["a", "b", "c"]\n---\n', ["d"])
    assert error.value.code == "questions-not-a-list"


def test_attach_writes_checks_and_logs(ws):
    path = article(ws)
    before = path.read_text("utf-8")
    change = attach(ws, "tmall-global", "fr", ["Faut-il une marque pour Tmall ?"],
                    text_hash(before), "conseil@awex.be", section="Qui peut vendre ?")
    after = path.read_text("utf-8")
    assert front_matter(after)["questions"][-1] == "Faut-il une marque pour Tmall ?"
    assert len(after.split("\n")) == len(before.split("\n")) + 1
    corpus = load_corpus(ws.knowledge_dir)
    assert not corpus.errors
    assert "Faut-il une marque pour Tmall ?" in corpus.get("tmall-global", "fr").questions
    [row] = log_rows(ws)
    assert (row.id, row.kind, row.advisor, row.path, row.section) == (
        change.id, "attach", "conseil@awex.be", "fr/tmall-global.md", "Qui peut vendre ?")
    assert row.questions == ["Faut-il une marque pour Tmall ?"]
    assert (row.hash_before, row.hash_after) == (text_hash(before), text_hash(after))
    assert row.previous_text == before and row.created_at is not None
    assert not list(path.parent.glob(".*.tmp"))


def test_a_question_attached_to_a_section_is_written_with_it(ws):
    """The section is written where that heading exists (the French file here); the English
    file gets the question for the whole article."""
    fr, en = article(ws, "fr"), article(ws, "en")
    heading = next(line[3:] for line in fr.read_text("utf-8").split("\n")
                   if line.startswith("## "))
    teach.attach_languages(ws, "tmall-global", {
        "fr": (["Et la caution ?"], text_hash(fr.read_text("utf-8"))),
        "en": (["And the deposit?"], text_hash(en.read_text("utf-8")))},
        "conseil@awex.be", section=heading)
    assert f'  - {{q: "Et la caution ?", section: "{heading}"}}' in fr.read_text("utf-8")
    assert '  - "And the deposit?"' in en.read_text("utf-8")
    corpus = load_corpus(ws.knowledge_dir)
    assert not corpus.errors
    assert corpus.get("tmall-global", "fr").question_sections == {"Et la caution ?": heading}
    again, added = add_questions(fr.read_text("utf-8"), ["et la  CAUTION ?"])
    assert added == []  # already listed, in its mapping form


def test_nothing_to_add_and_unknown_article(ws):
    path = article(ws)
    digest = text_hash(path.read_text("utf-8"))
    with pytest.raises(TeachError) as error:
        attach(ws, "tmall-global", "fr", ["Quel est le prix de Tmall Global ?"], digest, "a")
    assert error.value.code == "nothing-to-add"
    for article_id, lang in (("../../etc/passwd", "fr"), ("tmall-global", "de"),
                             ("absent", "fr")):
        with pytest.raises(TeachError) as error:
            attach(ws, article_id, lang, ["x ?"], digest, "a")
        assert error.value.code == "unknown-article"
    assert log_rows(ws) == []


def test_new_article_needs_both_languages_and_undo_removes_both(ws):
    texts = {
        "fr": article_text("new-topic", "fr", "Les salons en Chine", [(
            "Faut-il aller à un salon en Chine ?",
            "Un salon permet de rencontrer des importateurs. Awex organise des pavillons.")],
            ["Quels salons en Chine ?", "Faut-il un stand ?", "Awex a-t-elle un pavillon ?"]),
        "en": article_text("new-topic", "en", "Trade fairs in China", [(
            "Should I attend a trade fair in China?",
            "A trade fair lets you meet importers. Awex organises pavilions.")],
            ["Which fairs in China?", "Do I need a stand?", "Does Awex have a pavilion?"])}
    with pytest.raises(CheckFailed) as error:
        teach.create_article(ws, "new-topic", {"en": texts["en"]}, "a")
    assert "translation-missing" in {i.code for i in error.value.issues}
    assert not article(ws, "en", "new-topic").exists()
    changes = teach.create_article(ws, "new-topic", texts, "a")
    assert [c.hash_before for c in changes] == ["", ""]
    assert len({c.batch for c in changes}) == 1
    assert not load_corpus(ws.knowledge_dir).errors
    with pytest.raises(Conflict):  # it exists now: a second draft of that id is a conflict
        teach.create_article(ws, "new-topic", texts, "b")
    undone = undo(ws, changes[1].id, "a")
    assert sorted(c.undoes for c in undone) == sorted(c.id for c in changes)
    assert not article(ws, "fr", "new-topic").exists()
    assert not article(ws, "en", "new-topic").exists()


def test_a_mixed_group_is_attached_in_each_language_as_one_change(ws):
    fr, en = article(ws, "fr"), article(ws, "en")
    hashes = {p: text_hash(p.read_text("utf-8")) for p in (fr, en)}
    changes = teach.attach_languages(ws, "tmall-global", {
        "fr": (["Tmall est-il cher ?"], hashes[fr]),
        "en": (["Is Tmall expensive?", "What is the price of Tmall Global?"], hashes[en])}, "a")
    assert [(c.lang, c.questions) for c in changes] == [("en", ["Is Tmall expensive?"]),
                                                        ("fr", ["Tmall est-il cher ?"])]
    assert changes[0].batch == changes[1].batch
    assert "Is Tmall expensive?" in front_matter(en.read_text("utf-8"))["questions"]
    undo(ws, changes[1].id, "a")
    assert {p: text_hash(p.read_text("utf-8")) for p in (fr, en)} == hashes


def test_a_draft_is_rendered_in_the_format_and_saved_when_it_checks(ws):
    draft = teach.Draft(
        article_id="trade-fairs", titles={"fr": 'Salons : "CIIE" et autres', "en": "Fairs"},
        topics=["marketing"],
        sources=[{"id": "awex", "title": "Awex: salons", "url": "https://example.org/awex",
                  "date": "2025"}],
        sections=[{"fr": ("Faut-il aller à un salon en Chine ?",
                          "Un salon permet de rencontrer des importateurs. Awex organise "
                          "des pavillons belges."),
                   "en": ("Should I attend a fair in China?",
                          "A fair lets you meet importers. Awex organises Belgian "
                          "pavilions.")}],
        questions={"fr": ["Quels salons en Chine ?", "Faut-il un stand ?", "Un pavillon ?"],
                   "en": ["Which fairs?", "Do I need a stand?", "A pavilion?"]})
    text = teach.render_article(draft, "fr")
    assert front_matter(text)["title"] == 'Salons : "CIIE" et autres'
    assert text.rstrip().endswith("Sources : awex")
    assert teach.render_article(draft, "en").rstrip().endswith("Sources: awex")
    changes = teach.create_draft(ws, draft, "a@awex.be")
    assert [c.kind for c in changes] == ["draft", "draft"]
    corpus = load_corpus(ws.knowledge_dir)
    assert not corpus.errors
    assert corpus.get("trade-fairs", "en").questions[0] == "Which fairs?"
    draft.article_id, draft.questions = "short", {"fr": ["Une seule ?"], "en": []}
    with pytest.raises(CheckFailed) as error:
        teach.create_draft(ws, draft, "a@awex.be")
    assert {i.code for i in error.value.issues} == {"questions-too-few"}
    assert not article(ws, "fr", "short").exists()


def _section(**changes) -> teach.NewSection:
    section = teach.NewSection(
        article_id="tmall-global",
        texts={"fr": ("Faut-il un chiffre d'affaires minimum ?",
                      "Tmall Global ne publie aucun chiffre d'affaires minimum.\n"
                      "Demandez les critères de votre catégorie à votre Tmall Partner."),
               "en": ("Is there a minimum turnover?",
                      "Tmall Global publishes no minimum turnover. Ask your Tmall Partner for "
                      "the criteria of your category.")},
        cite=["officielle"],
        sources=[{"id": "criteres", "title": "Critères : recrutement Tmall",
                  "url": "https://example.org/criteres", "date": "2025-03"}],
        questions={"fr": ["faut un CA minimum pr tmall ?"], "en": []})
    for key, value in changes.items():
        setattr(section, key, value)
    return section


def test_a_section_is_added_to_both_files_with_its_sources_and_questions(ws):
    fr, en = article(ws, "fr"), article(ws, "en")
    before = {p: p.read_text("utf-8") for p in (fr, en)}
    changes = teach.create_section(ws, _section(), {
        "fr": text_hash(before[fr]), "en": text_hash(before[en])}, "conseil@awex.be")
    assert [(c.kind, c.lang, c.section) for c in changes] == [
        ("section", "en", "Is there a minimum turnover?"),
        ("section", "fr", "Faut-il un chiffre d'affaires minimum ?")]
    assert changes[0].batch == changes[1].batch
    text = fr.read_text("utf-8")
    assert text.rstrip().endswith(
        "## Faut-il un chiffre d'affaires minimum ?\n\nTmall Global ne publie aucun chiffre "
        "d'affaires minimum. Demandez les critères de votre catégorie à votre Tmall Partner."
        "\nSources : officielle, criteres")  # one paragraph, one line
    meta = front_matter(text)
    assert meta["sources"][-1] == {"id": "criteres", "title": "Critères : recrutement Tmall",
                                   "url": "https://example.org/criteres", "date": "2025-03"}
    assert meta["questions"][-1] == {"q": "faut un CA minimum pr tmall ?",
                                     "section": "Faut-il un chiffre d'affaires minimum ?"}
    assert front_matter(en.read_text("utf-8"))["sources"][-1]["id"] == "criteres"
    corpus = load_corpus(ws.knowledge_dir)
    assert not corpus.errors
    assert corpus.get("tmall-global", "fr").question_sections == {
        "faut un CA minimum pr tmall ?": "Faut-il un chiffre d'affaires minimum ?"}
    headings = [s.heading for s in corpus.get("tmall-global", "en").sections]
    assert headings[-1] == "Is there a minimum turnover?"
    undo(ws, changes[1].id, "conseil@awex.be")
    assert {p: p.read_text("utf-8") for p in (fr, en)} == before


def test_a_section_that_fails_the_check_or_repeats_writes_nothing(ws):
    fr, en = article(ws, "fr"), article(ws, "en")
    before = {p: p.read_text("utf-8") for p in (fr, en)}
    hashes = {"fr": text_hash(before[fr]), "en": text_hash(before[en])}
    undated = _section(texts={"fr": ("Combien de marques ?", "Tmall Global compte 46 000 "
                                     "marques. La plateforme grandit."),
                              "en": ("How many brands?", "Tmall Global has 46,000 brands. "
                                     "It keeps growing.")})
    with pytest.raises(CheckFailed) as error:
        teach.create_section(ws, undated, hashes, "a")
    assert {i.code for i in error.value.issues} == {"fact-undated"}
    assert {i.path for i in error.value.issues} == {fr, en}
    for code, section in (
            ("section-exists", _section(texts={**_section().texts, "fr": (
                "Combien coûte  Tmall Global ?", "Cher.")})),
            ("source-exists", _section(sources=[{"id": "officielle", "title": "t",
                                                 "url": "https://example.org/x",
                                                 "date": "2025"}]))):
        with pytest.raises(TeachError) as refused:
            teach.create_section(ws, section, hashes, "a")
        assert refused.value.code == code
    with pytest.raises(Conflict):
        teach.create_section(ws, _section(), {"fr": hashes["fr"], "en": "stale"}, "a")
    assert {p: p.read_text("utf-8") for p in (fr, en)} == before
    assert log_rows(ws) == []

"""Publishing: hash checks (conflicts), `bot check` before any write, the change log in a real
SQLite app database, undo, concurrent writers; on real files through `attach`."""
from __future__ import annotations

import threading

import pytest

from bot.knowledge import publish, teach
from bot.knowledge.publish import (
    CheckFailed,
    Conflict,
    TeachError,
    text_hash,
    undo,
)
from bot.knowledge.teach import add_questions, attach
from tests.helpers.teach import article, log_rows


def test_conflict_writes_nothing_and_carries_both_versions(ws):
    path = article(ws)
    seen = path.read_text("utf-8")
    other, _ = add_questions(seen, ["Question d'un collègue ?"])
    path.write_text(other, "utf-8")  # a colleague published in between
    with pytest.raises(Conflict) as error:
        attach(ws, "tmall-global", "fr", ["Ma question ?"], text_hash(seen), "a@awex.be")
    assert path.read_text("utf-8") == other
    assert error.value.current_text == other and error.value.current_hash == text_hash(other)
    assert "Ma question ?" in error.value.wanted_text
    assert "Question d'un collègue ?" in error.value.wanted_text
    assert log_rows(ws) == []


def test_failed_check_publishes_nothing(ws):
    path = article(ws)
    broken = path.read_text("utf-8").replace("topics: [platforms]", "topics: [shopping]")
    path.write_text(broken, "utf-8")
    with pytest.raises(CheckFailed) as error:
        attach(ws, "tmall-global", "fr", ["Ma question ?"], text_hash(broken), "a@awex.be")
    assert path.read_text("utf-8") == broken
    [issue] = error.value.issues
    assert issue.path == path and issue.code == "topic-unknown" and issue.line == 5
    assert log_rows(ws) == []


def test_a_change_that_breaks_another_file_is_refused(ws):
    """A new file duplicating a paragraph of another article: the error may be reported on
    either file, and it is still this change's error."""
    source = article(ws).read_text("utf-8").replace("id: tmall-global", "id: copie")
    with pytest.raises(CheckFailed) as error:
        teach.create_article(ws, "copie", {"fr": source}, "a@awex.be")
    assert {i.code for i in error.value.issues} >= {"duplicate-paragraph"}
    assert not article(ws, "fr", "copie").exists()


def test_existing_errors_elsewhere_do_not_block(ws):
    other = article(ws, "fr", "liege-hub")
    other.write_text(other.read_text("utf-8").replace("topics: [platforms]",
                                                      "topics: [nope]"), "utf-8")
    path = article(ws)
    attach(ws, "tmall-global", "fr", ["Ma question ?"], text_hash(path.read_text("utf-8")),
           "a@awex.be")
    assert "Ma question ?" in path.read_text("utf-8")


def test_undo_restores_the_previous_text_and_is_logged(ws):
    path = article(ws)
    before = path.read_text("utf-8")
    change = attach(ws, "tmall-global", "fr", ["Ma question ?"], text_hash(before), "a@awex.be")
    [reverted] = undo(ws, change.id, "b@awex.be")
    assert path.read_text("utf-8") == before
    assert (reverted.kind, reverted.undoes, reverted.advisor) == ("undo", change.id, "b@awex.be")
    assert reverted.hash_after == text_hash(before)
    assert publish.undone_ids(ws) == {change.id}
    assert [c.id for c in publish.changes(ws)] == [reverted.id, change.id]
    with pytest.raises(TeachError) as error:
        undo(ws, change.id, "b@awex.be")
    assert error.value.code == "already-undone"
    with pytest.raises(TeachError) as error:
        undo(ws, 999, "b@awex.be")
    assert error.value.code == "unknown-change"


def test_undo_refuses_when_the_file_changed_since(ws):
    path = article(ws)
    first = attach(ws, "tmall-global", "fr", ["Une ?"], text_hash(path.read_text("utf-8")), "a")
    attach(ws, "tmall-global", "fr", ["Deux ?"], text_hash(path.read_text("utf-8")), "b")
    current = path.read_text("utf-8")
    with pytest.raises(Conflict):
        undo(ws, first.id, "a")
    assert path.read_text("utf-8") == current
    assert len(log_rows(ws)) == 2


def test_concurrent_attaches_with_the_same_hash_one_wins(ws):
    path = article(ws)
    digest = text_hash(path.read_text("utf-8"))
    outcomes: list[str] = []

    def run(question: str) -> None:
        try:
            attach(ws, "tmall-global", "fr", [question], digest, question)
            outcomes.append("ok")
        except Conflict:
            outcomes.append("conflict")

    threads = [threading.Thread(target=run, args=(f"Question {n} ?",)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["conflict"] * 3 + ["ok"]
    assert sum(f"Question {n} ?" in path.read_text("utf-8") for n in range(4)) == 1
    assert len(log_rows(ws)) == 1


def test_a_write_that_fails_halfway_leaves_every_file_and_the_log_as_they_were(ws, monkeypatch):
    """The second file of a two-file change (a new article) cannot be written: the first is
    removed again and nothing is logged."""
    texts = {lang: article(ws, lang).read_text("utf-8").replace(
        "id: tmall-global", "id: new-topic") for lang in ("fr", "en")}
    monkeypatch.setattr(publish, "check_replacement", lambda *args: [])  # not the point here
    real_write = publish.write_atomic

    def failing(path, text):
        if path.parent.name == "en" and text is not None:
            raise OSError("disk full")
        real_write(path, text)

    monkeypatch.setattr(publish, "write_atomic", failing)
    with pytest.raises(OSError):
        teach.create_article(ws, "new-topic", texts, "a")
    assert not article(ws, "fr", "new-topic").exists()
    assert not article(ws, "en", "new-topic").exists()
    assert log_rows(ws) == []


def test_check_issues_name_the_real_file_and_keep_both_wordings(ws):
    path = article(ws, "fr", "liege-hub")
    broken = path.read_text("utf-8").replace("topics: [platforms]", "topics: [shopping]")
    issues = publish.check_replacement(ws.knowledge_dir, {path: broken})
    # the French file is left out, so its English twin loses its pair: caused by this change
    assert {(i.path, i.code) for i in issues} == {
        (path, "topic-unknown"), (article(ws, "en", "liege-hub"), "translation-missing")}
    issue = next(i for i in issues if i.code == "topic-unknown")
    assert issue.render("fr")[1].startswith("utilisez uniquement :")
    assert issue.render("en")[1].startswith("use only:")
    assert path.read_text("utf-8") != broken  # checking writes nothing

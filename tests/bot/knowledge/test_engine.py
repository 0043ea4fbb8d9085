"""Hybrid search on a tiny corpus with the real model: answers, gate, language, hot reload."""
from __future__ import annotations

import pytest

from bot.knowledge.engine import ANSWER, NO_ANSWER, KnowledgeBase, trim_at_sentence
from bot.knowledge.index import IndexError_, build_index, current_path
from bot.settings import Settings


@pytest.fixture
def kb(knowledge_env: Settings) -> KnowledgeBase:
    build_index(knowledge_env)
    return KnowledgeBase(knowledge_env, check_interval=0.0)


def test_french_question_gets_french_section_with_source(kb):
    result = kb.search("Combien coûte une boutique Tmall Global ?", "fr")
    assert result.status == ANSWER, result
    assert result.answer.article_id == "tmall-global" and result.answer.lang == "fr"
    assert result.answer.heading == "Combien coûte Tmall Global ?"
    assert result.answer.sources[0].url == "https://example.org/source"
    assert "lexical" in result.candidates[0].found_by


def test_english_question_gets_english_section(kb):
    result = kb.search("What does Alibaba run at Liège airport?", "en")
    assert result.status == ANSWER
    assert (result.answer.article_id, result.answer.lang) == ("liege-hub", "en")


def test_unrelated_question_is_declined(kb):
    result = kb.search("Quelle équipe a gagné la coupe du monde de rugby ?", "fr")
    assert result.status == NO_ANSWER
    assert result.answer is None


def test_typo_is_corrected_by_the_lexical_side(kb):
    result = kb.search("la cauttion de tmall", "fr")
    assert result.status == ANSWER and result.answer.article_id == "tmall-global"


def test_follow_up_uses_previous_topic(kb):
    result = kb.search("et la caution ?", "fr", previous_article="tmall-global")
    assert result.answer.article_id == "tmall-global"


def test_other_language_section_when_only_it_exists(kb, knowledge_env):
    (knowledge_env.knowledge_dir / "fr" / "liege-hub.md").unlink()
    # Build directly from the parsed corpus, skipping the FR/EN pairing check on purpose.
    from bot.knowledge.articles import load_corpus

    corpus = load_corpus(knowledge_env.knowledge_dir)
    corpus.issues = []
    build_index(knowledge_env, corpus=corpus)
    result = kb.search("le hub Cainiao d'Alibaba à Liège", "fr")
    assert result.answer.article_id == "liege-hub"
    assert result.answer.other_language and result.answer.lang == "en"


def test_hot_reload_and_corrupt_index_keeps_previous(kb, knowledge_env):
    before = kb.search("Combien coûte Tmall Global ?", "fr").answer.text
    article = knowledge_env.knowledge_dir / "fr" / "tmall-global.md"
    article.write_text(article.read_text("utf-8").replace("150 000 RMB", "200 000 RMB"), "utf-8")
    build_index(knowledge_env)
    after = kb.search("Combien coûte Tmall Global ?", "fr").answer.text
    assert "150 000" in before and "200 000" in after

    serving = kb.index().path
    article.write_text(article.read_text("utf-8").replace("200 000 RMB", "250 000 RMB"), "utf-8")
    report = build_index(knowledge_env)
    (report.path / "vectors.faiss").write_bytes(b"garbage")
    assert kb.search("Combien coûte Tmall Global ?", "fr").answer.text == after
    assert kb.index().path == serving and "corrupt" in kb.last_error

    (report.path / "vectors.faiss").unlink()
    report = build_index(knowledge_env, force=True)
    (report.path / "lexical.npz").write_bytes(b"garbage")
    assert kb.search("Combien coûte Tmall Global ?", "fr").answer.text == after
    assert kb.index().path == serving and "unreadable" in kb.last_error


def test_model_mismatch_is_refused_with_clear_message(kb, knowledge_env, monkeypatch):
    monkeypatch.setenv("AWEX_EMBEDDING_MODEL", "some-other-model")
    other = KnowledgeBase(Settings.from_env())
    with pytest.raises(IndexError_, match="built with the model 'all-MiniLM-L6-v2'"):
        other.index()


def test_trim_at_sentence_never_cuts_mid_sentence():
    text = "Première phrase courte. " * 40
    trimmed = trim_at_sentence(text, limit=100)
    assert trimmed.endswith(".") and len(trimmed) <= 100

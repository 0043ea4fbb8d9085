"""Hybrid search on a tiny corpus with the real model: answers, gate, language, hot reload."""
from __future__ import annotations

import numpy as np
import pytest

from bot.knowledge.engine import ANSWER, NO_ANSWER, KnowledgeBase, Status, trim_at_sentence
from bot.knowledge.index import build_index
from bot.knowledge.store import IndexError_
from bot.knowledge.tuning import RetrievalTuning
from bot.settings import DEFAULT_MODEL, ROOT, Settings

SHIPPED = ROOT / "bot" / "retrieval.yml"


@pytest.fixture
def fresh_kb(knowledge_env: Settings) -> KnowledgeBase:
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


def test_other_language_section_when_only_it_exists(fresh_kb, knowledge_env):
    (knowledge_env.knowledge_dir / "fr" / "liege-hub.md").unlink()
    # Build directly from the parsed corpus, skipping the FR/EN pairing check on purpose.
    from bot.knowledge.articles import load_corpus

    corpus = load_corpus(knowledge_env.knowledge_dir)
    corpus.issues = []
    build_index(knowledge_env, corpus=corpus)
    result = fresh_kb.search("le hub Cainiao d'Alibaba à Liège", "fr")
    assert result.answer.article_id == "liege-hub"
    assert result.answer.other_language and result.answer.lang == "en"


def test_hot_reload_and_corrupt_index_keeps_previous(fresh_kb, knowledge_env):
    before = fresh_kb.search("Combien coûte Tmall Global ?", "fr").answer.text
    article = knowledge_env.knowledge_dir / "fr" / "tmall-global.md"
    article.write_text(article.read_text("utf-8").replace("150 000 RMB", "200 000 RMB"), "utf-8")
    build_index(knowledge_env)
    after = fresh_kb.search("Combien coûte Tmall Global ?", "fr").answer.text
    assert "150 000" in before and "200 000" in after

    serving = fresh_kb.index().path
    article.write_text(article.read_text("utf-8").replace("200 000 RMB", "250 000 RMB"), "utf-8")
    report = build_index(knowledge_env)
    (report.path / "vectors.faiss").write_bytes(b"garbage")
    assert fresh_kb.search("Combien coûte Tmall Global ?", "fr").answer.text == after
    assert fresh_kb.index().path == serving and "corrupt" in fresh_kb.last_error

    (report.path / "vectors.faiss").unlink()
    report = build_index(knowledge_env, force=True)
    (report.path / "lexical.npz").write_bytes(b"garbage")
    assert fresh_kb.search("Combien coûte Tmall Global ?", "fr").answer.text == after
    assert fresh_kb.index().path == serving and "unreadable" in fresh_kb.last_error


def test_model_mismatch_is_refused_with_clear_message(fresh_kb, knowledge_env, monkeypatch):
    monkeypatch.setenv("AWEX_EMBEDDING_MODEL", "some-other-model")
    other = KnowledgeBase(Settings.from_env())
    with pytest.raises(IndexError_, match=f"built with the model '{DEFAULT_MODEL}'"):
        other.index()


def test_trim_at_sentence_never_cuts_mid_sentence():
    text = "Première phrase courte. " * 40
    trimmed = trim_at_sentence(text, limit=100)
    assert trimmed.endswith(".") and len(trimmed) <= 100


@pytest.mark.parametrize("message", ["👍", "???", "ok", "merci !", "ok merci"])
def test_content_free_messages_never_get_an_answer(kb, message):
    result = kb.search(message, "fr", previous_article="tmall-global")
    assert result.status == NO_ANSWER and result.answer is None and not result.candidates


def test_a_complete_new_question_is_not_read_as_a_follow_up(kb):
    result = kb.search("What does Alibaba run at Liège airport?", "en",
                       previous_article="tmall-global")
    assert result.answer.article_id == "liege-hub" and not result.read_as_follow_up


def test_the_answer_cites_the_sources_of_the_section_shown(kb):
    result = kb.search("Combien coûte une boutique Tmall Global ?", "fr")
    section_sources = [s.id for s in result.answer.sources]
    assert section_sources, "a section names its own sources"
    article = kb.index().articles[("tmall-global", "fr")]
    section = next(s for s in article["sections"] if s["heading"] == result.answer.heading)
    assert section_sources == [s["id"] for s in section["sources"]]


def test_the_answer_offers_the_articles_other_sections_by_score(kb):
    result = kb.search("Combien coûte une boutique Tmall Global ?", "fr")
    assert result.answer.heading == "Combien coûte Tmall Global ?"
    assert result.answer.more == [(0, "Qui peut vendre sur Tmall Global ?")]


def test_a_section_asked_by_number_is_shown_with_the_others_offered(kb):
    result = kb.search("Combien coûte une boutique Tmall Global ?", "fr",
                       only_article="tmall-global", only_section=0)
    assert result.answer.heading == "Qui peut vendre sur Tmall Global ?"
    assert result.answer.more == [(1, "Combien coûte Tmall Global ?")]
    stale = kb.search("Combien coûte une boutique Tmall Global ?", "fr",
                      only_article="tmall-global", only_section=9)
    assert stale.answer.heading == "Combien coûte Tmall Global ?"


def test_an_unknown_article_choice_is_an_outcome_not_a_crash(kb):
    result = kb.search("", "fr", only_article="nope")
    assert result.status == Status.UNKNOWN_ARTICLE and result.answer is None


def test_articles_with_the_same_paragraph_are_not_a_clarification(kb):
    import dataclasses

    index = kb.index()
    # Force a tie between two articles, then give them the same best section: no question.
    signals = index.signals("caution Tmall Global", "fr", kb.tuning)
    wide = dataclasses.replace(kb.tuning, clarify_margin=1.0)
    result = index.decide(signals, "fr", wide)
    assert result.status in (Status.CLARIFY, Status.ANSWER)
    if result.status == Status.CLARIFY:
        ids = [aid for aid, _ in result.options]
        assert len(ids) == len(set(ids)) >= 2
    original = index._same_answer
    index._same_answer = lambda *args: True
    try:
        assert index.decide(signals, "fr", wide).status == Status.ANSWER
    finally:
        index._same_answer = original


def test_gate_reads_its_parameters_from_the_tuning(kb):
    import dataclasses

    index = kb.index()
    signals = index.signals("Combien coûte une boutique Tmall Global ?", "fr", kb.tuning)
    gate = kb.tuning.gate["hybrid"]
    never = dataclasses.replace(kb.tuning, gate={**kb.tuning.gate,
                                                 "hybrid": gate.with_threshold(1.01)})
    if never.rerank is not None:  # a question read alone is decided by the reranker's gate
        never = dataclasses.replace(never, rerank=dataclasses.replace(
            never.rerank, gate=never.rerank.gate.with_threshold(1.01)))
    assert index.decide(signals, "fr", kb.tuning).status == ANSWER
    assert index.decide(signals, "fr", never).status == NO_ANSWER


def _reranker(kb, coef: dict[str, float], threshold: float = 0.0):
    """A reranker with hand-set weights (features unscaled), its gate the plain one."""
    import numpy as np

    from bot.knowledge.scoring import RERANK_FEATURES
    from bot.knowledge.tuning import RerankModel

    n = len(RERANK_FEATURES)
    return RerankModel(RERANK_FEATURES, np.zeros(n), np.ones(n),
                       np.array([coef.get(f, 0.0) for f in RERANK_FEATURES]), 0.0, 10,
                       kb.tuning.gate["hybrid"].with_threshold(threshold))


def test_the_reranker_reorders_the_best_fused_articles_of_a_question_read_alone(kb):
    """A reranker that prefers the lower fused rank reverses the order; its probability is the
    candidates' score. Without the reranker (or asked not to), the fused order stands."""
    import dataclasses

    index = kb.index()
    plain = dataclasses.replace(kb.tuning, rerank=None)
    signals = index.signals("Combien coûte une boutique Tmall Global ?", "fr", plain)
    fused = index.score(signals, "fr", plain).order[:2].tolist()
    reverse = dataclasses.replace(plain, rerank=_reranker(kb, {"rank": 5.0}))
    scored = index.score(signals, "fr", reverse)
    assert scored.order[:2].tolist() == fused[::-1]
    assert scored.rank_score is not None and scored.gate is reverse.rerank.gate
    assert scored.rank_score[fused[1]] > scored.rank_score[fused[0]]
    assert 0.0 < scored.features["rerank"] <= 1.0 and scored.features["rerank_margin"] > 0
    assert index.score(signals, "fr", reverse, rerank=False).order[:2].tolist() == fused
    assert index.score(signals, "fr", reverse, mode="dense").order[0] == \
        index.score(signals, "fr", plain, mode="dense").order[0]
    rows = index.rerank_rows(signals, "fr", np.asarray(fused), scored.fused, scored.lexical)
    assert rows.shape == (2, len(reverse.rerank.features))
    assert rows[0, reverse.rerank.features.index("same_language")] > 0.5


def test_a_follow_up_is_decided_by_the_plain_gate_in_the_fused_order(kb):
    """The reranker learnt from complete questions: "et les délais ?" read with the previous
    topic keeps the fused order and the plain gate, even when the reranker's gate would
    decline everything; a complete question is decided by the reranker's gate."""
    import dataclasses

    never = dataclasses.replace(kb.tuning, rerank=_reranker(kb, {"rank": 5.0}, 1.01))
    index = kb.index()
    follow_up = index.search("et les délais ?", "fr", never, previous_article="tmall-global")
    assert follow_up.read_as_follow_up and follow_up.status == ANSWER
    assert follow_up.answer.article_id == "tmall-global"
    alone = index.search("Combien coûte une boutique Tmall Global ?", "fr", never)
    assert alone.status == NO_ANSWER



def test_an_opener_falls_back_to_an_orientation_article_that_exists(kb):
    """"Par où commencer ?" with nothing else to go on gets the first orientation article the
    index holds; one removed from the knowledge base is skipped, not a crash."""
    import dataclasses

    index = kb.index()
    opener = "slt, jveux vendre mes pralines en chine, jcommence par ou ?"
    signals = index.signals(opener, "fr", kb.tuning)
    assert signals.opener
    never = dataclasses.replace(kb.tuning, gate={
        **kb.tuning.gate, "hybrid": kb.tuning.gate["hybrid"].with_threshold(1.01)})
    # (the gate alone would decline it)
    gone = dataclasses.replace(never, orientation_articles=["channel-overview", "liege-hub"])
    assert "channel-overview" not in index.article_ids
    result = index.decide(signals, "fr", gone)
    assert result.status == ANSWER and result.answer.article_id == "liege-hub"
    nothing = dataclasses.replace(never, orientation_articles=["channel-overview"])
    assert index.decide(signals, "fr", nothing).status == NO_ANSWER


@pytest.mark.parametrize("question, lang, opener", [
    ("jveux vendre mes bougies parfumees en chine, c koi la 1ere etape ?", "fr", True),
    ("speculoos vers la chine c jouable ? on commence comment", "fr", True),
    ("Par quoi commencer pour vendre nos gaufres en Chine ?", "fr", True),
    ("Combien coûte une boutique Tmall Global ?", "fr", False),
    # the first step of a named procedure is a question about that procedure
    ("Quelle est la première étape de l'enregistrement GACC ?", "fr", False),
    ("1ere etape pour deposer ma marque en chine ?", "fr", False),
    ("Quelle est la première étape pour vendre nos pralines en Chine ?", "fr", True),
    ("We're a small cheese maker. Where do we even start with China?", "en", True),
    ("We make waffles. What is the first step?", "en", True),
    ("how to get started in China?", "en", True),
    ("What is the first step to register a trademark in China?", "en", False),
    ("What is the first step to sell our beer in China?", "en", True),
    ("how to get started on Tmall Global", "en", False),
    ("how long does GACC registration take?", "en", False),
])
def test_the_shipped_opener_patterns_read_the_ways_smes_ask_where_to_start(
        kb, question, lang, opener):
    """The shipped tuning's "where do I start?" patterns, on phrasings of the gold set's
    development questions (a matching question orients when the gate is unsure); "first
    step" and "on commence comment" only end a message, so the first step of a named
    procedure is not read as one."""
    assert kb.index().signals(question, lang, RetrievalTuning.load(SHIPPED)).opener is opener


def test_an_opener_orients_unless_the_gate_is_sure_of_a_specific_answer(kb):
    """"Pouvons-nous vendre nos produits sur Tmall Global en Chine ?" would be answered with
    Tmall Global; as an opener, it orients first while the gate is less sure than
    `opener_sure`, and gets the specific answer when the gate is surer."""
    import dataclasses

    index = kb.index()
    opener = "Pouvons-nous vendre nos produits sur Tmall Global en Chine ?"
    signals = index.signals(opener, "fr", kb.tuning)
    answers = dataclasses.replace(kb.tuning, orientation_articles=("liege-hub",), gate={
        **kb.tuning.gate, "hybrid": kb.tuning.gate["hybrid"].with_threshold(0.0)},
        opener_sure=0.0)
    assert signals.opener
    assert index.decide(signals, "fr", answers).answer.article_id == "tmall-global"
    unsure = dataclasses.replace(answers, opener_sure=1.01)
    assert index.decide(signals, "fr", unsure).answer.article_id == "liege-hub"


def test_a_question_about_another_market_is_marked_for_the_gate(kb):
    """"Elsewhere": another country or marketplace named, and nothing Chinese; the gate weighs
    it (the hard out-of-scope questions: "cosmetics in Japan" reads like a cosmetics one)."""
    index = kb.index()
    for question, lang, expected in (
            ("what are the rules for selling cosmetics in Japan?", "en", True),
            ("Exporter du chocolat vers la Corée du Sud, quelles règles ?", "fr", True),
            ("slt jveux vendre sur amazon usa c koi les frais", "fr", True),
            ("On vend en Allemagne, un acheteur de Canton nous a contactés : que faire ?", "fr",
             False),
            ("Combien coûte une boutique Tmall Global ?", "fr", False)):
        signals = index.signals(question, lang, kb.tuning)
        assert signals.elsewhere is expected, question
        features = index.score(signals, lang, kb.tuning).features
        assert features["elsewhere"] == float(expected)
    assert "elsewhere" in kb.tuning.gate["hybrid"].features


def test_a_question_attached_to_a_section_shows_that_section(fresh_kb, knowledge_env):
    """An example question tied to a section is one of its keys: asked, it gets that
    section even where another section reads closer."""
    question = "Et pour démarrer, il faut quoi ?"
    before = fresh_kb.search(question, "fr", only_article="tmall-global").answer.heading
    other = next(h for h in ("Qui peut vendre sur Tmall Global ?", "Combien coûte Tmall Global ?")
                 if h != before)
    path = knowledge_env.knowledge_dir / "fr" / "tmall-global.md"
    path.write_text(path.read_text("utf-8").replace(
        "questions:\n", f'questions:\n  - {{q: "{question}", section: "{other}"}}\n', 1),
        "utf-8")
    build_index(knowledge_env)
    assert fresh_kb.search(question, "fr", only_article="tmall-global").answer.heading == other


def companion_tuning(folder, monkeypatch: pytest.MonkeyPatch, companion: str) -> None:
    """Serve with bot/retrieval.yml, except for the companion encoder it names."""
    import yaml

    from bot.settings import ROOT

    tuning = yaml.safe_load((ROOT / "bot" / "retrieval.yml").read_text("utf-8"))
    tuning.update(companion_model=companion, companion_weight={"fr": 0.2, "en": 0.5})
    path = folder / "retrieval.yml"
    folder.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(tuning), "utf-8")
    monkeypatch.setenv("AWEX_RETRIEVAL_CONFIG", str(path))


@pytest.mark.slow
def test_the_companion_encoder_is_mixed_into_the_dense_score_by_language(knowledge_env,
                                                                         monkeypatch):
    """retrieval.yml may name a companion encoder (MiniLM) whose cosines are mixed into the
    dense score with a per-language weight: 0 is the primary encoder alone, 1 the companion
    alone. (Measured held out, it ranks better but answers no better: not shipped, see
    docs/eval/encoder-fusion.md.)"""
    import dataclasses

    import numpy as np

    from bot.knowledge.engine import dense_mix
    from bot.knowledge.store import read_meta
    from bot.settings import MINILM_MODEL

    companion_tuning(knowledge_env.var_dir, monkeypatch, MINILM_MODEL)
    settings = Settings.from_env()
    report = build_index(settings)
    assert read_meta(report.path)["companion_model"] == MINILM_MODEL
    assert (report.path / "companion.faiss").exists()
    kb = KnowledgeBase(settings)
    index = kb.index()
    assert index.companion is not None and index.companion.size == index.size
    question = "How much does a Tmall Global store cost?"
    signals = index.signals(question, "en", kb.tuning, all_encoders=True)
    assert signals.companion is not None and signals.companion.max() > 0.3
    assert not np.allclose(signals.companion, signals.dense)  # two different encoders
    only = {w: dataclasses.replace(kb.tuning, companion_weight={"en": w}) for w in (0.0, 1.0)}
    assert np.array_equal(dense_mix(signals, only[0.0], "en"), signals.dense)
    assert np.allclose(dense_mix(signals, only[1.0], "en"), signals.companion)
    half = dataclasses.replace(kb.tuning, companion_weight={"en": 0.5})
    assert np.allclose(dense_mix(signals, half, "en"), (signals.dense + signals.companion) / 2)
    # Serving runs the companion only for a language that gives it weight.
    assert index.signals(question, "en", only[0.0]).companion is None
    assert index.signals(question, "en", only[1.0]).companion is not None
    assert kb.search(question, "en").answer is not None

    # An index records its companion; a tuning naming another one (or none) asks for a
    # rebuild instead of mixing cosines of a model the index was not built with.
    companion_tuning(knowledge_env.var_dir, monkeypatch, "")
    with pytest.raises(IndexError_, match=f"companion encoder '{MINILM_MODEL}'"):
        KnowledgeBase(Settings.from_env()).index()
    rebuilt = build_index(Settings.from_env())  # the rebuild the message asks for
    assert rebuilt.status == "built" and not (rebuilt.path / "companion.faiss").exists()
    assert KnowledgeBase(Settings.from_env()).index().companion is None


def test_a_name_the_knowledge_holds_is_its_own_topic(kb):
    """"c'est quoi Cainiao ?" after a Tmall question is a new question about the article that
    mentions Cainiao, not a follow-up of Tmall (issue 12: "c'est quoi Atlas Company ?" after
    Liège returned Liège)."""
    import dataclasses

    index = kb.index()
    assert kb.tuning.name_max_articles > 0
    signals = index.signals("c'est quoi Cainiao ?", "fr", kb.tuning)
    assert [index.article_ids[i] for i in signals.named] == ["liege-hub"]
    result = kb.search("c'est quoi Cainiao ?", "fr", previous_article="tmall-global")
    assert result.status == ANSWER and result.answer.article_id == "liege-hub"
    assert not result.read_as_follow_up
    # A word every article holds names nothing; neither does a word the corpus does not know.
    assert not index.signals("c'est quoi la Chine ?", "fr", kb.tuning).named
    assert not index.signals("qui est Zébulon ?", "fr", kb.tuning).named
    off = dataclasses.replace(kb.tuning, name_max_articles=0)
    assert not index.signals("c'est quoi Cainiao ?", "fr", off).named


def test_a_declined_question_may_suggest_its_two_likeliest_topics(kb):
    """Below the answer gate but above suggest_threshold, the engine does not answer; it
    offers its two best articles to choose from (most declined answerable questions have a
    right one among them, docs/eval/retrieval.md)."""
    import dataclasses

    index = kb.index()
    signals = index.signals("Combien coûte une boutique Tmall Global ?", "fr", kb.tuning)
    gate = kb.tuning.gate["hybrid"]
    declined = {"gate": {**kb.tuning.gate, "hybrid": gate.with_threshold(1.01)},
                "rerank": None}  # the plain gate decides
    suggest = dataclasses.replace(kb.tuning, suggest_threshold=0.0, **declined)
    result = index.decide(signals, "fr", suggest)
    assert result.status == NO_ANSWER and result.answer is None
    assert result.options[0] == ("tmall-global", "Tmall Global : conditions et coûts")
    assert len(result.options) == 2
    silent = dataclasses.replace(kb.tuning, suggest_threshold=1.01, **declined)
    assert index.decide(signals, "fr", silent).options == []


def test_sms_shorthand_is_searched_spelt_out(kb):
    import numpy as np

    index = kb.index()
    sms = index.signals("c koi la caution sur tmall ?", "fr", kb.tuning)
    full = index.signals("c'est quoi la caution sur tmall ?", "fr", kb.tuning)
    assert sms.query == full.query == "c'est quoi la caution sur tmall ?"
    assert np.allclose(sms.dense, full.dense) and np.allclose(sms.bm25, full.bm25)


def test_the_gate_uses_the_threshold_of_the_questions_language(kb):
    import dataclasses

    index = kb.index()
    signals = index.signals("Combien coûte une boutique Tmall Global ?", "fr", kb.tuning)
    gate = kb.tuning.gate["hybrid"]

    def with_thresholds(fr: float, en: float):  # the plain gate decides (no reranker)
        return dataclasses.replace(kb.tuning, rerank=None, gate={
            **kb.tuning.gate, "hybrid": dataclasses.replace(gate, thresholds={"fr": fr, "en": en})})

    assert index.decide(signals, "fr", with_thresholds(1.01, 0.0)).status == NO_ANSWER
    assert index.decide(signals, "fr", with_thresholds(0.0, 1.01)).status == ANSWER


def test_a_name_the_previous_article_does_not_hold_is_a_topic_of_its_own(kb):
    """"c'est quoi Atlas Company ?" after the Liège hub is a new question, not a follow-up
    (the rule itself: tests/bot/knowledge/test_topics.py)."""
    index = kb.index()
    alone = index.search("c'est quoi Atlas Company ?", "fr", kb.tuning)
    after = index.search("c'est quoi Atlas Company ?", "fr", kb.tuning,
                         previous_article="liege-hub")
    assert not after.read_as_follow_up
    assert [c.article_id for c in after.candidates] == [c.article_id for c in alone.candidates]


@pytest.fixture(scope="module")
def shipped() -> KnowledgeBase:
    """The shipped corpus and tuning, on the index `make test` builds (var/index)."""
    return KnowledgeBase(Settings.from_env())


@pytest.mark.slow
def test_a_short_message_naming_another_title_is_its_own_topic(shipped):
    """"et pour les droits de douane ?" after WeChat names the customs duties article's title
    with words WeChat does not hold, and alone would be answered: not a follow-up (issue 12).
    "et la caution ?" after Tmall Global has words Tmall holds: still one."""
    result = shipped.search("et pour les droits de douane ?", "fr",
                            previous_article="wechat-social-selling")
    assert result.status == ANSWER and not result.read_as_follow_up
    assert result.answer.article_id == "customs-duties"
    caution = shipped.search("et la caution ?", "fr", previous_article="tmall-global")
    assert caution.read_as_follow_up and caution.answer.article_id == "tmall-global"


@pytest.mark.slow
def test_a_capitalised_name_in_a_few_articles_gets_the_section_it_heads(shipped):
    """Atlas Company is in six articles (too many to name one) but heads one section; a rare
    word written in lower case names nothing ("traduire", in two articles)."""
    index, tuning = shipped.index(), shipped.tuning
    named = index.signals("c'est quoi Atlas Company ?", "fr", tuning).named
    assert [index.article_ids[i] for i in named] == ["kol-influencers"]
    result = shipped.search("c'est quoi Atlas Company ?", "fr",
                            previous_article="liege-cainiao-hub")
    assert result.status == ANSWER and not result.read_as_follow_up
    assert result.answer.heading == "L'exemple d'Atlas Company en 2019"
    assert not index.signals("tu peux traduire « bonjour » en chinois ?", "fr", tuning).named


def test_a_follow_up_picks_its_section_with_the_follow_up_weight(kb, monkeypatch):
    """A message read with the previous topic has its section chosen with
    `follow_up_section_lexical_weight`; a question read alone with the language's weight."""
    import dataclasses

    index = kb.index()
    tuning = dataclasses.replace(kb.tuning, follow_up_section_lexical_weight=0.7,
                                 section_lexical_weight={"fr": 0.0, "en": 0.0})
    seen = []
    original = index._answer

    def spy(article_id, lang, signals, used, mode):
        seen.append(used.section_lexical_weight["fr"])
        return original(article_id, lang, signals, used, mode)

    monkeypatch.setattr(index, "_answer", spy)
    follow_up = index.search("et les délais ?", "fr", tuning, previous_article="tmall-global")
    assert follow_up.read_as_follow_up and seen == [0.7]
    index.search("Combien coûte une boutique Tmall Global ?", "fr", tuning)
    assert seen == [0.7, 0.0]

"""Building the index: fingerprinted skips, incremental embedding, atomic publication."""
from __future__ import annotations

import json
import time

import numpy as np

from bot.knowledge.index import build_index
from bot.knowledge.lexical import BM25
from bot.knowledge.store import current_path, read_meta
from bot.settings import DEFAULT_MODEL, Settings


def test_build_then_unchanged_then_incremental(knowledge_env: Settings, capsys):
    started = time.perf_counter()
    first = build_index(knowledge_env)
    full_seconds = time.perf_counter() - started
    # 6 sections, each keyed by its text and by its heading, and 12 example questions.
    assert first.status == "built" and first.embedded == first.keys == 24
    assert current_path(knowledge_env.index_dir) == first.path
    meta = read_meta(first.path)
    assert meta["model"] == DEFAULT_MODEL and meta["index_type"] == "flat"
    assert meta["companion_model"] == knowledge_env.tuning().companion_model

    assert build_index(knowledge_env).status == "unchanged"

    article = knowledge_env.knowledge_dir / "fr" / "liege-hub.md"
    article.write_text(article.read_text("utf-8").replace(
        "Des trains et des avions", "Des trains, des camions et des avions"), "utf-8")
    started = time.perf_counter()
    second = build_index(knowledge_env)
    incremental_seconds = time.perf_counter() - started
    assert second.status == "built"
    assert second.embedded == 1 and second.reused == 23  # only the edited section
    with capsys.disabled():
        print(f"\n[timing] tiny corpus: full build {full_seconds:.2f}s, "
              f"incremental rebuild after one edit {incremental_seconds:.2f}s "
              f"({second.embedded} section re-embedded)")


def test_failed_check_leaves_serving_index_untouched(knowledge_env: Settings):
    built = build_index(knowledge_env)
    broken = knowledge_env.knowledge_dir / "en" / "tmall-global.md"
    broken.write_text("no front matter here", "utf-8")
    report = build_index(knowledge_env)
    assert report.status == "failed"
    assert any("does not start with front matter" in e for e in report.errors)
    assert current_path(knowledge_env.index_dir) == built.path
    assert (built.path / "vectors.faiss").exists()


def test_approximate_index_above_the_flat_limit(knowledge_env: Settings, monkeypatch):
    monkeypatch.setenv("AWEX_FLAT_INDEX_MAX", "5")
    report = build_index(Settings.from_env())
    assert read_meta(report.path)["index_type"] == "hnsw"


def test_index_saves_lemma_postings_and_keys_without_texts(knowledge_env: Settings):
    """Keys say only where they point; the BM25 postings (folded lemmas) are saved as arrays
    that a server loads as they are."""
    report = build_index(knowledge_env)
    articles = json.loads((report.path / "articles.json").read_text("utf-8"))
    with np.load(report.path / "keys.npz") as keys:
        article, section = keys["article"], keys["section"]
    assert len(article) == len(section) == report.keys == 24
    assert set(section) >= {-1, 0} and all(0 <= a < len(articles) for a in article)
    bm25 = BM25.load(report.path)
    assert bm25.size == report.keys
    with_caution = bm25.postings("caution")[0]
    assert any(articles[article[i]]["lang"] == "fr" and section[i] >= 0 for i in with_caution)
    assert any(len(bm25.postings(form)[0]) for form in ("cout", "couter", "coute"))
    assert len(bm25.postings("coût")[0]) == 0  # accents are folded away




def test_a_rebuild_lemmatises_only_the_keys_that_changed(knowledge_env: Settings, monkeypatch):
    """Lemmatising every key was ~95% of a build that embeds nothing; the lemma lists are
    cached beside the embeddings, keyed by spaCy's versions, language and text."""
    from bot.knowledge import lexical

    lemmatised: list[str] = []
    real = lexical.lemmas

    def counting(texts, lang):
        lemmatised.extend(texts)
        return real(texts, lang)

    monkeypatch.setattr(lexical, "lemmas", counting)
    first = build_index(knowledge_env)
    assert len(lemmatised) == first.keys == 24
    lemmatised.clear()
    article = knowledge_env.knowledge_dir / "fr" / "liege-hub.md"
    article.write_text(article.read_text("utf-8").replace(
        "Des trains et des avions", "Des trains, des camions et des avions"), "utf-8")
    second = build_index(knowledge_env)
    assert second.status == "built" and len(lemmatised) == 1 and "camions" in lemmatised[0]
    # The cached lists are the ones spaCy gives: the same postings as a build without cache.
    cached = BM25.load(second.path)
    (knowledge_env.index_dir / "cache" / "lemmas.sqlite").unlink()
    third = build_index(knowledge_env, force=True)
    assert BM25.load(third.path).vocabulary_size == cached.vocabulary_size
    assert lexical.lemma_fingerprint().startswith(f"v{lexical.LEMMA_VERSION};spacy=")


def test_a_new_lemmatiser_rebuilds_the_index(knowledge_env: Settings, monkeypatch):
    """The BM25 postings must read words as queries do: a new spaCy model or LEMMA_VERSION
    changes the build's fingerprint, so `bot build` does not keep the old postings."""
    from bot.knowledge import index

    assert build_index(knowledge_env).status == "built"
    assert build_index(knowledge_env).status == "unchanged"
    monkeypatch.setattr(index, "lemma_fingerprint", lambda: "v99;spacy=9.9")
    assert build_index(knowledge_env).status == "built"

"""Build the knowledge index offline and publish it atomically.

A build writes a complete new folder beside the current one, then swaps the `CURRENT` pointer
(`bot.knowledge.store` owns the format). A failed check or build never touches the serving
index, and a running action server notices the new pointer and switches.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from bot.knowledge import store
from bot.knowledge.articles import Article, Corpus, load_corpus
from bot.knowledge.lexical import LemmaCache, lemma_fingerprint
from bot.knowledge.store import FORMAT_VERSION, IndexError_, current_path, read_meta
from bot.knowledge.vectors import Embedder, EmbeddingCache, VectorIndex
from bot.settings import Settings


@dataclass
class BuildReport:
    status: str  # "built", "unchanged" or "failed"
    fingerprint: str = ""
    path: Path | None = None
    keys: int = 0
    embedded: int = 0
    reused: int = 0
    seconds: float = 0.0
    errors: list[str] = field(default_factory=list)
    errors_fr: list[str] = field(default_factory=list)  # the same, worded in French


def key_records(articles: list[Article]) -> list[dict]:
    """Every searchable key: each section (with its article title), each section's heading
    alone (headings are phrased as the question the section answers, so a short question
    finds its section even when the paragraph says much else), and each example question
    (one attached to a section is a key of that section: it picks the section shown)."""
    records = []
    for article in articles:
        for section in article.sections:
            records.append({"kind": "section", "id": article.id, "lang": article.lang,
                            "section": section.position,
                            "text": f"{article.title}. {section.heading}. {section.text}"})
            records.append({"kind": "heading", "id": article.id, "lang": article.lang,
                            "section": section.position,
                            "text": f"{article.title}. {section.heading}"})
        position = {section.heading: section.position for section in article.sections}
        for question in article.questions:
            # a question attached to a section counts as one of that section's keys
            tied = position.get(article.question_sections.get(question, ""), -1)
            records.append({"kind": "question", "id": article.id, "lang": article.lang,
                            "section": tied, "text": question})
    return records


def corpus_fingerprint(knowledge_files: list[Path], model_name: str,
                       companion_model: str = "") -> str:
    """What a build depends on: the format, the encoders, how words are lemmatised (a new
    spaCy model or LEMMA_VERSION: the BM25 postings must read words as queries do) and the
    knowledge files."""
    digest = hashlib.sha256(f"v{FORMAT_VERSION}\0{model_name}\0{companion_model}\0"
                            f"{lemma_fingerprint()}".encode())
    for path in knowledge_files:
        digest.update(path.as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def build_index(settings: Settings, force: bool = False, progress: bool = False,
                corpus: Corpus | None = None,
                log: Callable[[str], None] = lambda _: None) -> BuildReport:
    """Check the corpus, embed what changed, write a new index folder, switch the pointer."""
    started = time.perf_counter()
    corpus = corpus or load_corpus(settings.knowledge_dir,
                                   stale_after_months=settings.stale_after_months)
    if corpus.errors:
        return BuildReport("failed", errors=[str(e) for e in corpus.errors],
                           errors_fr=[e.text("fr") for e in corpus.errors],
                           seconds=time.perf_counter() - started)
    files = sorted(a.path for a in corpus.articles)
    companion_model = settings.tuning().companion_model
    fingerprint = corpus_fingerprint(files, settings.model_name, companion_model)
    existing = current_path(settings.index_dir)
    if not force and existing is not None and (existing / "meta.json").exists():
        try:
            if read_meta(existing).get("fingerprint") == fingerprint:
                # Same content, but is it intact?
                store.load(existing, settings.model_name, companion_model)
                return BuildReport("unchanged", fingerprint, existing,
                                   seconds=time.perf_counter() - started)
        except (OSError, ValueError, IndexError_) as exc:
            log(f"the current index at {existing} is unreadable ({exc}); rebuilding")

    articles = sorted(corpus.articles, key=lambda a: (a.lang, a.id))
    records = key_records(articles)
    texts = [r["text"] for r in records]
    cache_path = settings.index_dir / "cache" / "embeddings.sqlite"
    vectors, missing = _embed_keys(texts, settings.model_name, cache_path, progress, log)
    companion = None
    if companion_model:
        companion_vectors, embedded = _embed_keys(texts, companion_model, cache_path, progress,
                                                  log)
        companion = VectorIndex.build(companion_vectors, settings.flat_index_max)
        missing = max(missing, embedded)  # keys embedded by either encoder

    lemma_cache = LemmaCache(cache_path.with_name("lemmas.sqlite"))
    try:
        for lang in {r["lang"] for r in records}:
            positions = [i for i, r in enumerate(records) if r["lang"] == lang]
            texts_of_lang = [records[i]["text"] for i in positions]
            for i, terms in zip(positions, lemma_cache.lemmas(texts_of_lang, lang)):
                records[i]["terms"] = terms
    finally:
        lemma_cache.close()

    index = VectorIndex.build(vectors, settings.flat_index_max)
    target = settings.index_dir / f"build-{fingerprint}-{int(time.time() * 1000)}"
    tmp = target.with_name(target.name + ".partial")
    tmp.mkdir(parents=True)
    try:
        store.write_index_files(tmp, records, [_article_record(a) for a in articles], index, {
            "fingerprint": fingerprint, "model": settings.model_name,
            "companion_model": companion_model, "dimension": int(vectors.shape[1])},
            companion=companion)
        os.rename(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    store.publish(settings.index_dir, target)
    store.prune(settings.index_dir, keep={target.name, existing.name if existing else ""})
    return BuildReport("built", fingerprint, target, keys=len(records),
                       embedded=missing, reused=len(records) - missing,
                       seconds=time.perf_counter() - started)


def _embed_keys(texts: list[str], model_name: str, cache_path: Path, progress: bool,
                log: Callable[[str], None]) -> tuple[np.ndarray, int]:
    """Every key's vector by `model_name`, embedding only texts the cache does not hold;
    (vectors, how many were embedded)."""
    cache = EmbeddingCache(cache_path, model_name)
    try:
        cached = cache.get_many(texts)
        missing = [i for i, v in enumerate(cached) if v is None]
        if missing:
            log(f"embedding {len(missing)} new or changed keys with {model_name} "
                f"({len(texts) - len(missing)} reused)")
            fresh = Embedder(model_name).embed([texts[i] for i in missing], progress=progress)
            cache.put_many([texts[i] for i in missing], fresh)
            for i, vector in zip(missing, fresh):
                cached[i] = vector
    finally:
        cache.close()
    found = [v for v in cached if v is not None]  # every key has its vector by now
    vectors = np.vstack(found).astype(np.float32) if found else np.zeros((0, 1), np.float32)
    return vectors, len(missing)


def _article_record(article: Article) -> dict:
    return {
        "id": article.id, "lang": article.lang, "title": article.title,
        "topics": list(article.topics), "related": list(article.related),
        "reviewed": article.reviewed.isoformat(),
        "sources": [asdict(s) for s in article.sources],
        "sections": [{"heading": s.heading, "text": s.text,
                      "sources": [asdict(source) for source in getattr(s, "sources", ())]}
                     for s in article.sections],
    }

"""Hybrid search over a built index, with a confidence gate and clarification.

Dense cosines (sentence-transformers) and saturated BM25 scores are combined with per-language
weights calibrated on the gold set (`bot/retrieval.yml`): the default model is English-centred,
so French leans on the lexical side. The same fused score ranks articles and gates answers, so
"how sure are we" and "what comes first" never disagree.
"""
from __future__ import annotations

import json
import logging
import threading
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from bot.knowledge.articles import split_sentences
from bot.knowledge.index import FORMAT_VERSION, IndexError_, current_path, read_meta
from bot.knowledge.lexical import BM25, lemmas
from bot.knowledge.vectors import Embedder, VectorIndex
from bot.settings import RetrievalTuning, Settings

log = logging.getLogger(__name__)

ANSWER, CLARIFY, NO_ANSWER = "answer", "clarify", "no_answer"
MODES = ("dense", "lexical", "hybrid")
MAX_ANSWER_CHARS = 700
# Questions with fewer content words than this lean on the conversation's previous topic.
FOLLOW_UP_MAX_TERMS = 2


@dataclass(frozen=True)
class Source:
    title: str
    url: str
    date: str


@dataclass
class Candidate:
    """One article's scores for a query; `found_by` names the retrievers that ranked it."""

    article_id: str
    score: float
    dense: float
    lexical: float
    found_by: List[str] = field(default_factory=list)


@dataclass
class Answer:
    article_id: str
    lang: str
    title: str
    heading: str
    text: str
    sources: List[Source]
    other_language: bool
    related: List[Tuple[str, str]]
    reviewed: str


@dataclass
class SearchResult:
    status: str
    language: str
    confidence: float
    candidates: List[Candidate]
    answer: Optional[Answer] = None
    timings: Dict[str, float] = field(default_factory=dict)


class KnowledgeIndex:
    """One loaded, immutable index build. A reload creates a new object; searches in flight
    keep using the one they started with."""

    def __init__(self, path: Path, settings: Settings, embedder: Optional[Embedder] = None):
        self.path = path
        try:
            meta = read_meta(path)
        except (OSError, ValueError) as exc:
            raise IndexError_(f"the index at {path} is unreadable ({exc}); run `bot build`")
        if meta.get("format") != FORMAT_VERSION:
            raise IndexError_(f"the index at {path} has format {meta.get('format')}, this code "
                              f"reads {FORMAT_VERSION}; run `bot build`")
        try:
            with np.load(path / "keys.npz", allow_pickle=False) as keys:
                key_record, self.key_section = keys["article"], keys["section"]
            articles = json.loads((path / "articles.json").read_text("utf-8"))
            self.bm25 = BM25.load(path)
            if len(key_record) and not 0 <= key_record.min() <= key_record.max() < len(articles):
                raise ValueError("keys point outside articles.json")
        except (OSError, ValueError, KeyError, zipfile.BadZipFile) as exc:
            raise IndexError_(f"the index at {path} is unreadable ({exc}); run `bot build`")
        if meta.get("model") != settings.model_name:
            raise IndexError_(
                f"the index at {path} was built with the model '{meta.get('model')}' but "
                f"AWEX_EMBEDDING_MODEL is '{settings.model_name}'; run `bot build` to rebuild it "
                "with this model, or set AWEX_EMBEDDING_MODEL back")
        self.meta = meta
        try:
            self.vectors = VectorIndex.load(path / "vectors.faiss", meta["index_type"])
        except Exception as exc:  # faiss raises RuntimeError with its own text
            raise IndexError_(f"the vector file in {path} is corrupt ({exc}); run `bot build`")
        self.size = len(key_record)
        if not self.vectors.size == self.bm25.size == self.size == len(self.key_section):
            raise IndexError_(f"the index at {path} has {self.vectors.size} vectors and "
                              f"{self.bm25.size} lexical entries for {self.size} keys; "
                              "run `bot build`")
        self.articles = {(a["id"], a["lang"]): a for a in articles}
        self.article_ids = sorted({a["id"] for a in articles})
        self._id_position = {aid: i for i, aid in enumerate(self.article_ids)}
        # Where each key points, as arrays rather than one object per key (memory at scale).
        record_article = np.array([self._id_position[a["id"]] for a in articles], np.int64)
        self.key_article = record_article[key_record]
        # Key positions of each article's sections, to pick the answer without a full scan.
        by_record: Dict[int, List[int]] = {}
        for position in np.flatnonzero(self.key_section >= 0).tolist():
            by_record.setdefault(int(key_record[position]), []).append(position)
        self.section_keys = {(articles[r]["id"], articles[r]["lang"]): np.array(v, np.int64)
                             for r, v in by_record.items()}
        self.embedder = embedder or Embedder(settings.model_name)

    def title(self, article_id: str, lang: str) -> str:
        article = self.articles.get((article_id, lang)) or self.articles.get(
            (article_id, "en" if lang == "fr" else "fr"))
        return article["title"] if article else article_id

    def expand_follow_up(self, query: str, lang: str, previous_article: Optional[str]) -> str:
        """"et pour les cosmétiques ?": a short question refines the conversation's topic."""
        if previous_article and len(lemmas([query], lang)[0]) <= FOLLOW_UP_MAX_TERMS:
            return f"{query} {self.title(previous_article, lang)}"
        return query

    # -- retrieval -----------------------------------------------------------------------------
    def _dense(self, query: str, depth: int,
               timings: Optional[Dict[str, float]] = None) -> np.ndarray:
        """Cosine of the query with every key (0 beyond the `depth` nearest)."""
        start = time.perf_counter()
        vector = self.embedder.embed_query(query)
        embedded = time.perf_counter()
        scores = np.zeros(self.size, dtype=np.float32)
        cosines, ids = self.vectors.search(vector, depth)
        scores[ids] = np.maximum(cosines, 0.0)
        if timings is not None:
            timings["embedding"] = embedded - start
            timings["dense_search"] = time.perf_counter() - embedded
        return scores

    def lexical_raw(self, query: str, lang: str) -> Tuple[np.ndarray, np.ndarray]:
        """BM25 and query coverage of every key, after typo correction."""
        return self.bm25.scores(self.bm25.correct(lemmas([query], lang)[0]))

    def _lexical(self, query: str, lang: str, saturation: float) -> np.ndarray:
        """BM25 squashed into [0, 1) and scaled by how much of the query the key covers."""
        return lexical_score(*self.lexical_raw(query, lang), saturation)

    def _per_article(self, key_scores: np.ndarray) -> np.ndarray:
        best = np.zeros(len(self.article_ids), dtype=np.float32)
        np.maximum.at(best, self.key_article, key_scores)
        return best

    def search(self, query: str, lang: str, tuning: RetrievalTuning, mode: str = "hybrid",
               previous_article: Optional[str] = None, only_article: Optional[str] = None,
               depth: int = 200) -> SearchResult:
        """Rank articles for `query`, gate on confidence, and pick the section to show."""
        started = time.perf_counter()
        result = self._search(query, lang, tuning, mode, previous_article, only_article, depth)
        result.timings["total"] = time.perf_counter() - started
        return result

    def _search(self, query: str, lang: str, tuning: RetrievalTuning, mode: str,
                previous_article: Optional[str], only_article: Optional[str],
                depth: int) -> SearchResult:
        timings: Dict[str, float] = {}
        lang = lang if lang in tuning.answer_threshold else "fr"
        query = self.expand_follow_up(query, lang, previous_article)
        # Single-retriever modes exist to measure what each retriever brings (bot eval).
        wd, wl = {"dense": (1.0, 0.0), "lexical": (0.0, 1.0)}.get(
            mode, (tuning.dense_weight[lang], tuning.lexical_weight[lang]))
        dense = self._dense(query, depth, timings) if wd else np.zeros(self.size, np.float32)
        start = time.perf_counter()
        lexical = (self._lexical(query, lang, tuning.lexical_saturation) if wl
                   else np.zeros(self.size, np.float32))
        timings["lexical"] = time.perf_counter() - start
        start = time.perf_counter()
        fused_keys = wd * dense + wl * lexical
        fused = self._per_article(fused_keys)
        dense_art, lexical_art = self._per_article(dense), self._per_article(lexical)
        order = np.argsort(-fused)[: tuning.top_k]
        dense_top = set(np.argsort(-dense_art)[: tuning.top_k].tolist()) if wd else set()
        lexical_top = set(np.argsort(-lexical_art)[: tuning.top_k].tolist()) if wl else set()
        candidates = [
            Candidate(self.article_ids[i], float(fused[i]), float(dense_art[i]),
                      float(lexical_art[i]),
                      [name for name, top in (("dense", dense_top), ("lexical", lexical_top))
                       if i in top])
            for i in order if fused[i] > 0
        ]
        timings["fusion"] = time.perf_counter() - start
        threshold = tuning.answer_threshold[lang] if mode == "hybrid" else \
            tuning.answer_threshold.get(f"{mode}_{lang}", tuning.answer_threshold[lang])
        if only_article:
            chosen = [c for c in candidates if c.article_id == only_article] or [
                Candidate(only_article, 0.0, 0.0, 0.0)]
            return SearchResult(ANSWER, lang, chosen[0].score, candidates,
                                self._answer(only_article, lang, fused_keys), timings)
        confidence = candidates[0].score if candidates else 0.0
        if confidence < threshold:
            return SearchResult(NO_ANSWER, lang, confidence, candidates, None, timings)
        if len(candidates) > 1 and candidates[1].score >= threshold and \
                confidence - candidates[1].score < tuning.clarify_margin:
            return SearchResult(CLARIFY, lang, confidence, candidates, None, timings)
        return SearchResult(ANSWER, lang, confidence, candidates,
                            self._answer(candidates[0].article_id, lang, fused_keys), timings)

    def _answer(self, article_id: str, lang: str, fused_keys: np.ndarray) -> Answer:
        """The best-matching section of the article, in the user's language when it exists."""
        article = self.articles.get((article_id, lang))
        other_language = article is None
        if other_language:
            article = self.articles[(article_id, "en" if lang == "fr" else "fr")]
        positions = self.section_keys[(article_id, article["lang"])]
        best = positions[int(np.argmax(fused_keys[positions]))]
        section = article["sections"][int(self.key_section[best])]
        related = [(rid, self.title(rid, lang)) for rid in article["related"]
                   if any((rid, l) in self.articles for l in ("fr", "en"))][:3]
        return Answer(
            article_id=article_id, lang=article["lang"], title=article["title"],
            heading=section["heading"], text=trim_at_sentence(section["text"]),
            sources=[Source(**s) for s in article["sources"]], other_language=other_language,
            related=related, reviewed=article["reviewed"])


def lexical_score(bm25: np.ndarray, coverage: np.ndarray, saturation: float) -> np.ndarray:
    """(1 - exp(-bm25 / saturation)) * coverage: in [0, 1), comparable with a cosine."""
    return (1.0 - np.exp(-bm25 / saturation)) * coverage


def trim_at_sentence(text: str, limit: int = MAX_ANSWER_CHARS) -> str:
    """Cut a long text at the last sentence that fits, never mid-sentence."""
    if len(text) <= limit:
        return text
    kept: List[str] = []
    for sentence in split_sentences(text):
        if len(" ".join(kept + [sentence])) > limit:
            break
        kept.append(sentence)
    return " ".join(kept) if kept else text[:limit].rsplit(" ", 1)[0] + "…"


class KnowledgeBase:
    """The process-wide entry point: loads the current index lazily and hot-reloads it.

    Each search checks (cheaply, at most once a second) whether `CURRENT` points elsewhere; a new
    index is loaded before it replaces the old one, so a missing or corrupt build is logged and
    the previous index keeps serving.
    """

    def __init__(self, settings: Optional[Settings] = None, check_interval: float = 1.0):
        self.settings = settings or Settings.from_env()
        self.check_interval = check_interval
        self._index: Optional[KnowledgeIndex] = None
        self._tuning: Optional[RetrievalTuning] = None
        self._checked_at = 0.0
        self._lock = threading.Lock()
        self._embedder = Embedder(self.settings.model_name,
                                  threads=self.settings.query_threads)
        self.last_error: Optional[str] = None
        self._failed_target: Optional[Path] = None

    @property
    def tuning(self) -> RetrievalTuning:
        if self._tuning is None:
            self._tuning = self.settings.tuning()
        return self._tuning

    def index(self) -> KnowledgeIndex:
        """The index to use for one request (loading or reloading it when needed)."""
        now = time.monotonic()
        if self._index is not None and now - self._checked_at < self.check_interval:
            return self._index
        with self._lock:
            self._checked_at = now
            target = current_path(self.settings.index_dir)
            if self._index is not None and (target is None or target == self._index.path
                                            or target == self._failed_target):
                return self._index
            if target is None:
                raise IndexError_(f"no index in {self.settings.index_dir}; run `bot build`")
            try:
                fresh = KnowledgeIndex(target, self.settings, self._embedder)
            except IndexError_ as exc:
                self.last_error = str(exc)
                self._failed_target = target
                if self._index is None:
                    raise
                log.error("keeping the index at %s: %s", self._index.path, exc)
                return self._index
            if self._index is not None:
                log.info("reloaded the knowledge index: %s", target.name)
            self._index = fresh
            self.last_error = None
            return fresh

    def search(self, query: str, lang: str, mode: str = "hybrid",
               previous_article: Optional[str] = None,
               only_article: Optional[str] = None) -> SearchResult:
        return self.index().search(query, lang, self.tuning, mode=mode,
                                   previous_article=previous_article, only_article=only_article)

    def warm_up(self) -> None:
        """Load the model, index and spaCy now, so the first user does not wait for them."""
        self.search("Tmall Global", "fr")
        self.search("Tmall Global", "en")


_SHARED: Optional[KnowledgeBase] = None
_SHARED_LOCK = threading.Lock()


def shared_knowledge_base() -> KnowledgeBase:
    """One KnowledgeBase per process (model and index are heavy), created on first use."""
    global _SHARED
    with _SHARED_LOCK:
        if _SHARED is None:
            _SHARED = KnowledgeBase()
        return _SHARED

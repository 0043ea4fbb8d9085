"""Hybrid search over a built index, and the decision on what to say.

Dense cosines (multilingual e5 by default) and saturated BM25 scores over spaCy lemmas are fused
with per-language weights, and the best key of each article ranks it. Whether to answer is not
one absolute score: a small logistic model, fitted in cross-validation on the gold questions
(`bot eval --calibrate`), weighs the top score, the margin to the next article, whether the two
retrievers agree and how much the question says. Its parameters live in `bot/retrieval.yml`.

A message is read with the conversation's previous topic only when, alone, it does not carry a
topic of its own; a message with no content word ("👍", "???", "merci") never gets an answer.
"""
from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from bot.knowledge import store
from bot.knowledge.articles import Source
from bot.knowledge.lexical import lemmas, spell_out
from bot.knowledge.scoring import (
    ANSWER,
    CLARIFY,
    MAX_ANSWER_CHARS,
    MODES,
    NO_ANSWER,
    RERANK_FEATURES,
    Answer,
    Candidate,
    Scored,
    SearchResult,
    Signals,
    Status,
    choose_article_payload,
    dense_mix,
    gate_features,
    gate_probability,
    lexical_score,
    mode_weights,
    rerank_probabilities,
    section_scores,
    trim_at_sentence,
)
from bot.knowledge.store import IndexError_, current_path
from bot.knowledge.topics import Topics, capitalised
from bot.knowledge.tuning import RetrievalTuning
from bot.knowledge.vectors import Embedder, VectorIndex
from bot.settings import LANGUAGES, Settings

log = logging.getLogger(__name__)
__all__ = [  # the scoring names are re-exported: callers import them from here
    "KnowledgeBase", "KnowledgeIndex", "shared_knowledge_base", "ANSWER", "CLARIFY",
    "MAX_ANSWER_CHARS", "MODES", "NO_ANSWER", "Answer", "Candidate", "Scored", "SearchResult",
    "Signals", "Status", "choose_article_payload", "dense_mix", "gate_features",
    "gate_probability", "lexical_score", "mode_weights", "trim_at_sentence",
]
# Other sections of the answered article offered as buttons: the right section is the one
# shown for ~9 in 10 questions answered with a right article, and among the next two for most
# of the others (`bot eval`, "one click away").
MORE_SECTIONS = 2


class KnowledgeIndex:
    """One loaded, immutable index build. A reload creates a new object; searches in flight
    keep using the one they started with."""

    def __init__(self, path: Path, settings: Settings, embedder: Embedder | None = None,
                 tuning: RetrievalTuning | None = None,
                 companion_embedder: Embedder | None = None):
        companion_model = (tuning or settings.tuning()).companion_model
        stored = store.load(path, settings.model_name, companion_model)
        self.path, self.meta = path, stored.meta
        self.bm25, self.vectors, self.companion = stored.bm25, stored.vectors, stored.companion
        self.key_section = stored.key_section
        articles = stored.articles
        self.size = len(stored.key_record)
        self.articles = {(a["id"], a["lang"]): a for a in articles}
        self.article_ids = sorted({a["id"] for a in articles})
        self._id_position = {aid: i for i, aid in enumerate(self.article_ids)}
        # Where each key points, as arrays rather than one object per key (memory at scale).
        record_article = np.array([self._id_position[a["id"]] for a in articles], np.int64)
        self.key_article = record_article[stored.key_record]
        self.key_lang = np.array([a["lang"] for a in articles])[stored.key_record] \
            if articles else np.array([], dtype=str)
        # Every key of each article (both languages), in article order: the reranker's view.
        by_article = np.argsort(self.key_article, kind="stable")
        bounds = np.searchsorted(self.key_article[by_article], np.arange(len(self.article_ids) + 1))
        self.article_keys = [by_article[a:b] for a, b in zip(bounds[:-1], bounds[1:])]
        # Key positions of each article's sections, to pick the answer without a full scan.
        by_record: dict[int, list[int]] = {}
        for position in np.flatnonzero(self.key_section >= 0).tolist():
            by_record.setdefault(int(stored.key_record[position]), []).append(position)
        self.section_keys = {(articles[r]["id"], articles[r]["lang"]): np.array(v, np.int64)
                             for r, v in by_record.items()}
        self.embedder = embedder or Embedder(settings.model_name)
        self.topics = Topics(self.articles, self._id_position, self.bm25, self.key_article)
        self.companion_embedder = (companion_embedder or Embedder(companion_model)) \
            if stored.companion is not None else None

    def title(self, article_id: str, lang: str) -> str:
        article = self.articles.get((article_id, lang)) or self.articles.get(
            (article_id, "en" if lang == "fr" else "fr"))
        return article["title"] if article else article_id

    # -- signals --------------------------------------------------------------------------------
    def content_terms(self, query: str, lang: str, tuning: RetrievalTuning) -> list[str]:
        """Content words of a message; thanks, "ok" and emoji count for nothing."""
        chitchat = set(tuning.chitchat.get(lang, ())) | set(tuning.chitchat.get("all", ()))
        return [t for t in lemmas([query], lang)[0] if t not in chitchat]

    def signals(self, query: str, lang: str, tuning: RetrievalTuning, depth: int = 200,
                dense: bool = True, timings: dict[str, float] | None = None,
                all_encoders: bool = False) -> Signals:
        """Dense cosines, raw BM25 and query coverage of every key (dense 0 beyond `depth`).
        The companion encoder runs only when the language gives it weight, or for
        `all_encoders` (calibration weighs every mix)."""
        timings = {} if timings is None else timings
        query = spell_out(query, tuning.shorthand.get(lang, ()))
        # Lemmatised with the names written as the articles write them ("l'awex rembourse"
        # alone reads "awe rembours"); the encoders see what the user wrote.
        terms = self.content_terms(self.topics.truecase(query, lang), lang, tuning)
        opener = any(re.search(p, query, re.IGNORECASE)
                     for p in tuning.opener_patterns.get(lang, ()))
        elsewhere = any(re.search(p, query, re.IGNORECASE) for p in tuning.elsewhere_patterns) \
            and not any(re.search(p, query, re.IGNORECASE) for p in tuning.china_patterns)
        if not terms:
            empty = np.zeros(self.size, np.float32)
            return Signals(query, 0, empty, empty, empty, opener=opener)
        cosines, vector = self._cosines(self.embedder, self.vectors, query, depth, timings) \
            if dense else (np.zeros(self.size, dtype=np.float32), None)
        companion = None
        if dense and self.companion is not None and self.companion_embedder is not None and (
                all_encoders or tuning.companion_weight.get(lang, 0.0) > 0.0):
            companion, _ = self._cosines(self.companion_embedder, self.companion, query, depth,
                                         timings)
        start = time.perf_counter()
        corrected = self.bm25.correct(terms)
        bm25, coverage = self.bm25.scores(corrected)
        timings["lexical"] = timings.get("lexical", 0.0) + time.perf_counter() - start
        known = sum(map(self.bm25.knows, corrected)) / len(corrected)
        named = self.topics.named_articles(corrected, lang, tuning, capitalised(query))
        return Signals(query, len(terms), cosines, bm25, coverage, known, opener, companion,
                       named, vector, elsewhere, tuple(corrected))

    def _cosines(self, embedder: Embedder, vectors: VectorIndex, query: str, depth: int,
                 timings: dict[str, float]) -> tuple[np.ndarray, np.ndarray]:
        """One encoder's cosine with every key (0 beyond the `depth` nearest), and the query's
        vector."""
        start = time.perf_counter()
        cosines = np.zeros(self.size, dtype=np.float32)
        vector = embedder.embed_query(query)
        embedded = time.perf_counter()
        found, ids = vectors.search(vector, min(depth, self.size))
        cosines[ids] = np.maximum(found, 0.0)
        timings["embedding"] = timings.get("embedding", 0.0) + embedded - start
        timings["dense_search"] = timings.get("dense_search", 0.0) + \
            time.perf_counter() - embedded
        return cosines, vector

    def per_article(self, key_scores: np.ndarray) -> np.ndarray:
        """Each article's best key score."""
        best = np.zeros(len(self.article_ids), dtype=np.float32)
        np.maximum.at(best, self.key_article, key_scores)
        return best

    def score(self, signals: Signals, lang: str, tuning: RetrievalTuning,
              mode: str = "hybrid", rerank: bool = True) -> Scored:
        """Fuse the retrievers with `tuning`, let the reranker (when the tuning has one, for the
        hybrid mix, unless `rerank` is False) reorder the best, and ask the gate how likely the
        first article is right."""
        wd, wl = mode_weights(mode, tuning, lang)
        lexical_keys = lexical_score(signals.bm25, signals.coverage, tuning.lexical_saturation)
        dense_keys = dense_mix(signals, tuning, lang)
        fused_keys = wd * dense_keys + wl * lexical_keys
        fused = self.per_article(fused_keys)
        dense, lexical = self.per_article(dense_keys), self.per_article(lexical_keys)
        order = np.argsort(-fused, kind="stable")
        rank_score, chance, gate = fused, None, tuning.gate[mode]
        if rerank and tuning.rerank is not None and mode == "hybrid" and signals.terms:
            gate = tuning.rerank.gate
            head = order[:tuning.rerank.depth]
            probabilities = rerank_probabilities(
                tuning.rerank, self.rerank_rows(signals, lang, head, fused, lexical))
            chance = np.zeros(len(fused), np.float64)
            chance[head] = probabilities
            rank_score = fused.astype(np.float64).copy()
            rank_score[head] = probabilities
            order = np.concatenate([head[np.argsort(-probabilities, kind="stable")],
                                    order[len(head):]])
        best = int(order[0]) if len(order) else None
        features = gate_features(fused, dense, lexical, signals, lang, best, chance)
        probability = gate_probability(gate, features) if signals.terms else 0.0
        return Scored(signals, fused_keys, fused, dense, lexical, order, probability, features,
                      rank_score, gate)

    def rerank_rows(self, signals: Signals, lang: str, articles: np.ndarray,
                    fused: np.ndarray, lexical: np.ndarray) -> np.ndarray:
        """`RERANK_FEATURES` of each of `articles` (best fused first) for one query. Cosines
        are exact (the stored vectors against the query's), so a key beyond the dense
        search's depth counts as it does in calibration."""
        words = set(signals.words)
        headings = self.topics.heading_words(lang)
        top = float(fused[articles[0]]) if len(articles) else 0.0
        rows = []
        for rank, article in enumerate(articles.tolist()):
            keys = self.article_keys[article]
            if signals.vector is not None:
                cosines = np.maximum(self.vectors.vectors(keys) @ signals.vector.reshape(-1),
                                     0.0)
            else:
                cosines = signals.dense[keys]
            own = self.key_lang[keys] == lang
            ranked = np.sort(cosines)[::-1]
            title, titles_and_headings = headings[article]
            rows.append([
                float(cosines[own].max()) if own.any() else 0.0,
                float(cosines[~own].max()) if (~own).any() else 0.0,
                float(ranked[1]) if len(ranked) > 1 else 0.0,
                float(lexical[article]),
                float(fused[article]) - top,
                float(rank),
                len(words & title) / max(len(words), 1),
                len(words & titles_and_headings) / max(len(words), 1),
                float(article in signals.named),
                float(signals.coverage[keys].max()) if len(keys) else 0.0,
            ])
        return np.array(rows, dtype=np.float64).reshape(len(rows), len(RERANK_FEATURES))

    # -- decision ---------------------------------------------------------------------------
    def decide(self, alone: Signals, lang: str, tuning: RetrievalTuning, mode: str = "hybrid",
               with_topic: Callable[[], Signals] | None = None,
               previous_article: str | None = None) -> SearchResult:
        """Answer, clarify or decline from signals (evaluation replays it with many tunings).

        `with_topic` gives the same message read with the previous topic's title; it is used
        only for a short message (a complete question is never rewritten) that alone is
        unlikely to be answered right, i.e. that carries no topic of its own ("et la
        caution ?"), and only if that reading is more convincing. A "where do I start?"
        question the gate would decline gets the first orientation article."""
        scored = own = self.score(alone, lang, tuning, mode)
        follow_up = False
        if with_topic is not None and 0 < alone.terms <= tuning.follow_up_max_terms:
            # Both readings weighed alike (by the fused order): the reranker learnt from
            # complete questions, not from a message with another topic's title added.
            plain = scored if tuning.rerank is None or mode != "hybrid" else \
                self.score(alone, lang, tuning, mode, rerank=False)
            if plain.probability < tuning.follow_up_threshold and not alone.named and \
                    not self._own_topic(plain, lang, tuning, mode, previous_article):
                expanded = self.score(with_topic(), lang, tuning, mode, rerank=False)
                if expanded.probability > plain.probability:
                    scored, follow_up = expanded, True
        candidates = self._candidates(scored, tuning.top_k, mode)
        confidence = scored.probability
        if alone.named and mode != "dense" and not follow_up:
            # A name the knowledge holds: answer with the article that matches it best.
            best = max(alone.named, key=lambda i: float(scored.fused[i]))
            return SearchResult(ANSWER, lang, confidence, candidates,
                                self._answer(self.article_ids[best], lang, alone, tuning, mode))
        # (an orientation article removed from the knowledge base is skipped, not fatal)
        guides = [a for a in tuning.orientation_articles if a in self._id_position]
        declined = not candidates or confidence < self._threshold(scored, lang, tuning, mode)
        if alone.opener and guides and not follow_up and (declined or (
                confidence < tuning.opener_sure and candidates[0].article_id not in guides)):
            # "Par où commencer ?" orients, unless the gate is sure of a specific answer.
            return SearchResult(ANSWER, lang, confidence, candidates,
                                self._answer(guides[0], lang, alone, tuning, mode))
        if declined:
            suggested = [(c.article_id, self.title(c.article_id, lang)) for c in candidates[:2]
                         ] if confidence >= tuning.suggest_threshold else []
            return SearchResult(NO_ANSWER, lang, confidence, candidates, options=suggested,
                                read_as_follow_up=follow_up)
        top = candidates[0]
        # Close fused scores, either way round (a reranked first article may score below the
        # next): the reranker's probabilities are not on the margin's scale.
        fused = {c.article_id: float(scored.fused[self._id_position[c.article_id]])
                 for c in candidates[:3]}
        rivals = [c for c in candidates[1:3]
                  if abs(fused[top.article_id] - fused[c.article_id]) < tuning.clarify_margin
                  and not self._same_answer(top.article_id, c.article_id, lang, scored, tuning,
                                            mode)]
        if rivals:
            options = [(c.article_id, self.title(c.article_id, lang)) for c in [top] + rivals]
            return SearchResult(CLARIFY, lang, confidence, candidates, options=options,
                                read_as_follow_up=follow_up)
        # A follow-up picks its section by its own words ("et la caution ?" -> the fees), not
        # by the previous topic's title that was added to find the article.
        return SearchResult(ANSWER, lang, confidence, candidates,
                            self._answer(top.article_id, lang, own.signals, tuning.
                                         for_follow_up_section(), mode) if follow_up else
                            self._answer(top.article_id, lang, scored.signals, tuning, mode),
                            read_as_follow_up=follow_up)

    @staticmethod
    def _threshold(scored: Scored, lang: str, tuning: RetrievalTuning, mode: str) -> float:
        """The answer threshold of the gate that scored this reading."""
        return (scored.gate or tuning.gate[mode]).threshold_for(lang)

    def _own_topic(self, scored: Scored, lang: str, tuning: RetrievalTuning, mode: str,
                   previous_article: str | None) -> bool:
        """The message has a topic of its own, so it is not a follow-up: it names something
        the previous article does not hold ("c'est quoi Atlas Company ?" after the Liège
        hub), or alone it would be answered by an article whose title it names, with words
        the previous article does not hold ("et pour les droits de douane ?" after WeChat)."""
        alone = scored.signals
        if previous_article is None or previous_article not in self._id_position:
            return False
        return self.topics.names_its_own_topic(alone.query, previous_article, lang) or (
            int(scored.order[0]) in self.topics.titled_articles(alone.words, lang)
            and scored.probability >= self._threshold(scored, lang, tuning, mode)
            and any(not self.topics.holds(previous_article, w) for w in alone.words))

    def _candidates(self, scored: Scored, top_k: int, mode: str) -> list[Candidate]:
        dense_top = set(np.argsort(-scored.dense)[:top_k].tolist()) if mode != "lexical" else set()
        lexical_top = set(np.argsort(-scored.lexical)[:top_k].tolist()) \
            if mode != "dense" else set()
        ranking = scored.rank_score if scored.rank_score is not None else scored.fused
        return [Candidate(self.article_ids[i], float(ranking[i]), float(scored.dense[i]),
                          float(scored.lexical[i]),
                          [name for name, top in (("dense", dense_top), ("lexical", lexical_top))
                           if i in top])
                for i in scored.order[:top_k] if scored.fused[i] > 0]

    def _ranked_sections(self, article_id: str, lang: str, signals: Signals,
                         tuning: RetrievalTuning, mode: str) -> list[tuple[int, int]]:
        """The article's sections, best match first, each as (section number, the key
        position of its best-scoring key)."""
        key = (article_id, lang) if (article_id, lang) in self.section_keys else \
            (article_id, "en" if lang == "fr" else "fr")
        positions = self.section_keys[key]
        stored = self.vectors.vectors(positions) if signals.vector is not None else None
        sections = self.key_section[positions].astype(np.int64)
        scores = section_scores(signals, positions, sections, stored, lang, tuning, mode)
        ranked: dict[int, int] = {}
        for i in np.argsort(-scores, kind="stable").tolist():
            ranked.setdefault(int(sections[i]), int(positions[i]))
        return list(ranked.items())

    def _best_section_key(self, article_id: str, lang: str, signals: Signals,
                          tuning: RetrievalTuning, mode: str) -> int:
        return self._ranked_sections(article_id, lang, signals, tuning, mode)[0][1]

    def _same_answer(self, first: str, second: str, lang: str, scored: Scored,
                     tuning: RetrievalTuning, mode: str) -> bool:
        """Two articles whose best sections say the same thing are not worth a question."""
        a = self._best_section_key(first, lang, scored.signals, tuning, mode)
        b = self._best_section_key(second, lang, scored.signals, tuning, mode)
        cosine = float(np.dot(self.vectors.vector(a), self.vectors.vector(b)))
        return cosine >= 0.95

    def _answer(self, article_id: str, lang: str, signals: Signals, tuning: RetrievalTuning,
                mode: str, section_number: int | None = None) -> Answer:
        """The best-matching section of the article (or the one asked for by number), in the
        user's language when it exists, with the next best sections to offer: when the
        section shown is not the one wanted, the right one is usually among them."""
        found = self.articles.get((article_id, lang))
        other_language = found is None
        article = found if found is not None else \
            self.articles[(article_id, "en" if lang == "fr" else "fr")]
        ranked = [number for number, _ in
                  self._ranked_sections(article_id, article["lang"], signals, tuning, mode)]
        shown = section_number if section_number in ranked else ranked[0]
        section = article["sections"][shown]
        more = [(number, article["sections"][number]["heading"]) for number in ranked
                if number != shown][:MORE_SECTIONS]
        related = [(rid, self.title(rid, lang)) for rid in article["related"]
                   if any((rid, code) in self.articles for code in LANGUAGES)][:3]
        sources = section.get("sources") or article["sources"]
        return Answer(
            article_id=article_id, lang=article["lang"], title=article["title"],
            heading=section["heading"], text=trim_at_sentence(section["text"]),
            sources=[Source(**s) for s in sources], other_language=other_language,
            related=related, reviewed=article["reviewed"],
            orientation=article_id in tuning.orientation_articles, more=more)

    # -- one question -------------------------------------------------------------------------
    def search(self, query: str, lang: str, tuning: RetrievalTuning, mode: str = "hybrid",
               previous_article: str | None = None, only_article: str | None = None,
               depth: int = 200, only_section: int | None = None) -> SearchResult:
        """Rank articles for `query`, decide, and pick the section to show (`only_section`,
        with `only_article`: a section button; a number the article no longer has shows its
        best section)."""
        started = time.perf_counter()
        lang = lang if lang in tuning.dense_weight else "fr"
        timings: dict[str, float] = {}
        use_dense = mode != "lexical"
        if only_article:  # a clarification or related-article button
            if only_article not in self._id_position:
                return SearchResult(Status.UNKNOWN_ARTICLE, lang, 0.0, [], timings=timings)
            signals = self.signals(query or only_article, lang, tuning, depth, use_dense, timings)
            scored = self.score(signals, lang, tuning, mode)
            result = SearchResult(ANSWER, lang, scored.probability,
                                  self._candidates(scored, tuning.top_k, mode),
                                  self._answer(only_article, lang, signals, tuning, mode,
                                               only_section))
        else:
            alone = self.signals(query, lang, tuning, depth, use_dense, timings)
            with_topic = None
            if previous_article is not None and previous_article in self._id_position:
                topic = self.title(previous_article, lang)
                with_topic = lambda: self.signals(  # noqa: E731 (computed only when needed)
                    f"{query} {topic}", lang, tuning, depth, use_dense, timings)
            result = self.decide(alone, lang, tuning, mode, with_topic, previous_article)
        result.timings = timings
        result.timings["total"] = time.perf_counter() - started
        return result


class KnowledgeBase:
    """The process-wide entry point: loads the current index lazily and hot-reloads it.

    Each search checks (cheaply, at most once a second) whether `CURRENT` points elsewhere; a new
    index is loaded before it replaces the old one, so a missing or corrupt build is logged and
    the previous index keeps serving.
    """

    def __init__(self, settings: Settings | None = None, check_interval: float = 1.0):
        self.settings = settings or Settings.from_env()
        self.check_interval = check_interval
        self._index: KnowledgeIndex | None = None
        self._tuning: RetrievalTuning | None = None
        self._checked_at = 0.0
        self._lock = threading.Lock()
        self._embedder = Embedder(self.settings.model_name,
                                  threads=self.settings.query_threads)
        self._companion_embedder: Embedder | None = None
        self.last_error: str | None = None
        self._failed_target: Path | None = None

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
                companion = self.tuning.companion_model
                if companion and (self._companion_embedder is None
                                  or self._companion_embedder.model_name != companion):
                    self._companion_embedder = Embedder(companion,
                                                        threads=self.settings.query_threads)
                fresh = KnowledgeIndex(target, self.settings, self._embedder, self.tuning,
                                       self._companion_embedder)
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
               previous_article: str | None = None,
               only_article: str | None = None, only_section: int | None = None
               ) -> SearchResult:
        return self.index().search(query, lang, self.tuning, mode=mode,
                                   previous_article=previous_article, only_article=only_article,
                                   only_section=only_section)

    def warm_up(self) -> None:
        """Load the model, index and spaCy now, and lemmatise the titles and headings, so the
        first user does not wait for them."""
        for lang in LANGUAGES:
            self.search("Tmall Global", lang)
            self.index().topics.titled_articles(["tmall"], lang)


_SHARED: KnowledgeBase | None = None
_SHARED_LOCK = threading.Lock()


def shared_knowledge_base() -> KnowledgeBase:
    """One KnowledgeBase per process (model and index are heavy), created on first use."""
    global _SHARED
    with _SHARED_LOCK:
        if _SHARED is None:
            _SHARED = KnowledgeBase()
        return _SHARED

"""What a search returns, and the pure functions that score it.

Why a module of its own: evaluation replays these on precomputed signals, and the engine
(`bot.knowledge.engine`) applies them to a loaded index; neither needs the other's state.
The engine re-exports every name here, so callers keep importing from it.
"""
from __future__ import annotations

import enum
import math
from dataclasses import dataclass, field

import numpy as np

from bot.knowledge.articles import Source, split_sentences
from bot.knowledge.tuning import GateModel, RerankModel, RetrievalTuning


class Status(enum.StrEnum):
    """What the engine decided; the action maps each to a domain response."""

    ANSWER = "answer"
    CLARIFY = "clarify"
    NO_ANSWER = "no_answer"
    UNKNOWN_ARTICLE = "unknown_article"  # a choose_article payload naming no article


ANSWER, CLARIFY, NO_ANSWER = Status.ANSWER, Status.CLARIFY, Status.NO_ANSWER
MODES = ("dense", "lexical", "hybrid")
MAX_ANSWER_CHARS = 700


@dataclass
class Candidate:
    """One article's scores for a query; `found_by` names the retrievers that ranked it.
    `score` is what its rank follows: the reranker's probability, or the fused score."""

    article_id: str
    score: float
    dense: float
    lexical: float
    found_by: list[str] = field(default_factory=list)


@dataclass
class Answer:
    article_id: str
    lang: str
    title: str
    heading: str
    text: str
    sources: list[Source]  # the sources of the section shown, not of the whole article
    other_language: bool
    related: list[tuple[str, str]]
    reviewed: str
    orientation: bool = False  # a "where do I start" article: offer the readiness check too
    more: list[tuple[int, str]] = field(default_factory=list)  # (number, heading): next best


@dataclass
class SearchResult:
    status: Status
    language: str
    confidence: float
    candidates: list[Candidate]
    answer: Answer | None = None
    timings: dict[str, float] = field(default_factory=dict)
    # (id, title): the articles to choose from (CLARIFY), or suggested when declined
    options: list[tuple[str, str]] = field(default_factory=list)
    read_as_follow_up: bool = False


@dataclass
class Signals:
    """What the retrievers say about one query, per key, before any tuning is applied.

    Evaluation computes them once per question and replays `decide` with many tunings."""

    query: str
    terms: int  # content words of the query (0: nothing to search for)
    dense: np.ndarray
    bm25: np.ndarray
    coverage: np.ndarray
    known: float = 0.0  # share of the query's words the corpus uses ("Japon" is not one)
    opener: bool = False  # a "where do I start?" question
    companion: np.ndarray | None = None  # the companion encoder's cosines, when there is one
    named: tuple[int, ...] = ()  # the articles its rare words name (Topics.named_articles)
    vector: np.ndarray | None = None  # the primary encoder's query vector (exact section cosines)
    elsewhere: bool = False  # names another market and nothing Chinese ("cosmetics in Japan")
    words: tuple[str, ...] = ()  # the content lemmas searched for (spelling corrected)


@dataclass
class Scored:
    """One query scored under one tuning: article ranking and the gate's probability."""

    signals: Signals
    fused_keys: np.ndarray
    fused: np.ndarray
    dense: np.ndarray
    lexical: np.ndarray
    order: np.ndarray
    probability: float
    features: dict[str, float]
    # Per article, the score its rank follows: the reranker's probability for the articles it
    # reordered, the fused score otherwise (what `Candidate.score` shows).
    rank_score: np.ndarray | None = None
    gate: GateModel | None = None  # the gate that gave `probability` (its thresholds apply)


def choose_article_payload(article_id: str, section: int | None = None) -> str:
    """The button payload that asks for one article (clarification, related articles), or for
    one of its sections by number (the other sections offered with an answer)."""
    if section is None:
        return '/choose_article{"kb_article":"' + article_id + '"}'
    return '/choose_article{"kb_article":"' + article_id + '","kb_section":"' + \
        str(int(section)) + '"}'


def lexical_score(bm25: np.ndarray, coverage: np.ndarray, saturation: float) -> np.ndarray:
    """(1 - exp(-bm25 / saturation)) * coverage: in [0, 1), comparable with a cosine."""
    return np.asarray((1.0 - np.exp(-bm25 / saturation)) * coverage, dtype=np.float32)


def dense_mix(signals: Signals, tuning: RetrievalTuning, lang: str) -> np.ndarray:
    """The dense score of every key: the primary encoder's cosine, mixed with the companion's
    by the language's companion weight."""
    weight = tuning.companion_weight.get(lang, 0.0)
    if signals.companion is None or weight <= 0.0:
        return signals.dense
    return np.asarray((1.0 - weight) * signals.dense + weight * signals.companion, np.float32)



def section_scores(signals: Signals, positions: np.ndarray, sections: np.ndarray,
                   stored: np.ndarray | None, lang: str, tuning: RetrievalTuning,
                   mode: str) -> np.ndarray:
    """How well the section of each of these keys (one article's keys; `sections` numbers
    their sections, `stored` holds their vectors) answers the question: the section's best
    exact cosine (a section beyond the nearest keys of the whole index counts too) mixed with
    its best lexical score by the language's section weight; the key's own cosine breaks ties
    within a section. Within one article the words a question shares with a section ("la
    caution", in the text but not the heading) say more than across articles, so that weight
    is calibrated apart from the article ranking's."""
    dense = signals.dense[positions]
    if stored is not None and signals.vector is not None and mode != "lexical":
        dense = np.maximum(stored @ signals.vector.reshape(-1), 0.0)
        weight = tuning.companion_weight.get(lang, 0.0)
        if signals.companion is not None and weight > 0.0:
            dense = (1.0 - weight) * dense + weight * signals.companion[positions]
    lexical = lexical_score(signals.bm25[positions], signals.coverage[positions],
                            tuning.lexical_saturation)
    wl = {"dense": 0.0, "lexical": 1.0}.get(
        mode, tuning.section_lexical_weight.get(lang, mode_weights(mode, tuning, lang)[1]))
    best_dense = np.zeros(int(sections.max()) + 1, np.float32)
    best_lexical = np.zeros_like(best_dense)
    np.maximum.at(best_dense, sections, dense)
    np.maximum.at(best_lexical, sections, lexical)
    mixed = (1.0 - wl) * best_dense[sections] + wl * best_lexical[sections]
    # in float64: float32 would lose the tie-break
    return np.asarray(mixed, np.float64) + 1e-6 * np.asarray(dense, np.float64)

def mode_weights(mode: str, tuning: RetrievalTuning, lang: str) -> tuple[float, float]:
    """(dense, lexical) weights; single-retriever modes measure what each retriever brings."""
    return {"dense": (1.0, 0.0), "lexical": (0.0, 1.0)}.get(
        mode, (tuning.dense_weight[lang], tuning.lexical_weight[lang]))


# What the reranker reads of each candidate article (`KnowledgeIndex.rerank_rows`): its best
# exact cosine among its keys in the question's language and in the other language, its
# second-best key, its lexical score, how far its fused score is behind the best, its rank by
# fused score, the share of the question's words in its title and in its title and headings,
# whether the question names it, and the best share of the question a key of it covers.
RERANK_FEATURES = ("same_language", "other_language", "second_key", "lexical", "behind",
                   "rank", "title_words", "heading_words", "named", "coverage")


def rerank_probabilities(model: RerankModel, rows: np.ndarray) -> np.ndarray:
    """The reranker's probability that each row's article answers (`rows`: one column per
    `RERANK_FEATURES`; the model reads the ones it names, in its own order)."""
    unknown = [name for name in model.features if name not in RERANK_FEATURES]
    if unknown:
        raise ValueError(f"bot/retrieval.yml: unknown reranker feature(s) {unknown}; known: "
                         f"{', '.join(RERANK_FEATURES)} (run `bot eval --calibrate`)")
    columns = rows[:, [RERANK_FEATURES.index(name) for name in model.features]]
    z = ((columns - model.mean) / model.scale) @ model.coef + model.intercept
    return np.asarray(1.0 / (1.0 + np.exp(-np.clip(z, -50.0, 50.0))), np.float64)


def _best_other(values: np.ndarray, best: int) -> float:
    """The highest value of any article but `best` (0 when there is none)."""
    if len(values) < 2:
        return 0.0
    return float(np.max(np.delete(values, best)))


def gate_features(fused: np.ndarray, dense: np.ndarray, lexical: np.ndarray,
                  signals: Signals, lang: str, best: int | None = None,
                  chance: np.ndarray | None = None) -> dict[str, float]:
    """The evidence the gate weighs, from per-article scores (see the module docstring), for
    the article answered: `best` (by default the best fused). `chance`: the reranker's
    probability per article (absent: its features are 0)."""
    if best is None:
        best = int(np.argmax(fused)) if len(fused) else 0
    top = float(fused[best]) if len(fused) else 0.0
    dense_sorted = np.sort(dense)[::-1][:2] if len(dense) else np.zeros(2)
    agree = float(len(fused) > 0 and int(np.argmax(dense)) == best
                  and int(np.argmax(lexical)) == best)
    rerank = float(chance[best]) if chance is not None and len(chance) else 0.0
    return {
        "rerank": rerank,
        "rerank_margin": rerank - _best_other(chance, best) if chance is not None else 0.0,
        "top": top,
        "margin": top - _best_other(fused, best),
        "dense": float(dense[best]) if len(dense) else 0.0,
        "dense_margin": float(dense_sorted[0] - (dense_sorted[1] if len(dense_sorted) > 1
                                                 else 0.0)),
        "lexical": float(lexical[best]) if len(lexical) else 0.0,
        "agree": agree,
        "terms": math.log1p(signals.terms),
        "known": signals.known,
        "coverage": float(signals.coverage.max()) if len(signals.coverage) else 0.0,
        "en": float(lang == "en"),
        "elsewhere": float(signals.elsewhere),
    }


def gate_probability(gate: GateModel, features: dict[str, float]) -> float:
    """Logistic model: probability that the top article is a right answer."""
    x = np.array([features[name] for name in gate.features], dtype=np.float64)
    z = float(np.dot((x - gate.mean) / gate.scale, gate.coef) + gate.intercept)
    return 1.0 / (1.0 + math.exp(-max(min(z, 50.0), -50.0)))


def trim_at_sentence(text: str, limit: int = MAX_ANSWER_CHARS) -> str:
    """Cut a long text at the last sentence that fits, never mid-sentence."""
    if len(text) <= limit:
        return text
    kept: list[str] = []
    for sentence in split_sentences(text):
        if len(" ".join(kept + [sentence])) > limit:
            break
        kept.append(sentence)
    return " ".join(kept) if kept else text[:limit].rsplit(" ", 1)[0] + "…"

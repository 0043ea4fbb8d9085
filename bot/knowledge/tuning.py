"""How retrieval fuses and decides: the values `bot eval --calibrate` fits, read from
`bot/retrieval.yml`.

Why a module of its own: these are calibrated parameters of the knowledge engine, not
environment settings; the engine and the evaluation share them, nothing else needs them.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import yaml


def _rounded(values: np.ndarray) -> list[float]:
    """A fitted model's parameters as written to bot/retrieval.yml."""
    return [round(float(v), 5) for v in values]


@dataclass(frozen=True)
class GateModel:
    """The answer gate: a logistic model over named features of a query's scores.

    `mean` and `scale` standardise the features, `coef` and `intercept` are the fitted model,
    and the bot answers when the probability reaches `threshold`, or the language's own
    threshold in `thresholds` (French and English questions score differently: one shared
    threshold refitted for a French change moved the English answers)."""

    features: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float
    threshold: float
    thresholds: Mapping[str, float] = field(default_factory=dict)

    def threshold_for(self, lang: str) -> float:
        return self.thresholds.get(lang, self.threshold)

    def with_threshold(self, threshold: float) -> GateModel:
        """The same gate with one threshold for every language (tests force a decline)."""
        return dataclasses.replace(self, threshold=threshold,
                                   thresholds={lang: threshold for lang in self.thresholds})

    @classmethod
    def from_dict(cls, data: Mapping) -> GateModel:
        threshold = data["threshold"]
        per_language = {str(k): float(v) for k, v in threshold.items()} \
            if isinstance(threshold, Mapping) else {}
        default = min(per_language.values()) if per_language else float(threshold)
        return cls(tuple(data["features"]), np.array(data["mean"], float),
                   np.array(data["scale"], float), np.array(data["coef"], float),
                   float(data["intercept"]), default, per_language)

    def to_dict(self) -> dict:
        return {"features": list(self.features), "mean": _rounded(self.mean),
                "scale": _rounded(self.scale), "coef": _rounded(self.coef),
                "intercept": round(self.intercept, 5),
                "threshold": {k: round(v, 4) for k, v in self.thresholds.items()}
                if self.thresholds else round(self.threshold, 4)}


@dataclass(frozen=True)
class RerankModel:
    """The article reranker: a logistic model over named features of each of the `depth`
    best-fused articles (`bot.knowledge.scoring.RERANK_FEATURES`); its probability that the
    article answers orders them. Why: the fused score reads each key alone, while whether an
    article answers shows in several pieces of evidence at once (its best key in the
    question's language and in the other, its second key, its title's words); weighed
    together, the right article comes first more often in French (docs/eval/retrieval.md).

    It reorders a message read alone; `gate` (which also reads the reranker's probabilities)
    decides on that reading. A message read with the previous topic keeps the fused order
    and the plain gate: the reranker learnt from complete questions."""

    features: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float
    depth: int
    gate: GateModel

    @classmethod
    def from_dict(cls, data: Mapping) -> RerankModel:
        return cls(tuple(data["features"]), np.array(data["mean"], float),
                   np.array(data["scale"], float), np.array(data["coef"], float),
                   float(data["intercept"]), int(data["depth"]),
                   GateModel.from_dict(data["gate"]))

    def to_dict(self) -> dict:
        return {"features": list(self.features), "mean": _rounded(self.mean),
                "scale": _rounded(self.scale), "coef": _rounded(self.coef),
                "intercept": round(self.intercept, 5), "depth": self.depth,
                "gate": self.gate.to_dict()}


@dataclass(frozen=True)
class RetrievalTuning:
    """How retrieval fuses and decides, calibrated in cross-validation on the gold set.

    It lives in `bot/retrieval.yml` (written by `bot eval --calibrate`), not in code, so an
    engineer can re-calibrate after the corpus grows without touching Python.
    """

    dense_weight: dict[str, float]
    lexical_weight: dict[str, float]
    lexical_saturation: float
    gate: dict[str, GateModel]  # per mode: hybrid, dense, lexical
    follow_up_threshold: float
    follow_up_max_terms: int
    clarify_margin: float
    top_k: int
    orientation_articles: tuple[str, ...] = ()
    chitchat: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # Regular expressions per language, matched case-insensitively: a "where do I start?"
    # question, which gets the first orientation article when the gate declines it, or when
    # the gate is less sure than `opener_sure` of a more specific article ("We are a cosmetics
    # start-up. Can we sell in China?" orients before it details the cosmetics rules). 0.8:
    # neutral in cross-validation, 0.95 cost right sections.
    opener_patterns: dict[str, tuple[str, ...]] = field(default_factory=dict)
    opener_sure: float = 0.0
    # A second encoder whose cosines are mixed into the dense score (the index stores its
    # vectors too): dense = (1 - w) * primary + w * companion, w per language. MiniLM adds to
    # e5 held out (docs/eval/encoder-fusion.md). "" means none.
    companion_model: str = ""
    # A short question each of whose words is in at most this many articles names them ("qui
    # est Pascale Delcomminette ?"): it is answered with the best of the articles holding all
    # its words, and never read as a follow-up. 0: off.
    name_max_articles: int = 0
    # A declined question whose gate probability reaches this offers its two best articles as
    # suggestions (buttons), not an answer. Calibrated: the lowest that offers them on at most
    # a quarter of the out-of-scope questions (calibration.SUGGEST_OFF_TOPIC_MAX). Above 1:
    # never.
    suggest_threshold: float = 1.01
    companion_weight: dict[str, float] = field(default_factory=dict)
    # Regular expressions (any language, case-insensitive): a question that matches one of
    # `elsewhere_patterns` (another country or a marketplace of elsewhere) and none of
    # `china_patterns` is about another market; the gate weighs it as the feature "elsewhere".
    elsewhere_patterns: tuple[str, ...] = ()
    china_patterns: tuple[str, ...] = ()
    # Per language, the lexical share of the score that picks the section shown within the
    # chosen article (the rest is the exact cosine). Absent: the article ranking's weight.
    section_lexical_weight: dict[str, float] = field(default_factory=dict)
    # Per language, (regular expression, replacement) pairs applied to a question before it
    # is searched: SMS shorthand spelt out ("c koi" -> "c'est quoi", "cmb de tps" -> "combien
    # de temps"), which neither the encoder nor the lemmatiser reads.
    shorthand: dict[str, tuple[tuple[str, str], ...]] = field(default_factory=dict)
    # Reorders the best-fused articles of the hybrid mix (None: the fused order stands).
    rerank: RerankModel | None = None
    # The section weight of a message read with the previous topic, in both languages: its
    # section is chosen by its own few words ("et les commissions ?"), which the lexical side
    # reads better than a vector of two words does. None: the language's section weight.
    follow_up_section_lexical_weight: float | None = None

    def for_follow_up_section(self) -> RetrievalTuning:
        """The tuning that picks the section of a follow-up's answer."""
        weight = self.follow_up_section_lexical_weight
        if weight is None:
            return self
        return dataclasses.replace(self, section_lexical_weight={
            lang: weight for lang in {*self.section_lexical_weight, "fr", "en"}})

    @classmethod
    def from_dict(cls, data: Mapping) -> RetrievalTuning:
        return cls(
            dense_weight={k: float(v) for k, v in data["dense_weight"].items()},
            lexical_weight={k: float(v) for k, v in data["lexical_weight"].items()},
            lexical_saturation=float(data["lexical_saturation"]),
            gate={mode: GateModel.from_dict(g) for mode, g in data["gate"].items()},
            follow_up_threshold=float(data["follow_up_threshold"]),
            follow_up_max_terms=int(data["follow_up_max_terms"]),
            clarify_margin=float(data["clarify_margin"]),
            top_k=int(data["top_k"]),
            orientation_articles=tuple(data.get("orientation_articles") or ()),
            chitchat={k: tuple(v) for k, v in (data.get("chitchat") or {}).items()},
            opener_patterns={k: tuple(v)
                             for k, v in (data.get("opener_patterns") or {}).items()},
            opener_sure=float(data.get("opener_sure") or 0.0),
            companion_model=str(data.get("companion_model") or ""),
            name_max_articles=int(data.get("name_max_articles") or 0),
            suggest_threshold=float(data.get("suggest_threshold", 1.01)),
            companion_weight={k: float(v)
                              for k, v in (data.get("companion_weight") or {}).items()},
            elsewhere_patterns=tuple(data.get("elsewhere_patterns") or ()),
            china_patterns=tuple(data.get("china_patterns") or ()),
            section_lexical_weight={
                k: float(v) for k, v in (data.get("section_lexical_weight") or {}).items()},
            shorthand={lang: tuple((str(p), str(r)) for p, r in pairs)
                       for lang, pairs in (data.get("shorthand") or {}).items()},
            rerank=RerankModel.from_dict(data["rerank"]) if data.get("rerank") else None,
            follow_up_section_lexical_weight=None
            if data.get("follow_up_section_lexical_weight") is None
            else float(data["follow_up_section_lexical_weight"]),
        )

    @classmethod
    def load(cls, path: Path) -> RetrievalTuning:
        return cls.from_dict(yaml.safe_load(path.read_text(encoding="utf-8")))

    def to_dict(self) -> dict:
        return {
            "companion_model": self.companion_model, "companion_weight": self.companion_weight,
            "name_max_articles": self.name_max_articles,
            "suggest_threshold": self.suggest_threshold,
            "dense_weight": self.dense_weight, "lexical_weight": self.lexical_weight,
            "lexical_saturation": self.lexical_saturation,
            "section_lexical_weight": self.section_lexical_weight,
            "follow_up_section_lexical_weight": self.follow_up_section_lexical_weight,
            "rerank": self.rerank.to_dict() if self.rerank is not None else None,
            "gate": {mode: g.to_dict() for mode, g in self.gate.items()},
            "follow_up_threshold": round(self.follow_up_threshold, 4),
            "follow_up_max_terms": self.follow_up_max_terms,
            "clarify_margin": self.clarify_margin, "top_k": self.top_k,
            "orientation_articles": list(self.orientation_articles),
            "chitchat": {k: list(v) for k, v in self.chitchat.items()},
            "opener_patterns": {k: list(v) for k, v in self.opener_patterns.items()},
            "opener_sure": self.opener_sure,
            "elsewhere_patterns": list(self.elsewhere_patterns),
            "china_patterns": list(self.china_patterns),
            "shorthand": {lang: [list(pair) for pair in pairs]
                          for lang, pairs in self.shorthand.items()},
        }

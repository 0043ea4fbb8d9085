"""Measure retrieval on the gold questions, and calibrate the hybrid weights and thresholds.

Dense only, lexical only and hybrid run side by side in one pass over the same questions, per
language, so the report shows what each retriever contributes. Calibration grid-searches the
per-language weights, the BM25 saturation and the answer thresholds, then writes them to
`bot/retrieval.yml`: tuning lives in data, not in code.
"""
from __future__ import annotations

import itertools
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
import yaml

from bot.knowledge.engine import MODES, NO_ANSWER, KnowledgeBase, KnowledgeIndex, lexical_score
from bot.settings import RetrievalTuning

TARGETS = {"recall@3": 0.90, "mrr": 0.80, "answered": 0.95, "declined": 0.90}


@dataclass(frozen=True)
class GoldQuestion:
    text: str
    lang: str
    expect: Tuple[str, ...]
    previous: Optional[str] = None

    @property
    def in_scope(self) -> bool:
        return bool(self.expect)


def load_gold(path: Path) -> List[GoldQuestion]:
    items = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [GoldQuestion(i["q"], i["lang"], tuple(i.get("expect") or ()), i.get("previous"))
            for i in items]


@dataclass
class Metrics:
    questions: int = 0
    in_scope: int = 0
    out_of_scope: int = 0
    recall: Dict[int, float] = field(default_factory=dict)
    mrr: float = 0.0
    answered: float = 0.0
    declined: float = 0.0
    latency_ms: Dict[str, float] = field(default_factory=dict)


def _metrics(rankings: Sequence[List[str]], decisions: Sequence[bool],
             gold: Sequence[GoldQuestion], latencies: Sequence[float]) -> Metrics:
    """`rankings[i]` are article ids, best first; `decisions[i]` True when the bot answered."""
    m = Metrics(questions=len(gold))
    reciprocal, hits = [], {1: 0, 3: 0, 5: 0}
    answered = declined = 0
    for ranking, answered_it, q in zip(rankings, decisions, gold):
        if q.in_scope:
            m.in_scope += 1
            rank = next((i + 1 for i, aid in enumerate(ranking) if aid in q.expect), None)
            reciprocal.append(1.0 / rank if rank else 0.0)
            for k in hits:
                hits[k] += bool(rank and rank <= k)
            answered += answered_it
        else:
            m.out_of_scope += 1
            declined += not answered_it
    m.recall = {k: hits[k] / m.in_scope if m.in_scope else 0.0 for k in hits}
    m.mrr = statistics.fmean(reciprocal) if reciprocal else 0.0
    m.answered = answered / m.in_scope if m.in_scope else 0.0
    m.declined = declined / m.out_of_scope if m.out_of_scope else 0.0
    if latencies:
        ordered = sorted(latencies)
        m.latency_ms = {"p50": 1000 * ordered[len(ordered) // 2],
                        "p95": 1000 * ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]}
    return m


def evaluate(kb: KnowledgeBase, gold: Sequence[GoldQuestion]) -> Dict[str, Dict[str, Metrics]]:
    """{mode: {"fr"|"en"|"all": Metrics}} for dense, lexical and hybrid, through the real API."""
    results: Dict[str, Dict[str, Metrics]] = {}
    kb.search("warm up", "fr")
    for mode in MODES:
        kb.index().embedder.clear_cache()  # each mode pays for its own query embeddings
        per_lang: Dict[str, Dict[str, list]] = {}
        for q in gold:
            started = time.perf_counter()
            result = kb.search(q.text, q.lang, mode=mode, previous_article=q.previous)
            elapsed = time.perf_counter() - started
            for key in (q.lang, "all"):
                bucket = per_lang.setdefault(key, {"r": [], "d": [], "g": [], "t": []})
                bucket["r"].append([c.article_id for c in result.candidates])
                bucket["d"].append(result.status != NO_ANSWER)
                bucket["g"].append(q)
                bucket["t"].append(elapsed)
        results[mode] = {lang: _metrics(b["r"], b["d"], b["g"], b["t"])
                         for lang, b in per_lang.items()}
    return results


# -- calibration --------------------------------------------------------------------------------
def _raw_scores(index: KnowledgeIndex, gold: Sequence[GoldQuestion]):
    """Per question: dense cosine and raw BM25 of every key (computed once for the grid)."""
    dense, bm25, coverage = [], [], []
    for q in gold:
        query = index.expand_follow_up(q.text, q.lang, q.previous)
        dense.append(index._dense(query, depth=index.size))
        raw, covered = index.lexical_raw(query, q.lang)
        bm25.append(raw)
        coverage.append(covered)
    return np.vstack(dense), np.vstack(bm25), np.vstack(coverage)


def _per_article(index: KnowledgeIndex, key_scores: np.ndarray) -> np.ndarray:
    out = np.zeros((key_scores.shape[0], len(index.article_ids)), dtype=np.float32)
    for row in range(key_scores.shape[0]):
        np.maximum.at(out[row], index.key_article, key_scores[row])
    return out


def _rank_quality(index, fused: np.ndarray, gold: Sequence[GoldQuestion]) -> Tuple[float, float]:
    """(recall@3, MRR) of article scores over the in-scope questions."""
    recall = reciprocal = 0.0
    n = 0
    for row, q in zip(fused, gold):
        if not q.in_scope:
            continue
        n += 1
        order = [index.article_ids[i] for i in np.argsort(-row)[:10]]
        rank = next((i + 1 for i, aid in enumerate(order) if aid in q.expect), None)
        recall += bool(rank and rank <= 3)
        reciprocal += 1.0 / rank if rank else 0.0
    return recall / max(n, 1), reciprocal / max(n, 1)


def best_threshold(top_scores: np.ndarray, in_scope: np.ndarray) -> Tuple[float, float]:
    """The threshold that leaves the most room above both gate targets.

    The product sets two error budgets (answer >= 95% of in-scope questions, decline >= 90% of
    out-of-scope ones); the threshold maximises the smaller of the two margins, so neither
    error is traded away for the other. Returns (threshold, that margin).
    """
    best = (0.0, -1.0)
    for t in np.unique(np.round(top_scores, 4)):
        answered = (top_scores[in_scope] >= t).mean() if in_scope.any() else 1.0
        declined = (top_scores[~in_scope] < t).mean() if (~in_scope).any() else 1.0
        margin = min(answered - TARGETS["answered"], declined - TARGETS["declined"])
        if margin > best[1] + 1e-9:
            best = (float(t), float(margin))
    return best


def calibrate(kb: KnowledgeBase, gold: Sequence[GoldQuestion]) -> RetrievalTuning:
    """Grid-search weights, saturation and thresholds per language on the gold set."""
    index = kb.index()
    current = kb.tuning
    dense_w, lexical_w, thresholds = {}, {}, {}
    saturations = (2.0, 4.0, 6.0, 8.0, 12.0)
    best_saturation_votes: Dict[float, float] = {}
    for lang in ("fr", "en"):
        subset = [q for q in gold if q.lang == lang]
        dense_keys, bm25_keys, coverage = _raw_scores(index, subset)
        dense_art = _per_article(index, dense_keys)
        in_scope = np.array([q.in_scope for q in subset])
        best = None
        for saturation in saturations:
            lexical_keys = lexical_score(bm25_keys, coverage, saturation)
            for wd in (round(x, 1) for x in np.linspace(0, 1, 11)):
                fused = _per_article(index, wd * dense_keys + (1 - wd) * lexical_keys)
                recall3, mrr = _rank_quality(index, fused, subset)
                threshold, gate = best_threshold(fused.max(axis=1), in_scope)
                objective = recall3 + mrr + gate
                if best is None or objective > best[0] + 1e-9:
                    best = (objective, saturation, wd, threshold)
        _, saturation, wd, threshold = best
        best_saturation_votes[saturation] = best_saturation_votes.get(saturation, 0) + 1
        dense_w[lang], lexical_w[lang] = float(wd), round(1.0 - float(wd), 1)
        thresholds[lang] = round(float(threshold), 4)
        # Single-retriever thresholds, so the report compares like with like.
        lexical_art = _per_article(index, lexical_score(bm25_keys, coverage, saturation))
        thresholds[f"dense_{lang}"] = round(best_threshold(dense_art.max(axis=1), in_scope)[0], 4)
        thresholds[f"lexical_{lang}"] = round(
            best_threshold(lexical_art.max(axis=1), in_scope)[0], 4)
    saturation = max(best_saturation_votes, key=best_saturation_votes.get)
    return RetrievalTuning(dense_weight=dense_w, lexical_weight=lexical_w,
                           lexical_saturation=saturation, answer_threshold=thresholds,
                           clarify_margin=current.clarify_margin, top_k=current.top_k)


def write_tuning(tuning: RetrievalTuning, path: Path) -> None:
    header = ("# Hybrid retrieval tuning, calibrated on tests/data/gold.yml by "
              "`bot eval --calibrate`.\n# fused = dense_weight * cosine + lexical_weight * "
              "(1 - exp(-bm25 / lexical_saturation)) * coverage;\n"
              "# answer when fused >= answer_threshold.\n"
              "# dense_*/lexical_* thresholds are for the single-retriever columns of the report.\n")
    body = {"dense_weight": tuning.dense_weight, "lexical_weight": tuning.lexical_weight,
            "lexical_saturation": tuning.lexical_saturation,
            "answer_threshold": tuning.answer_threshold,
            "clarify_margin": tuning.clarify_margin, "top_k": tuning.top_k}
    path.write_text(header + yaml.safe_dump(body, sort_keys=False), encoding="utf-8")


# -- report -------------------------------------------------------------------------------------
def markdown_report(results: Dict[str, Dict[str, Metrics]], command: str) -> str:
    lines = ["| mode | lang | questions | recall@1 | recall@3 | recall@5 | MRR | answered "
             "(in scope) | declined (out of scope) | p50 ms | p95 ms |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for mode in MODES:
        for lang in ("fr", "en", "all"):
            m = results[mode][lang]
            lines.append(
                f"| {mode} | {lang} | {m.questions} | {m.recall[1]:.2f} | {m.recall[3]:.2f} | "
                f"{m.recall[5]:.2f} | {m.mrr:.2f} | {m.answered:.2f} | {m.declined:.2f} | "
                f"{m.latency_ms.get('p50', 0):.1f} | {m.latency_ms.get('p95', 0):.1f} |")
    lines += ["", f"Reproduce with `{command}`."]
    return "\n".join(lines)


def check_targets(results: Dict[str, Dict[str, Metrics]]) -> List[str]:
    """The figures below their targets (empty when every target is met)."""
    hybrid = results["hybrid"]
    misses = []
    if hybrid["all"].recall[3] < TARGETS["recall@3"]:
        misses.append(f"hybrid recall@3 {hybrid['all'].recall[3]:.3f} < {TARGETS['recall@3']}")
    if hybrid["all"].mrr < TARGETS["mrr"]:
        misses.append(f"hybrid MRR {hybrid['all'].mrr:.3f} < {TARGETS['mrr']}")
    if hybrid["fr"].recall[3] < hybrid["en"].recall[3] - 0.05:
        misses.append(f"French recall@3 {hybrid['fr'].recall[3]:.3f} is more than 5 points "
                      f"below English {hybrid['en'].recall[3]:.3f}")
    if hybrid["all"].answered < TARGETS["answered"]:
        misses.append(f"in-scope answered {hybrid['all'].answered:.3f} < {TARGETS['answered']}")
    if hybrid["all"].declined < TARGETS["declined"]:
        misses.append(f"out-of-scope declined {hybrid['all'].declined:.3f} < "
                      f"{TARGETS['declined']}")
    for single in ("dense", "lexical"):
        if hybrid["all"].recall[3] <= results[single]["all"].recall[3]:
            misses.append(f"hybrid recall@3 {hybrid['all'].recall[3]:.3f} does not beat "
                          f"{single} {results[single]['all'].recall[3]:.3f}")
    return misses


def chart(results: Dict[str, Dict[str, Metrics]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    labels = ["recall@1", "recall@3", "MRR", "answered", "declined"]
    fig, axes = plt.subplots(1, 2, figsize=(11, 4), sharey=True)
    for ax, lang in zip(axes, ("fr", "en")):
        width = 0.27
        for i, mode in enumerate(MODES):
            m = results[mode][lang]
            values = [m.recall[1], m.recall[3], m.mrr, m.answered, m.declined]
            ax.bar(np.arange(len(labels)) + (i - 1) * width, values, width, label=mode)
        ax.set_xticks(np.arange(len(labels)), labels)
        ax.set_title({"fr": "French questions", "en": "English questions"}[lang])
        ax.set_ylim(0, 1.05)
        ax.grid(axis="y", alpha=0.3)
    axes[0].legend(loc="lower left")
    fig.suptitle("Retrieval on the gold set: dense vs lexical vs hybrid")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)

"""Scale: build time, disk, memory, query latency and HNSW recall at 1k, 10k and 100k sections.

What: SYNTHETIC corpora made from the real one by recombination — each synthetic section takes
a real article title and heading and 1 to 7 sentences drawn from different real sections of the
same language (French and English in the real proportion), four sections per synthetic article.
Every key is a section (key text `title. heading. text`, as bot.knowledge.index.key_records
writes it). For each size:

  * build time, by stage: embedding (the AWEX_EMBEDDING_MODEL encoder), FAISS (flat and HNSW),
    lemmas for BM25 (spaCy), writing the files. Embedding and lemmatising throughputs are
    measured on a sample of synthetic sections; when doing all of a size would take longer than
    the budget (10 minutes per stage; 1 minute with --quick), the vectors are built by
    recombination — the word-count-weighted mean of the vectors of the section's parts (title,
    heading, each sentence), renormalised — and the lemmas by concatenating the parts' lemmas.
    The report says which sizes were recombined, gives the extrapolated stage time (size /
    measured throughput) instead of a measured one, and the fidelity of the recombination on the
    sample (cosine to the true embedding, agreement of the lemma bags).
  * index size on disk, in the real index format (written by
    bot.knowledge.index.write_index_files, with a CURRENT pointer) so `KnowledgeIndex` loads it
    unchanged;
  * resident memory (VmRSS and peak VmHWM from /proc/<pid>/status) of a fresh process that
    imports what the action server imports, loads the encoder and the index and answers every
    query (bench._scale_worker), with the sizes of the index's parts it holds;
  * engine query latency (KnowledgeBase.search: total and each stage) with the flat index and
    with HNSW (VectorIndex.build with flat_max = size vs 0), uncached and cached embedding;
  * recall@10 of HNSW against flat over the query set (gold questions plus the articles'
    example questions, >= 200 in a full run), and how often the engine's top article agrees.

Why: the corpus is 86 articles today; the advisors will add more. This says how far the design
goes on this machine before something has to change. Targets: engine query p95 <= 20 ms at 10k
and <= 40 ms at 100k (with the approximate index at recall@10 >= 0.95 against flat); resident
memory of an action-server-like process <= 1.2 GB with the 100k index loaded.

Reproduce:  python -m bench.scale
            (--quick: 60 queries and 1-minute budgets, so only the smallest stages run in full;
            --sizes 1000,10000 to choose the sizes)
"""
from __future__ import annotations

import json
import random
import shutil
import subprocess
import threading
import time
from collections import Counter
from pathlib import Path

import numpy as np

from bench.common import (
    GOLD,
    ROOT,
    LoadSampler,
    app_env,
    header,
    parse_args,
    proc_status,
    python,
    say,
    store,
    summary,
    temp_dir,
)

SECTIONS_PER_ARTICLE = 4
SEED = 20261127


# -- the synthetic corpus ---------------------------------------------------------------------
class Parts:
    """The real corpus cut into reusable parts: titles, headings and sentences per language."""

    def __init__(self, settings):
        from bot.knowledge.articles import load_corpus, split_sentences

        corpus = load_corpus(settings.knowledge_dir,
                             stale_after_months=settings.stale_after_months)
        self.articles = corpus.articles
        self.texts: list[str] = []  # every distinct part, embedded/lemmatised once if needed
        self.lang_of: list[str] = []
        self._position: dict[tuple[str, str], int] = {}
        self.titles: dict[str, list[int]] = {}
        self.headings: dict[str, list[int]] = {}
        self.sections: dict[str, list[list[int]]] = {}  # per language: sentence part ids
        self.sentence_counts: dict[str, list[int]] = {}
        for article in corpus.articles:
            lang = article.lang
            self.titles.setdefault(lang, []).append(self._part(article.title, lang))
            for section in article.sections:
                self.headings.setdefault(lang, []).append(self._part(section.heading, lang))
                sentences = [self._part(s, lang) for s in split_sentences(section.text)]
                self.sections.setdefault(lang, []).append(sentences)
                self.sentence_counts.setdefault(lang, []).append(len(sentences))
        self.questions = [(q, a.lang) for a in corpus.articles for q in a.questions]

    def _part(self, text: str, lang: str) -> int:
        key = (text, lang)
        if key not in self._position:
            self._position[key] = len(self.texts)
            self.texts.append(text)
            self.lang_of.append(lang)
        return self._position[key]

    @property
    def section_count(self) -> int:
        return sum(len(v) for v in self.sections.values())


def synthesize(parts: Parts, size: int, rng: random.Random) -> tuple[list[dict], list[dict]]:
    """`size` synthetic sections (with their part ids) grouped into articles."""
    langs = sorted(parts.sections)
    weights = [len(parts.sections[lang]) for lang in langs]
    records, articles = [], []
    article: dict = {}
    for n in range(size):
        if n % SECTIONS_PER_ARTICLE == 0:
            lang = rng.choices(langs, weights)[0]
            title = rng.choice(parts.titles[lang])
            article = {"id": f"synthetic-{n // SECTIONS_PER_ARTICLE:06d}", "lang": lang,
                       "title_part": title, "sections": []}
            articles.append(article)
        lang = article["lang"]
        heading = rng.choice(parts.headings[lang])
        count = max(1, min(7, rng.choice(parts.sentence_counts[lang])))
        donors = rng.sample(range(len(parts.sections[lang])), count)
        sentences = [rng.choice(parts.sections[lang][d]) for d in donors if parts.sections[lang][d]]
        text = " ".join(parts.texts[s] for s in sentences)
        position = len(article["sections"])
        article["sections"].append({"heading": parts.texts[heading], "text": text})
        records.append({"kind": "section", "id": article["id"], "lang": lang,
                        "section": position,
                        "text": f"{parts.texts[article['title_part']]}. {parts.texts[heading]}. "
                                f"{text}",
                        "_parts": [article["title_part"], heading] + sentences})
    return records, articles


def recombine_vectors(records: list[dict], part_vectors: np.ndarray,
                      part_words: np.ndarray) -> np.ndarray:
    """Each section's vector: the word-count-weighted mean of its parts' vectors, normalised."""
    out = np.zeros((len(records), part_vectors.shape[1]), dtype=np.float32)
    for i, record in enumerate(records):
        ids = record["_parts"]
        weights = part_words[ids][:, None]
        vector = (part_vectors[ids] * weights).sum(axis=0)
        out[i] = vector / max(np.linalg.norm(vector), 1e-9)
    return out


def compose_terms(records: list[dict], part_terms: list[list[str]]) -> list[list[str]]:
    return [[t for p in r["_parts"] for t in part_terms[p]] for r in records]


def lemmatise(texts: list[str], langs: list[str]) -> list[list[str]]:
    from bot.knowledge.lexical import lemmas

    out: list[list[str]] = [[] for _ in texts]
    for lang in set(langs):
        positions = [i for i, other in enumerate(langs) if other == lang]
        for i, terms in zip(positions, lemmas([texts[i] for i in positions], lang)):
            out[i] = terms
    return out


# -- writing an index folder the way bot.knowledge.index.build_index does --------------------
def write_index(folder: Path, records: list[dict], articles: list[dict], vectors: np.ndarray,
                kind_index, settings, parts: Parts, size: int,
                bm25=None) -> tuple[Path, int, float]:
    from bot.knowledge.store import POINTER, write_index_files

    started = time.perf_counter()
    build = folder / f"build-synthetic-{size}-{kind_index.kind}"
    build.mkdir(parents=True)
    article_records = [{
        "id": a["id"], "lang": a["lang"], "title": parts.texts[a["title_part"]],
        "topics": ["platforms"], "related": [], "reviewed": "2026-11-01",
        "sources": [{"id": "synthetic", "title": "Synthetic benchmark corpus",
                     "url": "https://example.org/", "date": "2026-11"}],
        "sections": a["sections"]} for a in articles]
    write_index_files(build, records, article_records, kind_index, {
        "fingerprint": f"synthetic-{size}", "model": settings.model_name,
        "dimension": int(vectors.shape[1]), "synthetic": True}, bm25)
    (folder / POINTER).write_text(build.name, encoding="utf-8")
    seconds = time.perf_counter() - started
    disk = sum(p.stat().st_size for p in build.iterdir())
    return build, disk, seconds


# -- the worker process ----------------------------------------------------------------------
def run_worker(index_dir: Path, queries_file: Path, log: Path, timeout: float) -> dict:
    """Start bench._scale_worker on one index; read its memory while it is still alive."""
    env = app_env(AWEX_INDEX_DIR=str(index_dir))
    command = [python(), "-m", "bench._scale_worker", str(queries_file)]
    started = time.perf_counter()
    with open(log, "ab") as err:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdin=subprocess.PIPE,
                                   stdout=subprocess.PIPE, stderr=err, text=True)
    timer = threading.Timer(timeout, process.kill)  # bounded, whatever happens
    timer.start()
    result: dict = {}
    try:
        for line in process.stdout:
            if line.startswith("RESULT "):
                result = json.loads(line[len("RESULT "):])
            elif line.strip() == "READY":
                result["process_status_mib"] = proc_status(process.pid)
                result["process_seconds"] = round(time.perf_counter() - started, 1)
                process.stdin.write("\n")
                process.stdin.flush()
                break
        process.wait(timeout=60)
    finally:
        timer.cancel()
        if process.poll() is None:
            process.kill()
            process.wait()
    if not result:
        raise RuntimeError(f"the worker failed (code {process.returncode}); see {log}")
    return result


def stage_summary(rows: list[dict]) -> dict[str, dict]:
    stages = ("embedding", "dense_search", "lexical", "total")
    out = {s: summary([r.get(s, 0.0) for r in rows]) for s in stages}
    out["total_minus_embedding"] = summary([r["total"] - r.get("embedding", 0.0) for r in rows])
    return out


def main() -> None:
    def extra(parser):
        parser.add_argument("--sizes", default="", help="comma-separated section counts")
        parser.add_argument("--queries", type=int, default=0, help="number of queries")
        parser.add_argument("--keep", action="store_true", help="keep the index folders")

    args = parse_args(__doc__, extra)
    sizes = [int(s) for s in args.sizes.split(",") if s] or [1000, 10000, 100000]
    query_count = args.queries or (60 if args.quick else 250)
    budget = 60.0 if args.quick else 600.0
    sample_size = 32 if args.quick else 256

    from bot.knowledge.evaluation import load_gold
    from bot.knowledge.lexical import BM25
    from bot.knowledge.vectors import Embedder, VectorIndex
    from bot.settings import Settings

    settings = Settings.from_env()
    rng = random.Random(SEED)
    work = temp_dir("scale")
    say(f"work folder {work}")
    parts = Parts(settings)
    embedder = Embedder(settings.model_name)
    embedder.embed(["warm up"])
    lemmatise(["échauffement"], ["fr"])
    lemmatise(["warm up"], ["en"])

    gold = load_gold(GOLD)
    queries = [{"text": q.text, "lang": q.lang} for q in gold]
    queries += [{"text": t, "lang": lang} for t, lang in parts.questions]
    queries = queries[:query_count]
    queries_file = work / "queries.json"
    queries_file.write_text(json.dumps(queries, ensure_ascii=False), "utf-8")

    data = {"sizes": [], "budget_s": budget, "sample_size": sample_size,
            "real_corpus": {"articles": len(parts.articles), "sections": parts.section_count,
                            "parts": len(parts.texts)},
            "queries": len(queries), "synthetic": True}
    with LoadSampler() as load:
        # Throughputs and the fidelity of recombination, on a sample of synthetic sections.
        sample, _ = synthesize(parts, sample_size, random.Random(SEED + 1))
        sample_texts = [r["text"] for r in sample]
        say(f"embedding a sample of {sample_size} synthetic sections")
        started = time.perf_counter()
        sample_vectors = embedder.embed(sample_texts)
        embed_rate = sample_size / (time.perf_counter() - started)
        started = time.perf_counter()
        sample_terms = lemmatise(sample_texts, [r["lang"] for r in sample])
        lemma_rate = sample_size / (time.perf_counter() - started)
        say(f"  {embed_rate:.1f} sections/s embedded, {lemma_rate:.1f} sections/s lemmatised")
        data["embedding_sections_per_s"] = round(embed_rate, 2)
        data["lemmas_sections_per_s"] = round(lemma_rate, 2)

        part_vectors = part_terms = None
        needs_parts = any(size / embed_rate > budget or size / lemma_rate > budget
                          for size in sizes)
        if needs_parts:
            say(f"embedding and lemmatising the {len(parts.texts)} parts for recombination")
            started = time.perf_counter()
            part_vectors = embedder.embed(parts.texts)
            data["parts_embedding_s"] = round(time.perf_counter() - started, 1)
            started = time.perf_counter()
            part_terms = lemmatise(parts.texts, parts.lang_of)
            data["parts_lemmas_s"] = round(time.perf_counter() - started, 1)
            part_words = np.array([max(1, len(t.split())) for t in parts.texts], np.float32)
            recombined = recombine_vectors(sample, part_vectors, part_words)
            cosines = (recombined * sample_vectors).sum(axis=1)
            composed = compose_terms(sample, part_terms)
            agreement = [len(Counter(a) & Counter(b)) / max(len(a), len(b), 1)
                         for a, b in zip(composed, sample_terms)]
            data["recombination_fidelity"] = {
                "cosine_to_true_embedding": summary(cosines.tolist(), 4),
                "lemma_bag_agreement": summary(agreement, 4)}

        say(f"embedding {len(queries)} queries (for recall)")
        query_vectors = embedder.embed([q["text"] for q in queries])

        for size in sizes:
            say(f"--- {size} synthetic sections")
            row: dict = {"sections": size}
            records, articles = synthesize(parts, size, rng)
            row["articles"] = len(articles)
            texts = [r["text"] for r in records]
            row["mean_key_chars"] = round(sum(map(len, texts)) / len(texts), 1)
            if size / embed_rate <= budget:
                say(f"  embedding {size} sections")
                started = time.perf_counter()
                vectors = embedder.embed(texts)
                row["embedding"] = {"seconds": round(time.perf_counter() - started, 1),
                                    "how": "measured"}
            else:
                started = time.perf_counter()
                vectors = recombine_vectors(records, part_vectors, part_words)
                row["embedding"] = {"seconds": round(size / embed_rate, 1),
                                    "how": "extrapolated from the sample; vectors recombined",
                                    "recombination_s": round(time.perf_counter() - started, 1)}
            if size / lemma_rate <= budget:
                say(f"  lemmatising {size} sections")
                started = time.perf_counter()
                terms = lemmatise(texts, [r["lang"] for r in records])
                row["lemmas"] = {"seconds": round(time.perf_counter() - started, 1),
                                 "how": "measured"}
            else:
                started = time.perf_counter()
                terms = compose_terms(records, part_terms)
                row["lemmas"] = {"seconds": round(size / lemma_rate, 1),
                                 "how": "extrapolated from the sample; lemmas concatenated",
                                 "composition_s": round(time.perf_counter() - started, 1)}
            for record, record_terms in zip(records, terms):
                record["terms"] = record_terms
            started = time.perf_counter()
            bm25 = BM25(terms)
            row["bm25_build_s"] = round(time.perf_counter() - started, 2)

            indexes = {}
            for kind, flat_max in (("flat", size), ("hnsw", 0)):
                say(f"  FAISS {kind}")
                started = time.perf_counter()
                indexes[kind] = VectorIndex.build(vectors, flat_max)
                seconds = time.perf_counter() - started
                folder = work / f"{size}-{kind}"
                _, disk, write_s = write_index(folder, records, articles, vectors,
                                               indexes[kind], settings, parts, size, bm25)
                row[kind] = {"faiss_build_s": round(seconds, 2), "write_s": round(write_s, 2),
                             "disk_mib": round(disk / 2 ** 20, 1)}
                row[kind]["build_total_s"] = round(
                    row["embedding"]["seconds"] + row["lemmas"]["seconds"] + seconds + write_s, 1)

            # Vector search alone, and recall@10 of HNSW against exact search.
            hits, vector_ms = [], {"flat": [], "hnsw": []}
            for vector in query_vectors:
                found = {}
                for kind in ("flat", "hnsw"):
                    started = time.perf_counter()
                    indexes[kind].search(vector, 200)
                    vector_ms[kind].append(1000 * (time.perf_counter() - started))
                    found[kind] = set(indexes[kind].search(vector, 10)[1].tolist())
                hits.append(len(found["flat"] & found["hnsw"]) / max(len(found["flat"]), 1))
            row["recall_at_10"] = round(float(np.mean(hits)), 4)
            row["recall_at_10_min"] = round(float(np.min(hits)), 4)
            for kind in ("flat", "hnsw"):
                row[kind]["vector_search_depth200_ms"] = summary(vector_ms[kind], 3)
            del indexes, vectors

            # A fresh process per index: memory and engine latency.
            for kind in ("flat", "hnsw"):
                say(f"  fresh process on the {kind} index")
                worker = run_worker(work / f"{size}-{kind}", queries_file,
                                    work / f"worker-{size}-{kind}.log", timeout=1800)
                row[kind].update({
                    "rss_mib": worker["process_status_mib"].get("VmRSS"),
                    "peak_rss_mib": worker["process_status_mib"].get("VmHWM"),
                    "rss_mib_by_stage": worker["rss_mib_by_stage"],
                    "index_load_s": worker["index_load_s"],
                    "uncached": stage_summary(worker["uncached"]),
                    "cached": stage_summary(worker["cached"]),
                    "index_parts": worker.get("index_parts"),
                    "torch_imported": worker.get("torch_imported"),
                })
                row[kind]["_tops"] = worker["top_articles"]
                say(f"    RSS {row[kind]['rss_mib']} MiB, total p95 "
                    f"{row[kind]['uncached']['total']['p95']} ms uncached, "
                    f"{row[kind]['cached']['total']['p95']} ms cached")
            tops = zip(row["flat"].pop("_tops"), row["hnsw"].pop("_tops"))
            same = [a == b for a, b in tops]
            row["engine_top_article_agreement"] = round(sum(same) / len(same), 4)
            row["shipped_vector_index"] = "flat" if size <= settings.flat_index_max else "hnsw"
            data["sizes"].append(row)
            if not args.keep:
                for kind in ("flat", "hnsw"):
                    shutil.rmtree(work / f"{size}-{kind}", ignore_errors=True)
    result = header("scale", args.quick, load.result())
    result.update(data)
    store(args.results, "scale", result)
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

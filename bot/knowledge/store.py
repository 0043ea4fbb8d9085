"""The on-disk index format, owned in one place: write a build, publish it, load it back.

A build is a complete folder (`build-<fingerprint>-<ms>`); `CURRENT` names the one being served
and is swapped with one atomic rename, so a failed or partial build never replaces a working
index. The builder (`bot.knowledge.index`) writes through this module and the searcher
(`bot.knowledge.engine`) loads through it; neither imports the other.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bot.knowledge.lexical import BM25
from bot.knowledge.vectors import VectorIndex

# Bump when the index layout or the key texts change, so old indexes are rebuilt.
# 6: heading keys (a section's title and heading), sources per section.
# 7: optional companion vectors (companion.faiss, meta "companion_model").
FORMAT_VERSION = 7
POINTER = "CURRENT"


class IndexError_(Exception):
    """The index is missing, corrupt or built with another model: the message says which."""


@dataclass
class StoredIndex:
    """One build as read from disk and checked for consistency."""

    path: Path
    meta: dict
    articles: list[dict]
    key_record: np.ndarray  # per key: its article record in `articles`
    key_section: np.ndarray  # per key: its section position, -1 for an article-wide question
    bm25: BM25
    vectors: VectorIndex
    companion: VectorIndex | None = None  # the companion encoder's vectors, same keys


def current_path(index_dir: Path) -> Path | None:
    pointer = index_dir / POINTER
    if not pointer.exists():
        return None
    return index_dir / pointer.read_text(encoding="utf-8").strip()


def read_meta(path: Path) -> dict:
    meta: dict = json.loads((path / "meta.json").read_text(encoding="utf-8"))
    return meta


def write_index_files(folder: Path, records: list[dict], article_records: list[dict],
                      index: VectorIndex, meta: dict, bm25: BM25 | None = None,
                      companion: VectorIndex | None = None) -> None:
    """Write one index build: vectors, where each key points, BM25 postings, articles, meta.

    Key texts and lemma lists are not kept: serving needs only where each key points (two
    integer arrays: its article record in articles.json, its section or -1 for an example
    question), and the BM25 postings are saved as arrays, so a server loads them as they are.
    """
    index.save(folder / "vectors.faiss")
    if companion is not None:
        companion.save(folder / "companion.faiss")
    record_of = {(a["id"], a["lang"]): i for i, a in enumerate(article_records)}
    np.savez(folder / "keys.npz",
             article=np.array([record_of[(r["id"], r["lang"])] for r in records], np.int32),
             section=np.array([r["section"] for r in records], np.int32))
    (bm25 or BM25([r["terms"] for r in records])).save(folder)
    (folder / "articles.json").write_text(json.dumps(article_records, ensure_ascii=False),
                                          "utf-8")
    meta = {"format": FORMAT_VERSION, **meta, "index_type": index.kind, "keys": len(records),
            "articles": len(article_records),
            "built_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")}
    (folder / "meta.json").write_text(json.dumps(meta, indent=2), "utf-8")


def load(path: Path, model_name: str, companion_model: str = "") -> StoredIndex:
    """Read a build and check it is whole and made by `model_name` (and `companion_model`, the
    second encoder retrieval.yml names, "" for none); IndexError_ says why not."""
    try:
        meta = read_meta(path)
    except (OSError, ValueError) as exc:
        raise IndexError_(f"the index at {path} is unreadable ({exc}); run `bot build`")
    if meta.get("format") != FORMAT_VERSION:
        raise IndexError_(f"the index at {path} has format {meta.get('format')}, this code "
                          f"reads {FORMAT_VERSION}; run `bot build`")
    try:
        with np.load(path / "keys.npz", allow_pickle=False) as keys:
            key_record, key_section = keys["article"], keys["section"]
        articles = json.loads((path / "articles.json").read_text("utf-8"))
        bm25 = BM25.load(path)
        if len(key_record) and not 0 <= key_record.min() <= key_record.max() < len(articles):
            raise ValueError("keys point outside articles.json")
    except (OSError, ValueError, KeyError, zipfile.BadZipFile) as exc:
        raise IndexError_(f"the index at {path} is unreadable ({exc}); run `bot build`")
    if meta.get("model") != model_name:
        raise IndexError_(
            f"the index at {path} was built with the model '{meta.get('model')}' but "
            f"AWEX_EMBEDDING_MODEL is '{model_name}'; run `bot build` to rebuild it "
            "with this model, or set AWEX_EMBEDDING_MODEL back")
    if meta.get("companion_model", "") != companion_model:
        raise IndexError_(
            f"the index at {path} was built with the companion encoder "
            f"'{meta.get('companion_model', '')}' but bot/retrieval.yml names "
            f"'{companion_model}'; run `bot build`")
    companion = None
    try:
        vectors = VectorIndex.load(path / "vectors.faiss", meta["index_type"])
        if companion_model:
            companion = VectorIndex.load(path / "companion.faiss", meta["index_type"])
    except Exception as exc:  # faiss raises RuntimeError with its own text
        raise IndexError_(f"the vector file in {path} is corrupt or missing ({exc}); "
                          "run `bot build`")
    if companion is not None and companion.size != vectors.size:
        raise IndexError_(f"the index at {path} has {companion.size} companion vectors for "
                          f"{vectors.size} keys; run `bot build`")
    if not vectors.size == bm25.size == len(key_record) == len(key_section):
        raise IndexError_(f"the index at {path} has {vectors.size} vectors and "
                          f"{bm25.size} lexical entries for {len(key_record)} keys; "
                          "run `bot build`")
    return StoredIndex(path, meta, articles, key_record, key_section, bm25, vectors, companion)


def publish(index_dir: Path, target: Path) -> None:
    """Point CURRENT at the new build with one atomic rename."""
    tmp = index_dir / f"{POINTER}.tmp"
    tmp.write_text(target.name, encoding="utf-8")
    os.replace(tmp, index_dir / POINTER)


def prune(index_dir: Path, keep: set) -> None:
    """Keep the new build and the one before it (a server may still be reading it)."""
    for path in index_dir.glob("build-*"):
        if path.name not in keep:
            shutil.rmtree(path, ignore_errors=True)

"""BM25 postings: built from lemma lists, saved as arrays, loaded back with the same scores."""
from __future__ import annotations

import numpy as np
import pytest

from bot.knowledge.lexical import BM25

DOCUMENTS = [["douane", "chine", "douane"], ["tmall", "global", "cout"], [],
             ["chine", "cout", "logistique", "liege"]]


def test_saved_postings_score_exactly_like_the_built_ones(tmp_path):
    built = BM25(DOCUMENTS)
    built.save(tmp_path)
    loaded = BM25.load(tmp_path)
    for query in (["douane"], ["chine", "cout"], ["inconnu", "chine"], []):
        for a, b in zip(built.scores(query), loaded.scores(query)):
            np.testing.assert_array_equal(a, b)
    assert loaded.correct(["logistiqe"]) == ["logistique"]


def test_scores_rank_and_coverage():
    scores, coverage = BM25(DOCUMENTS).scores(["chine", "cout"])
    assert scores[3] > max(scores[0], scores[1]) and scores[2] == 0
    assert coverage[3] == pytest.approx(1.0) and 0 < coverage[0] < 1
    ids, counts = BM25(DOCUMENTS).postings("douane")
    assert list(ids) == [0] and list(counts) == [2.0]
    assert len(BM25(DOCUMENTS).postings("absent")[0]) == 0


def test_mismatched_files_are_refused(tmp_path):
    BM25(DOCUMENTS).save(tmp_path)
    (tmp_path / "vocabulary.json").write_text('["chine"]', "utf-8")
    with pytest.raises(ValueError, match="do not match"):
        BM25.load(tmp_path)


def test_empty_corpus(tmp_path):
    BM25([]).save(tmp_path)
    assert BM25.load(tmp_path).size == 0

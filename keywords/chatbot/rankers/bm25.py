"""Okapi BM25 over the analysed terms, from ``rank_bm25``; thesaurus terms count at their query weight."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from rank_bm25 import BM25Okapi

from ..text import Query
from .base import Ranker


class BM25Ranker(Ranker):
    #: A strong match is about this many words of the question that are on one document only,
    #: so that it means the same in a knowledge base of five pages as in one of five hundred.
    strong_words = 1.5
    strong_score = 6.7  # until fitted: as in a knowledge base of some 130 passages

    def __init__(self, k1: float = 1.2, b: float = 0.75):
        self.k1, self.b = k1, b
        self._bm25: BM25Okapi | None = None
        self._size = 0

    def fit(self, texts: Sequence[str], terms: Sequence[Sequence[str]]) -> None:
        self._size = len(terms)
        # BM25's weight of a word found in one document of n (rank_bm25's Okapi idf).
        self.strong_score = self.strong_words * max(0.5, math.log((len(terms) - 0.5) / 1.5)) if terms else 10.0
        # rank_bm25 divides by the corpus size: an empty document list has no index.
        self._bm25 = BM25Okapi([list(t) or ["\0"] for t in terms], k1=self.k1, b=self.b) if terms else None

    def scores(self, query: Query) -> np.ndarray:
        if self._bm25 is None:
            return np.zeros(self._size)
        scores = self._bm25.get_scores(list(query.terms)) if query.terms else np.zeros(self._size)
        for term, weight in query.expansion_weights.items():
            scores = scores + weight * self._bm25.get_scores([term])
        return np.maximum(scores, 0.0)

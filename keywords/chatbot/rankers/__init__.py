"""Rankers: score every passage of a knowledge base against a question.

``base.Ranker`` is the interface; ``bm25.BM25Ranker`` (the default, lexical, always
available) is one implementation; ``embeddings.EmbeddingsRanker`` (BM25 plus sentence
embeddings from a model installed on the machine, the ``embeddings`` extra) is another. Choose
one by name, ``bm25`` or ``embeddings``, or plug in your own by its import path:
``Library    keywords.chatbot    ranker=package.module.Class``.
"""

from __future__ import annotations

from importlib import import_module

from .base import Ranker

DEFAULT = "keywords.chatbot.rankers.bm25.BM25Ranker"
NAMES = {"bm25": DEFAULT, "embeddings": "keywords.chatbot.rankers.embeddings.EmbeddingsRanker"}

__all__ = ["DEFAULT", "NAMES", "Ranker", "ranker_class"]


def ranker_class(path: str) -> type[Ranker]:
    """The ranker class named ``bm25`` or ``embeddings``, or by ``package.module.Class``."""
    path = NAMES.get(path.strip().lower(), path)
    if "." not in path:
        raise ValueError(f"unknown ranker {path!r}: give {' or '.join(NAMES)}, or 'package.module.Class'")
    module, _, name = path.rpartition(".")
    try:
        cls = getattr(import_module(module), name)
    except (ImportError, AttributeError, ValueError) as exc:
        raise ValueError(f"ranker {path!r} cannot be imported ({exc}); give {' or '.join(NAMES)}, or "
                         f"'package.module.Class', e.g. {DEFAULT}") from None
    if not (isinstance(cls, type) and issubclass(cls, Ranker)):
        raise ValueError(f"ranker {path!r} is not a keywords.chatbot.rankers.Ranker")
    return cls

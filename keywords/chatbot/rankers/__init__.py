"""Rankers: score every passage of a knowledge base against a question.

``base.Ranker`` is the interface; ``bm25.BM25Ranker`` (the default, lexical, always
available) is one implementation. Another (sentence embeddings from a locally installed
model) plugs in by its import path: ``Library    keywords.chatbot    ranker=package.module.Class``.
"""

from __future__ import annotations

from importlib import import_module

from .base import Ranker

DEFAULT = "keywords.chatbot.rankers.bm25.BM25Ranker"

__all__ = ["DEFAULT", "Ranker", "ranker_class"]


def ranker_class(path: str) -> type[Ranker]:
    """The ranker class named by ``package.module.Class``."""
    module, _, name = path.rpartition(".")
    try:
        cls = getattr(import_module(module), name)
    except (ImportError, AttributeError, ValueError) as exc:
        raise ValueError(f"ranker {path!r} cannot be imported ({exc}); give 'package.module.Class', "
                         f"e.g. {DEFAULT}") from None
    if not (isinstance(cls, type) and issubclass(cls, Ranker)):
        raise ValueError(f"ranker {path!r} is not a keywords.chatbot.rankers.Ranker")
    return cls

"""What goes wrong when a knowledge base is read.

``KnowledgeBaseError`` is an application-side error in the content, not in a question: a
page cannot be read (malformed front matter, a missing ``title``, ``url`` or ``updated``,
text that is not UTF-8) or the folder holds no pages. Its message names the file and says
what to fix. A question is never an error: one the pages do not answer is declined.
"""

from __future__ import annotations


class KnowledgeBaseError(Exception):
    """A knowledge-base folder or one of its pages cannot be read; the message names the file."""

    ROBOT_SUPPRESS_NAME = True

    def __init__(self, message: str, file: str | None = None):
        super().__init__(message)
        self.file = file


class MissingExtraError(ImportError):
    """An optional part (the embeddings ranker) was asked for, but its extra is not installed."""

    ROBOT_SUPPRESS_NAME = True

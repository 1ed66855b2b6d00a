"""Where the queue keeps its data, from the environment (DESIGN.md contracts).

``NIGHTSHIFT_HOME``  data folder (default ``./var``)
``NIGHTSHIFT_DB``    SQLAlchemy URL (default ``sqlite:///$NIGHTSHIFT_HOME/nightshift.db``)
``NIGHTSHIFT_KEY``   encryption key(s); see ``workitems.crypto``
``NIGHTSHIFT_MAX_FILE_BYTES``  largest file an item may carry (default 50 MiB)
"""

from __future__ import annotations

import os
from pathlib import Path

from .errors import InvalidInput

DEFAULT_MAX_FILE_BYTES = 50 * 1024 * 1024


def home() -> Path:
    return Path(os.environ.get("NIGHTSHIFT_HOME") or "./var").resolve()


def db_url() -> str:
    url = os.environ.get("NIGHTSHIFT_DB", "").strip()
    if url:
        return url
    return f"sqlite:///{home() / 'nightshift.db'}"


def max_file_bytes() -> int:
    raw = os.environ.get("NIGHTSHIFT_MAX_FILE_BYTES", "").strip()
    if not raw:
        return DEFAULT_MAX_FILE_BYTES
    try:
        value = int(raw)
    except ValueError:
        raise InvalidInput(f"NIGHTSHIFT_MAX_FILE_BYTES must be a whole number of bytes, got {raw!r}") from None
    if value <= 0:
        raise InvalidInput("NIGHTSHIFT_MAX_FILE_BYTES must be positive")
    return value

"""Stores of the work-item queue, chosen by the scheme of the database URL.

>>> from workitems.store import open_store
>>> store = open_store("sqlite:///var/nightshift.db")      # doctest: +SKIP
"""

from __future__ import annotations

from importlib import import_module
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from .. import config
from ..errors import InvalidInput
from .base import NewItem, Store

__all__ = ["NewItem", "Store", "open_store", "STORES"]

# URL backend name -> "module:Class". Add a store by adding a line here.
STORES = {
    "sqlite": "workitems.store.sqlite:SQLiteStore",
    "postgresql": "workitems.store.postgresql:PostgresStore",
    "postgres": "workitems.store.postgresql:PostgresStore",
}


def open_store(url: str | None = None, *, home: Path | None = None) -> Store:
    """Open (creating or upgrading the schema if needed) the store at ``url``.

    ``url`` defaults to ``NIGHTSHIFT_DB``, then to SQLite under ``NIGHTSHIFT_HOME``.
    """
    url = url or config.db_url()
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise InvalidInput(
            f"database URL {url!r} is not a URL: use sqlite:///PATH or postgresql://USER@HOST:PORT/DB in NIGHTSHIFT_DB"
        ) from None
    backend = parsed.get_backend_name()
    target = STORES.get(backend)
    if target is None:
        raise InvalidInput(
            f"database URL scheme {backend!r} is not supported: use one of {', '.join(sorted(set(STORES)))}"
        )
    module, cls = target.split(":")
    return getattr(import_module(module), cls)(url, home=home)

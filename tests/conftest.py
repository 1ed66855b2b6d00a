"""Fixtures shared by the whole suite: a private NIGHTSHIFT_HOME, and a store of each kind.

PostgreSQL comes from NIGHTSHIFT_TEST_PG (default postgresql://postgres@127.0.0.1:5432/test).
Each test gets its own schema there, dropped afterwards. When the server cannot be
reached the PostgreSQL tests are skipped, except under CI=true, where they fail.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest

PG_URL = os.environ.get("NIGHTSHIFT_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def nightshift_home(tmp_path, monkeypatch) -> Path:
    """Every test runs with its own data folder and key, and no inherited queue settings."""
    from workitems.crypto import generate_key

    home = tmp_path / "home"
    monkeypatch.setenv("NIGHTSHIFT_HOME", str(home))
    monkeypatch.setenv("NIGHTSHIFT_KEY", generate_key())
    for name in ("NIGHTSHIFT_DB", "NIGHTSHIFT_FILES", "NIGHTSHIFT_MAX_FILE_BYTES", "NIGHTSHIFT_QUEUE",
                 "NIGHTSHIFT_OUTPUT_QUEUE", "RPA_WORKITEMS_ADAPTER"):
        monkeypatch.delenv(name, raising=False)
    return home


def _pg_reachable() -> str | None:
    import psycopg

    try:
        with psycopg.connect(PG_URL, connect_timeout=3):
            return None
    except Exception as exc:  # noqa: BLE001 - any failure means "not reachable"
        return str(exc).strip().splitlines()[0]


@pytest.fixture(scope="session")
def pg_available() -> None:
    reason = _pg_reachable()
    if reason is None:
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"PostgreSQL at {PG_URL} is required under CI=true but unreachable: {reason}")
    pytest.skip(f"PostgreSQL at {PG_URL} unreachable: {reason}")


@pytest.fixture
def pg_url(pg_available) -> str:
    """A URL whose search_path is a fresh schema, dropped after the test."""
    import psycopg

    schema = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    sep = "&" if "?" in PG_URL else "?"
    yield f"{PG_URL}{sep}options=-csearch_path%3D{schema}"
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request, nightshift_home) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{nightshift_home / 'nightshift.db'}"
    return request.getfixturevalue("pg_url")


@pytest.fixture
def store(db_url):
    from workitems.store import open_store

    s = open_store(db_url)
    yield s
    s.close()


# -- a real browser ------------------------------------------------------------
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run",
]


def chromium_path() -> str | None:
    """Debian's Chromium where present; None lets Playwright use its own download."""
    for candidate in (os.environ.get("NIGHTSHIFT_CHROMIUM"), "/usr/bin/chromium"):
        if candidate and Path(candidate).exists():
            return candidate
    return None


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the whole session (Playwright's sync API)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    """A fresh context (cookies, storage) and page per test."""
    context = browser.new_context()
    pg = context.new_page()
    pg.set_default_timeout(15_000)
    yield pg
    context.close()

"""The sandbox's users: one file of credentials for all systems, hashed into each system's database.

``NIGHTSHIFT_HOME/sandbox/users.json`` is created on first start with a random password
per user, mode 0600. Its passwords are never printed or logged; ``nightshift sandbox up``
prints only the file's path. ``NIGHTSHIFT_SANDBOX_PASSWORD`` gives every user the same
password instead (convenient for tests).
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
import os
import secrets
import sqlite3
from dataclasses import dataclass
from pathlib import Path

USERS_FILE = "users.json"
FILE_VERSION = 1
ITERATIONS = 100_000  # a sandbox: slow enough to be honest, fast enough for a bot logging in per item
ROLES = ("clerk", "admin")
DEFAULT_USERS: tuple[tuple[str, str], ...] = (("robot", "clerk"), ("supervisor", "clerk"), ("sandbox.admin", "admin"))


@dataclass(frozen=True)
class User:
    """Who is logged in. ``admin`` may do everything a ``clerk`` may, and change chaos."""

    username: str
    role: str

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


def users_file(home: Path) -> Path:
    return home / USERS_FILE


def ensure_users_file(home: Path) -> Path:
    """Create ``users.json`` (mode 0600) with a random password per user unless it exists; its path."""
    path = users_file(home)
    if path.exists():
        return path
    home.mkdir(parents=True, exist_ok=True)
    doc = {
        "version": FILE_VERSION,
        "note": "Sandbox credentials, shared by all stand-in systems. Synthetic; do not reuse.",
        "users": [
            {"username": name, "role": role, "password": secrets.token_urlsafe(12)} for name, role in DEFAULT_USERS
        ],
    }
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(doc, fh, indent=2)
        fh.write("\n")
    try:
        os.link(tmp, path)  # fails if another system created it meanwhile: keep theirs
    except FileExistsError:
        pass
    finally:
        tmp.unlink()
    return path


def read_users(home: Path) -> list[dict[str, str]]:
    """The users in ``users.json`` (``username``, ``role``, ``password``); ``ValueError`` if malformed."""
    path = ensure_users_file(home)
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        users = [{"username": u["username"], "role": u["role"], "password": u["password"]} for u in doc["users"]]
    except (ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"{path} is not a valid sandbox users file ({type(exc).__name__}); delete it to start afresh")
    for user in users:
        if user["role"] not in ROLES:
            raise ValueError(f"{path}: user {user['username']!r} has unknown role {user['role']!r} (use clerk or admin)")
    return users


def hash_password(password: str, salt: bytes | None = None) -> str:
    """``pbkdf2_sha256$ITERATIONS$SALT$HASH`` (hex)."""
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, ITERATIONS)
    return f"pbkdf2_sha256${ITERATIONS}${salt.hex()}${digest.hex()}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, iterations, salt, digest = stored.split("$")
    except ValueError:
        return False
    if scheme != "pbkdf2_sha256":
        return False
    candidate = hashlib.pbkdf2_hmac("sha256", password.encode(), bytes.fromhex(salt), int(iterations))
    return hmac.compare_digest(candidate.hex(), digest)


def sync_users(conn: sqlite3.Connection, home: Path, password_override: str | None) -> None:
    """Make the system's ``users`` table match ``users.json`` (hashes only), keeping unchanged hashes."""
    wanted = read_users(home)
    stored = {r["username"]: r for r in conn.execute("SELECT username, role, password_hash FROM users")}
    with conn:
        for user in wanted:
            password = password_override or user["password"]
            row = stored.get(user["username"])
            if row is not None and row["role"] == user["role"] and verify_password(password, row["password_hash"]):
                continue
            conn.execute(
                "INSERT INTO users (username, role, password_hash) VALUES (?, ?, ?) "
                "ON CONFLICT (username) DO UPDATE SET role = excluded.role, password_hash = excluded.password_hash",
                (user["username"], user["role"], hash_password(password)),
            )
        gone = set(stored) - {u["username"] for u in wanted}
        conn.executemany("DELETE FROM users WHERE username = ?", [(name,) for name in gone])
        conn.executemany("DELETE FROM sessions WHERE username = ?", [(name,) for name in gone])


@functools.lru_cache(maxsize=1)
def _decoy_hash() -> str:
    return hash_password(secrets.token_urlsafe(12))


def authenticate(conn: sqlite3.Connection, username: str, password: str) -> User | None:
    """The user if the password is right, else None (same work either way, so timing tells nothing)."""
    row = conn.execute("SELECT username, role, password_hash FROM users WHERE username = ?", (username,)).fetchone()
    stored = row["password_hash"] if row else _decoy_hash()
    ok = verify_password(password, stored)
    return User(row["username"], row["role"]) if ok and row else None

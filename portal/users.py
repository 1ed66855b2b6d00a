"""People who use the portal: names, roles, Argon2 password hashes, and sign-in throttling.

Roles, each able to do what the one before can:

    viewer      reads every page
    approver    also approves or rejects invoices put in their queue
    supervisor  also acts on work items: retry, resolve by hand, edit and retry
    admin       also manages users and reads the audit log
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, insert, select, update

from workitems import InvalidInput
from workitems.store import Store
from workitems.store.schema import login_failures as failures_t
from workitems.store.schema import users as users_t

ROLES = ("viewer", "approver", "supervisor", "admin")
MIN_PASSWORD = 10
THROTTLE_FAILURES = 5  # failed sign-ins for one name ...
THROTTLE_WINDOW_S = 900  # ... within this window lock the name until the window has passed

_hasher = PasswordHasher()
# Verifying against this keeps a sign-in for an unknown name as slow as for a known one.
_DUMMY = _hasher.hash("not a password anyone has")


def role_at_least(role: str, needed: str) -> bool:
    return ROLES.index(role) >= ROLES.index(needed)


@dataclass(frozen=True)
class User:
    name: str
    role: str
    created_at: float
    disabled: bool = False
    full_name: str = ""  # shown in the signatures this person makes (else ``name``)
    signs_as: tuple[str, ...] = field(default=())  # the approval matrix's roles ("Team manager")

    def can(self, needed: str) -> bool:
        return not self.disabled and role_at_least(self.role, needed)

    @property
    def display_name(self) -> str:
        return self.full_name or self.name


class SignInRefused(Exception):
    """A sign-in that did not succeed; the message is safe to show."""


class Users:
    def __init__(self, store: Store):
        self.store = store

    def add(self, name: str, role: str, password: str) -> User:
        name = check_name(name)
        role = check_role(role)
        check_password(password)
        now = time.time()
        with self.store.transaction(write=True) as conn:
            if conn.execute(select(users_t.c.name).where(users_t.c.name == name)).first():
                raise InvalidInput(f"a user named {name!r} exists already: "
                                   "'nightshift users set-password' or 'set-role' change it")
            conn.execute(insert(users_t).values(name=name, role=role, password_hash=_hasher.hash(password),
                                                created_at=now, disabled=0))
        return User(name, role, now)

    def set_password(self, name: str, password: str) -> None:
        check_password(password)
        self._change(name, password_hash=_hasher.hash(password))

    def set_role(self, name: str, role: str) -> None:
        self._change(name, role=check_role(role))

    def set_signing(self, name: str, *, full_name: str | None = None, signs_as: list[str] | None = None) -> None:
        """Who signs: the full name shown in signatures, and the approval roles held (replacing the old)."""
        values: dict = {}
        if full_name is not None:
            full_name = " ".join(full_name.split())
            if len(full_name) > 200:
                raise InvalidInput("a full name must be at most 200 characters")
            values["full_name"] = full_name or None
        if signs_as is not None:
            roles = [" ".join(r.split()) for r in signs_as if r and r.strip()]
            if any(len(r) > 100 for r in roles):
                raise InvalidInput("a signing role must be at most 100 characters, e.g. 'Team manager'")
            values["signs_as"] = json.dumps(roles) if roles else None
        if values:
            self._change(name, **values)

    def set_disabled(self, name: str, disabled: bool) -> None:
        self._change(name, disabled=1 if disabled else 0)

    def _change(self, name: str, **values) -> None:
        with self.store.transaction(write=True) as conn:
            if not conn.execute(update(users_t).where(users_t.c.name == name).values(**values)).rowcount:
                raise InvalidInput(f"no user named {name!r} (see 'nightshift users list')")

    def get(self, name: str) -> User | None:
        with self.store.transaction() as conn:
            row = conn.execute(select(users_t).where(users_t.c.name == name)).first()
        return _user(row) if row else None

    def list(self) -> list[User]:
        with self.store.transaction() as conn:
            return [_user(r) for r in conn.execute(select(users_t).order_by(users_t.c.name))]

    def sign_in(self, name: str, password: str) -> User:
        """The user, or SignInRefused saying why in words that do not tell which part was wrong."""
        now = time.time()
        with self.store.transaction() as conn:
            recent = conn.execute(select(func.count(), func.min(failures_t.c.at)).where(
                failures_t.c.name == name, failures_t.c.at > now - THROTTLE_WINDOW_S)).first()
            row = conn.execute(select(users_t).where(users_t.c.name == name)).first()
        if recent[0] >= THROTTLE_FAILURES:
            wait = int(recent[1] + THROTTLE_WINDOW_S - now) // 60 + 1
            raise SignInRefused(f"too many failed sign-ins for this name: try again in {wait} minute(s)")
        try:
            _hasher.verify(row.password_hash if row else _DUMMY, password)
            ok = row is not None and not row.disabled
        except (VerificationError, InvalidHashError):
            ok = False
        if not ok:
            with self.store.transaction(write=True) as conn:
                conn.execute(insert(failures_t).values(name=name[:200], at=now))
            raise SignInRefused("the name or the password is not right")
        with self.store.transaction(write=True) as conn:
            conn.execute(delete(failures_t).where(failures_t.c.name == name))
            if _hasher.check_needs_rehash(row.password_hash):
                conn.execute(update(users_t).where(users_t.c.name == name)
                             .values(password_hash=_hasher.hash(password)))
        return _user(row)


def _user(row) -> User:
    return User(name=row.name, role=row.role, created_at=row.created_at, disabled=bool(row.disabled),
                full_name=getattr(row, "full_name", None) or "",
                signs_as=tuple(json.loads(row.signs_as)) if getattr(row, "signs_as", None) else ())


def check_name(name: str) -> str:
    name = (name or "").strip()
    if not name or len(name) > 200 or any(ch.isspace() for ch in name):
        raise InvalidInput("a user name must be 1 to 200 characters without spaces, e.g. 'ann.smith'")
    return name


def check_role(role: str) -> str:
    role = (role or "").strip().lower()
    if role not in ROLES:
        raise InvalidInput(f"role {role!r} is not one of {', '.join(ROLES)}")
    return role


def check_password(password: str) -> None:
    if len(password or "") < MIN_PASSWORD:
        raise InvalidInput(f"the password must have at least {MIN_PASSWORD} characters")

"""Reading and writing the case system's records (used by the pages and by the seed)."""

from __future__ import annotations

import json
import secrets
import sqlite3
from datetime import datetime
from typing import Any


def now_iso() -> str:
    return datetime.now().isoformat(timespec="seconds")


def key(text: str) -> str:
    """How names and references are compared: casefolded, spaces squeezed."""
    return " ".join(text.split()).casefold()


# -- children ------------------------------------------------------------------
CHILD_FIELDS = ("forename", "surname", "dob", "gender", "nhs_number", "address_line1", "town", "postcode", "school")


def find_children(conn: sqlite3.Connection, surname: str, dob: str | None) -> list[sqlite3.Row]:
    """Children with this surname (any case), and this ISO date of birth if given."""
    sql = "SELECT * FROM children WHERE surname_key = ?"
    args: list[Any] = [key(surname)]
    if dob:
        sql += " AND dob = ?"
        args.append(dob)
    return conn.execute(sql + " ORDER BY surname, forename, dob", args).fetchall()


def child(conn: sqlite3.Connection, child_id: int) -> sqlite3.Row | None:
    return conn.execute("SELECT * FROM children WHERE id = ?", (child_id,)).fetchone()


def child_by_nhs(conn: sqlite3.Connection, nhs_number: str) -> sqlite3.Row | None:
    return conn.execute("SELECT * FROM children WHERE nhs_number = ?", (nhs_number,)).fetchone()


def insert_child(conn: sqlite3.Connection, values: dict[str, str], username: str) -> int:
    """Add a child (``CHILD_FIELDS``); the caller checked the NHS number is new. Commits."""
    with conn:
        cur = conn.execute(
            "INSERT INTO children (forename, surname, surname_key, dob, gender, nhs_number, address_line1, town,"
            " postcode, school, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (values["forename"], values["surname"], key(values["surname"]), values["dob"], values["gender"],
             values["nhs_number"], values["address_line1"], values["town"], values["postcode"],
             values.get("school", ""), now_iso(), username),
        )
    return int(cur.lastrowid)


# -- referrals -----------------------------------------------------------------
def find_referrals(conn: sqlite3.Connection, reference: str) -> list[sqlite3.Row]:
    """Referrals whose external reference or case reference is ``reference`` (any case)."""
    return conn.execute(
        "SELECT r.*, c.forename, c.surname, c.dob FROM referrals r JOIN children c ON c.id = r.child_id "
        "WHERE r.external_ref_key = ? OR r.case_ref = ? ORDER BY r.id",
        (key(reference), reference.strip().upper()),
    ).fetchall()


def referral(conn: sqlite3.Connection, case_ref: str) -> sqlite3.Row | None:
    return conn.execute(
        "SELECT r.*, c.forename, c.surname, c.dob, c.nhs_number FROM referrals r "
        "JOIN children c ON c.id = r.child_id WHERE r.case_ref = ?",
        (case_ref,),
    ).fetchone()


def referrals_of(conn: sqlite3.Connection, child_id: int) -> list[sqlite3.Row]:
    return conn.execute("SELECT * FROM referrals WHERE child_id = ? ORDER BY id DESC", (child_id,)).fetchall()


def insert_referral(conn: sqlite3.Connection, answers: dict[str, Any], username: str) -> str:
    """Save a complete referral and return its case reference (``CR-YYYY-NNNNNN``). Commits."""
    created = datetime.now()
    with conn:
        cur = conn.execute(
            "INSERT INTO referrals (external_ref, external_ref_key, child_id, referrer_name, referrer_role,"
            " referrer_org, referrer_phone, referrer_email, category, risk_factors, details, consent, consent_date,"
            " created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (answers.get("external_ref", ""), key(answers.get("external_ref", "")), answers["child_id"],
             answers["referrer_name"], answers["referrer_role"], answers["referrer_org"], answers["referrer_phone"],
             answers["referrer_email"], answers["category"], json.dumps(answers.get("risk_factors", [])),
             answers["details"], answers["consent"], answers.get("consent_date") or None,
             created.isoformat(timespec="seconds"), username),
        )
        case_ref = f"CR-{created.year}-{cur.lastrowid:06d}"
        conn.execute("UPDATE referrals SET case_ref = ? WHERE id = ?", (case_ref, cur.lastrowid))
    return case_ref


# -- drafts (a referral being entered over several pages) ------------------------
def new_draft(conn: sqlite3.Connection, username: str, data: dict[str, Any] | None = None) -> str:
    draft_id = secrets.token_hex(8)
    with conn:
        conn.execute(
            "INSERT INTO referral_drafts (id, username, data, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
            (draft_id, username, json.dumps(data or {}), now_iso(), now_iso()),
        )
    return draft_id


def draft(conn: sqlite3.Connection, draft_id: str, username: str) -> sqlite3.Row | None:
    """A user's draft (other users' drafts are invisible)."""
    return conn.execute(
        "SELECT * FROM referral_drafts WHERE id = ? AND username = ?", (draft_id, username)
    ).fetchone()


def update_draft(conn: sqlite3.Connection, draft_id: str, changes: dict[str, Any]) -> dict[str, Any]:
    with conn:
        row = conn.execute("SELECT data FROM referral_drafts WHERE id = ?", (draft_id,)).fetchone()
        data = {**json.loads(row["data"]), **changes}
        conn.execute("UPDATE referral_drafts SET data = ?, updated_at = ? WHERE id = ?",
                     (json.dumps(data), now_iso(), draft_id))
    return data


def mark_draft_saved(conn: sqlite3.Connection, draft_id: str, case_ref: str) -> None:
    with conn:
        conn.execute("UPDATE referral_drafts SET saved_case_ref = ?, data = '{}', updated_at = ? WHERE id = ?",
                     (case_ref, now_iso(), draft_id))


# -- diary ---------------------------------------------------------------------
def diary_of(conn: sqlite3.Connection, child_id: int) -> list[sqlite3.Row]:
    return conn.execute("SELECT * FROM diary WHERE child_id = ? ORDER BY starts_at, id", (child_id,)).fetchall()


def booked_at(conn: sqlite3.Connection, child_id: int, starts_at: str) -> sqlite3.Row | None:
    return conn.execute(
        "SELECT * FROM diary WHERE child_id = ? AND starts_at = ? AND status = 'booked'", (child_id, starts_at)
    ).fetchone()


def insert_diary(conn: sqlite3.Connection, child_id: int, starts_at: str, clinician: str, kind: str,
                 username: str, status: str = "booked") -> int:
    with conn:
        cur = conn.execute(
            "INSERT INTO diary (child_id, starts_at, clinician, kind, status, created_at, created_by, cancelled_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (child_id, starts_at, clinician, kind, status, now_iso(), username,
             now_iso() if status == "cancelled" else None),
        )
    return int(cur.lastrowid)


def cancel_diary(conn: sqlite3.Connection, entry_id: int) -> sqlite3.Row | None:
    """Cancel an entry (already cancelled stays as it was); the entry, or None if unknown."""
    with conn:
        conn.execute("UPDATE diary SET status = 'cancelled', cancelled_at = ? WHERE id = ? AND status = 'booked'",
                     (now_iso(), entry_id))
    return conn.execute("SELECT * FROM diary WHERE id = ?", (entry_id,)).fetchone()


def diary_export_rows(conn: sqlite3.Connection) -> list[sqlite3.Row]:
    return conn.execute(
        "SELECT d.id, c.nhs_number, c.surname, c.forename, d.starts_at, d.clinician, d.kind, d.status "
        "FROM diary d JOIN children c ON c.id = d.child_id ORDER BY d.starts_at, d.id"
    ).fetchall()


def diary_kinds(conn: sqlite3.Connection, defaults: tuple[str, ...]) -> list[str]:
    """The appointment types to offer: the usual ones and any others already in the diary (from seeds)."""
    extra = [r[0] for r in conn.execute("SELECT DISTINCT kind FROM diary ORDER BY kind") if r[0] not in defaults]
    return [*defaults, *extra]

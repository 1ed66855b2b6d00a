"""Score a night of the referral bot against the generator's manifest (issue 4, "Done when").

``score_night(manifest, case_db=…, store=…)`` reads the two places a supervisor would look in
the morning, the case system's own database (``NIGHTSHIFT_HOME/sandbox/casesystem.db``) and the
``referrals`` work-item queue, and checks each referral of the manifest:

* a **valid** referral (``expect`` ``create`` or ``link-existing-child``) is in the case system
  exactly once, under its external reference, with the child, referrer, concern and consent
  values of the manifest's ``expected`` (a known child linked, not created again; a new one
  created), and its work item is DONE;
* a **defective** one (``business-failure``) is a BUSINESS failure whose code names its defect
  (``DEFECT_CODES``), and is not in the case system. A file nobody can read (``corrupt_pdf``,
  ``wrong_encoding``) holds one referral; its item's reference is ``FILE-`` and the first 16
  hex digits of the file's SHA-256, as the producer names it (``keywords.referrals``);
* a **duplicate** (the same reference sent again) made no second item and no second referral;
* **items in = done + failed**: none of the night's items is still pending or reserved;
* nothing else: no item made by the same producer run(s) as the night's items, and no referral
  saved in between this night's referrals, that the manifest does not know. (This reads the
  history of every other item of the queue: a second or so per ten thousand.)

Each failed check is a ``Discrepancy`` naming the reference, the check, what was expected and
what was found. Discrepancies name fields, never their values: the values are (synthetic)
children's personal data, and the output of a score ends up in CI logs.

The sandbox may read its own database; the work-item store is passed in (anything with the
``list`` and ``history`` methods of ``workitems.store.Store``), so this module imports nothing
from the product.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol

from sandbox.casesystem.records import key
from sandbox.generate.manifest import Manifest, ReferralEntry, load_manifest

QUEUE = "referrals"
SEED_USER = "seed"  # who created the children the case system knew before the night
UNREADABLE = ("corrupt_pdf", "wrong_encoding")

#: The failure codes that name each defect (keywords/referrals, "Error codes").
DEFECT_CODES: dict[str, tuple[str, ...]] = {
    "missing_dob": ("MISSING_DATE_OF_BIRTH",),
    "future_dob": ("FUTURE_DATE_OF_BIRTH",),
    "invalid_nhs_number": ("INVALID_NHS_NUMBER",),
    "invalid_postcode": ("INVALID_POSTCODE",),
    "no_consent": ("NO_CONSENT", "CONSENT_NOT_RECORDED"),
    "corrupt_pdf": ("UNREADABLE_PDF",),
    "wrong_encoding": ("WRONG_ENCODING",),
}

#: Manifest field -> the case system's column (``c_`` is the child's record).
VALUE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("child_forename", "c_forename"), ("child_surname", "c_surname"), ("date_of_birth", "c_dob"),
    ("gender", "c_gender"), ("nhs_number", "c_nhs_number"), ("address_line1", "c_address_line1"),
    ("town", "c_town"), ("postcode", "c_postcode"), ("school", "c_school"),
    ("referrer_name", "referrer_name"), ("referrer_role", "referrer_role"),
    ("referrer_organisation", "referrer_org"), ("referrer_phone", "referrer_phone"),
    ("referrer_email", "referrer_email"), ("concern_category", "category"), ("concern_details", "details"),
    ("consent", "consent"), ("referral_date", "consent_date"),  # consent is dated the day of the referral
)

_REFERRALS_SQL = """
SELECT r.id, r.case_ref, r.external_ref, r.referrer_name, r.referrer_role, r.referrer_org, r.referrer_phone,
       r.referrer_email, r.category, r.details, r.consent, r.consent_date,
       c.forename AS c_forename, c.surname AS c_surname, c.dob AS c_dob, c.gender AS c_gender,
       c.nhs_number AS c_nhs_number, c.address_line1 AS c_address_line1, c.town AS c_town,
       c.postcode AS c_postcode, c.school AS c_school, c.created_by AS c_created_by
  FROM referrals r JOIN children c ON c.id = r.child_id ORDER BY r.id
"""


class ItemStore(Protocol):
    """What the score needs of ``workitems.store.Store``."""

    def list(self, queue: str | None = None, *, state: Any = None, limit: int = 100,
             offset: int = 0) -> list[Any]: ...

    def history(self, item_id: int) -> list[Any]: ...


@dataclass(frozen=True)
class Discrepancy:
    """One thing the night got wrong. ``expected`` and ``found`` never quote a personal value."""

    reference: str
    check: str
    expected: str
    found: str


@dataclass
class NightScore:
    """The counts behind the verdict, and every discrepancy (``passed`` when there is none)."""

    referrals: int = 0  # distinct references in the manifest
    to_key: int = 0
    keyed_once: int = 0
    keyed_right: int = 0
    defective: int = 0
    failed_naming_defect: int = 0
    duplicates: int = 0
    duplicates_single: int = 0
    items: int = 0
    done: int = 0
    failed: int = 0
    unfinished: int = 0
    unexpected: int = 0
    discrepancies: list[Discrepancy] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.discrepancies

    def add(self, reference: str, check: str, expected: str, found: str) -> None:
        self.discrepancies.append(Discrepancy(reference, check, expected, found))

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["passed"] = self.passed
        return data


@dataclass
class _Expected:
    """One work item the night should have made: for a referral to key, or one to fail."""

    item_ref: str
    entry: ReferralEntry
    label: str  # how discrepancies name it

    @property
    def to_key(self) -> bool:
        return self.entry.expect in ("create", "link-existing-child")


def score_night(manifest: Manifest | Path, *, case_db: Path, store: ItemStore, queue: str = QUEUE) -> NightScore:
    """Check the case system and the queue against ``manifest`` (a ``Manifest`` or its path).

    ``case_db`` is the case system's SQLite file; ``store`` the work-item store; ``queue`` the
    queue the producer fills. Raises ``ValueError`` for a file that is not a manifest and
    ``FileNotFoundError`` when ``case_db`` does not exist.
    """
    if not isinstance(manifest, Manifest):
        manifest = load_manifest(Path(manifest))
    expected, duplicates = _expected_items(manifest)
    rows = _case_rows(Path(case_db))
    by_key: dict[str, list[sqlite3.Row]] = {}
    for row in rows:
        by_key.setdefault(key(row["external_ref"]), []).append(row)
    items: dict[str, list[Any]] = {}
    for item in store.list(queue, limit=10_000_000):
        items.setdefault(item.reference or "", []).append(item)

    score = NightScore(referrals=len(manifest.referrals_by_reference()))
    matched: list[Any] = []
    for want in expected.values():
        mine = items.get(want.item_ref, [])
        matched.extend(mine)
        if want.to_key:
            _check_keyed(score, want, mine, by_key.get(key(want.entry.reference), []))
        else:
            _check_failed(score, want, mine, by_key.get(key(want.entry.reference), []))
    for reference, copies in duplicates.items():
        _check_duplicate(score, reference, copies, expected, items, by_key)
    _check_finished(score, expected, items)
    _check_unexpected(score, store, expected, items, matched, rows, by_key)
    return score


def _expected_items(manifest: Manifest) -> tuple[dict[str, _Expected], dict[str, int]]:
    """The items the night should make, by item reference; and the number of resent copies by reference."""
    sha = {f.file: f.sha256 for f in manifest.files}
    expected: dict[str, _Expected] = {}
    duplicates: dict[str, int] = {}
    for reference, entries in manifest.referrals_by_reference().items():
        originals = [e for e in entries if e.expect != "duplicate"] or entries[:1]
        copies = len(entries) - len(originals)
        if copies:
            duplicates[reference] = copies
        entry = originals[0]
        if entry.defect in UNREADABLE:
            item_ref = f"FILE-{sha[entry.file][:16]}"
            label = f"{item_ref} ({Path(entry.file).name})"
        else:
            item_ref, label = reference, reference
        expected[item_ref] = _Expected(item_ref, entry, label)
    return expected, duplicates


def _case_rows(case_db: Path) -> list[sqlite3.Row]:
    if not case_db.is_file():
        raise FileNotFoundError(f"no case system database at {case_db}: was the sandbox started and seeded?")
    conn = sqlite3.connect(f"{case_db.resolve().as_uri()}?mode=ro", uri=True, timeout=10)
    conn.row_factory = sqlite3.Row
    try:
        return conn.execute(_REFERRALS_SQL).fetchall()
    finally:
        conn.close()


def _describe(item: Any) -> str:
    """An item's state and, when failed, its exception type and code (no message: it may quote input)."""
    state = getattr(item.state, "value", item.state)
    exc = item.exception
    if exc is None:
        return str(state)
    return f"{state} ({getattr(exc.type, 'value', exc.type)} {exc.code or 'no code'})"


def _check_keyed(score: NightScore, want: _Expected, mine: list[Any], rows: list[sqlite3.Row]) -> None:
    score.to_key += 1
    ref = want.label
    if len(rows) == 1:
        score.keyed_once += 1
        wrong = _wrong_values(want.entry, rows[0])
        if wrong:
            score.add(ref, "right values", "the manifest's values", "different: " + ", ".join(wrong))
        else:
            score.keyed_right += 1
    elif not rows:
        score.add(ref, "keyed exactly once", "1 referral in the case system", "none")
    else:
        score.add(ref, "keyed exactly once", "1 referral in the case system", f"{len(rows)} referrals")
    if not mine:
        score.add(ref, "work item", "1 item, done", "no item")
    elif any(getattr(i.state, "value", i.state) != "done" for i in mine):
        score.add(ref, "work item", "done", ", ".join(_describe(i) for i in mine))


def _wrong_values(entry: ReferralEntry, row: sqlite3.Row) -> list[str]:
    """The names of the fields whose keyed value differs from the manifest's (never the values)."""
    want = entry.expected
    wrong = []
    for name, column in VALUE_COLUMNS:
        expected: Any = want.get(name)
        if name == "consent":
            expected = "Yes" if expected is True else "No"
        if _norm(expected) != _norm(row[column]):
            wrong.append(name)
    linked = row["c_created_by"] == SEED_USER
    if entry.known_child and not linked:
        wrong.append("child (a new record was created for a child the system knew)")
    elif not entry.known_child and linked:
        wrong.append("child (linked to a record that was there before)")
    return wrong


def _norm(value: Any) -> str:
    """How values are compared: text, line ends unified, surrounding spaces ignored."""
    return "" if value is None else str(value).replace("\r\n", "\n").strip()


def _check_failed(score: NightScore, want: _Expected, mine: list[Any], rows: list[sqlite3.Row]) -> None:
    score.defective += 1
    entry, ref = want.entry, want.label
    codes = DEFECT_CODES.get(entry.defect or "", ())
    wanted = f"failed BUSINESS {' or '.join(codes) or 'naming the defect'} ({entry.defect}" + \
        (f", field {entry.field})" if entry.field else ", the whole file)")
    if rows:
        score.add(ref, "not keyed", "not in the case system (defective)", f"{len(rows)} referral(s) keyed")
    if not mine:
        score.add(ref, "business failure", wanted, "no item")
        return
    item = mine[0]
    exc = item.exception
    state = getattr(item.state, "value", item.state)
    ok = (state == "failed" and exc is not None and getattr(exc.type, "value", exc.type) == "BUSINESS"
          and exc.code in codes)
    if ok and not rows:
        score.failed_naming_defect += 1
    elif not ok:
        score.add(ref, "business failure", wanted, _describe(item))


def _check_duplicate(score: NightScore, reference: str, copies: int, expected: dict[str, _Expected],
                     items: dict[str, list[Any]], by_key: dict[str, list[sqlite3.Row]]) -> None:
    score.duplicates += copies
    made = len(items.get(reference, []))
    keyed = len(by_key.get(key(reference), []))
    if made > 1:
        score.add(reference, "duplicate made no second item", "1 work item", f"{made} work items")
    if keyed > 1 and not (reference in expected and expected[reference].to_key):  # else counted as doubled
        score.add(reference, "duplicate made no second item", "at most 1 referral", f"{keyed} referrals")
    if made <= 1 and keyed <= 1:
        score.duplicates_single += copies


def _check_finished(score: NightScore, expected: dict[str, _Expected], items: dict[str, list[Any]]) -> None:
    states: Counter[str] = Counter()
    for want in expected.values():
        for item in items.get(want.item_ref, []):
            state = getattr(item.state, "value", item.state)
            states[state] += 1
            if state in ("pending", "reserved"):
                score.add(want.label, "items in = done + failed", "done or failed",
                          f"{_describe(item)} after {item.attempts} attempt(s)")
    score.items = sum(states.values())
    score.done, score.failed = states["done"], states["failed"]
    score.unfinished = states["pending"] + states["reserved"]


def _check_unexpected(score: NightScore, store: ItemStore, expected: dict[str, _Expected],
                      items: dict[str, list[Any]], matched: list[Any], rows: list[sqlite3.Row],
                      by_key: dict[str, list[sqlite3.Row]]) -> None:
    """Items the night's producer made, and referrals saved among the night's, that the manifest does not know."""
    if matched:
        creators = {_creator(store, i) for i in matched} - {None}
        for reference, mine in items.items():
            if reference in expected:
                continue
            for item in mine:
                if _creator(store, item) in creators:
                    score.unexpected += 1
                    score.add(reference or f"item {item.id}", "no unexpected item",
                              "not in the manifest", f"an item of the same producer run, {_describe(item)}")
    known = {key(w.entry.reference) for w in expected.values()}
    ids = [r["id"] for k in known for r in by_key.get(k, [])]
    if ids:
        low, high = min(ids), max(ids)
        for row in rows:
            if low <= row["id"] <= high and key(row["external_ref"]) not in known:
                score.unexpected += 1
                score.add(row["external_ref"] or row["case_ref"], "no unexpected referral",
                          "not in the manifest", f"keyed as {row['case_ref']} among this night's referrals")


def _creator(store: ItemStore, item: Any) -> str | None:
    """Who created an item (the producer step's run id, without host and process)."""
    for entry in store.history(item.id):
        if entry.event == "created":
            return str(entry.actor).split("@")[0]
    return None

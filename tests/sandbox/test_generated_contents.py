"""What is inside a generated set, read back as a bot would read it: PDF form fields with pypdf,
sheet cells with openpyxl, e-mail attachments with ``email``, JSON and CSV exports; each labelled
defect is really there, and everything else is valid."""

from __future__ import annotations

import csv
import email
import io
import json
import re
from datetime import date, datetime
from decimal import Decimal
from email import policy
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from sandbox.data import POSTCODE_RE, nhs_number_is_valid, normalise_postcode, postcode_is_valid
from sandbox.generate import generate, load_manifest

NIGHT = date(2026, 1, 14)
GENDER_STATES = {"/Female": "Female", "/Male": "Male", "/NotKnown": "Not known"}
SEX = {"female": "Female", "male": "Male", "unknown": "Not known", "F": "Female", "M": "Male", "U": "Not known"}


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("contents")
    generate(out, seed=21, referrals=48, defect_rate=0.25, invoices=15, bookings=60, reference_date=NIGHT)
    return out


@pytest.fixture(scope="module")
def manifest(folder):
    return load_manifest(folder / "manifest.json")


@pytest.fixture(scope="module")
def world(folder) -> dict[str, Any]:
    return json.loads((folder / "world.json").read_text(encoding="utf-8"))


# -- readers, written apart from the generator -----------------------------------------------------
def iso(dmy: str | None) -> str | None:
    return datetime.strptime(dmy, "%d/%m/%Y").date().isoformat() if dmy else None


def from_pdf(data: bytes) -> dict[str, Any]:
    v = {name: field.get("/V") for name, field in PdfReader(io.BytesIO(data)).get_fields().items()}
    return {
        "reference": v["FormReference"], "referral_date": iso(v["ReferralDate"]), "child_forename": v["ChildForename"],
        "child_surname": v["ChildSurname"], "date_of_birth": iso(v["ChildDOB"]),
        "gender": GENDER_STATES[v["ChildGender"]], "nhs_number": v["NHSNumber"].replace(" ", ""),
        "address_line1": v["AddressLine1"], "town": v["Town"], "postcode": v["Postcode"], "school": v["School"],
        "referrer_name": v["ReferrerName"], "referrer_role": v["ReferrerRole"],
        "referrer_organisation": v["ReferrerOrganisation"], "referrer_phone": v["ReferrerPhone"],
        "referrer_email": v["ReferrerEmail"], "concern_category": v["ConcernCategory"],
        "concern_details": v["ConcernDetails"], "consent": v["Consent"] == "/Yes",
    }


def attachment(data: bytes) -> tuple[email.message.EmailMessage, bytes]:
    message = email.message_from_bytes(data, policy=policy.default)
    parts = [p for p in message.iter_attachments() if p.get_content_type() == "application/pdf"]
    assert len(parts) == 1
    return message, parts[0].get_content()


def from_xlsx(path: Path, row: int) -> dict[str, Any]:
    sheet = load_workbook(path)["Referrals"]
    header = [c.value for c in sheet[1]]
    cells = dict(zip(header, (c.value for c in sheet[row])))
    return {
        "reference": cells["Referral ref"], "referral_date": cells["Date received"].date().isoformat(),
        "child_forename": cells["Child forename"], "child_surname": cells["Child surname"],
        "date_of_birth": cells["Date of birth"].date().isoformat() if cells["Date of birth"] else None,
        "gender": cells["Gender"], "nhs_number": str(cells["NHS number"]), "address_line1": cells["Address line 1"],
        "town": cells["Town"], "postcode": cells["Postcode"], "school": cells["School"] or "",
        "referrer_name": cells["Referrer name"], "referrer_role": cells["Referrer role"],
        "referrer_organisation": cells["Referrer organisation"], "referrer_phone": cells["Referrer phone"],
        "referrer_email": cells["Referrer email"], "concern_category": cells["Concern category"],
        "concern_details": cells["Concern details"], "consent": cells["Consent to share (Y/N)"] == "Y",
    }


def from_json(path: Path, index: int) -> dict[str, Any]:
    export = json.loads(path.read_text(encoding="utf-8"))
    assert export["export"]["count"] == len(export["submissions"])
    s = export["submissions"][index]
    return {
        "reference": s["submission_id"], "referral_date": s["submitted_at"][:10],
        "child_forename": s["child"]["first_name"], "child_surname": s["child"]["last_name"],
        "date_of_birth": s["child"]["date_of_birth"], "gender": SEX[s["child"]["sex"]],
        "nhs_number": s["child"]["nhs_no"], "address_line1": s["home_address"]["line_1"],
        "town": s["home_address"]["town_or_city"], "postcode": s["home_address"]["post_code"],
        "school": s["school_name"] or "", "referrer_name": s["referrer"]["full_name"],
        "referrer_role": s["referrer"]["job_title"], "referrer_organisation": s["referrer"]["organisation"],
        "referrer_phone": s["referrer"]["telephone"], "referrer_email": s["referrer"]["email"],
        "concern_category": s["concern"]["type"], "concern_details": s["concern"]["description"],
        "consent": s["consent"]["given"],
    }


def from_csv(text: str, row: int) -> dict[str, Any]:
    r = list(csv.DictReader(io.StringIO(text, newline="")))[row - 2]
    return {
        "reference": r["Ref"], "referral_date": iso(r["Received"][:10]), "child_forename": r["Child First Name"],
        "child_surname": r["Child Last Name"], "date_of_birth": iso(r["DOB"]), "gender": SEX[r["Sex"]],
        "nhs_number": r["NHS No"], "address_line1": r["Address 1"], "town": r["Town"], "postcode": r["Postcode"],
        "school": r["School"], "referrer_name": r["Referrer"], "referrer_role": r["Referrer Role"],
        "referrer_organisation": r["Agency"], "referrer_phone": r["Tel"], "referrer_email": r["Email"],
        "concern_category": r["Category"], "concern_details": r["Concerns"], "consent": r["Consent"] == "Y",
    }


def read_back(folder: Path, entry) -> dict[str, Any]:
    path = folder / entry.file
    if entry.format == "pdf":
        values = from_pdf(path.read_bytes())
    elif entry.format == "eml":
        message, form = attachment(path.read_bytes())
        assert "Referral" in message["Subject"] and entry.reference in message["Subject"]
        assert message["From"].addresses[0].addr_spec == entry.expected["referrer_email"]
        values = from_pdf(form)
    elif entry.format == "xlsx":
        values = from_xlsx(path, entry.row)
    elif entry.format == "json":
        values = from_json(path, entry.index)
    else:
        raw = path.read_bytes()
        values = from_csv(raw.decode("cp1252" if entry.defect == "wrong_encoding" else "utf-8"), entry.row)
    values["postcode"] = normalise_postcode(values["postcode"]) if postcode_is_valid(values["postcode"]) \
        else values["postcode"]
    return values


# -- referrals -------------------------------------------------------------------------------------
def test_every_readable_referral_reads_back_as_its_expected_values(folder, manifest):
    checked = 0
    for entry in manifest.referrals:
        if entry.defect == "corrupt_pdf":
            continue
        assert read_back(folder, entry) == entry.expected, entry.file
        checked += 1
    assert checked == len(manifest.referrals) - manifest.counts["referrals"]["by_defect"]["corrupt_pdf"]


def test_each_field_defect_is_in_the_file(folder, manifest):
    seen = set()
    for entry in manifest.referrals:
        if entry.defect in (None, "corrupt_pdf", "wrong_encoding", "duplicate"):
            continue
        values = read_back(folder, entry)
        seen.add(entry.defect)
        assert entry.expect == "business-failure" and entry.problem
        if entry.defect == "missing_dob":
            assert values["date_of_birth"] is None and entry.field == "date_of_birth"
        elif entry.defect == "future_dob":
            assert date.fromisoformat(values["date_of_birth"]) > NIGHT and entry.field == "date_of_birth"
        elif entry.defect == "invalid_nhs_number":
            assert len(values["nhs_number"]) == 10 and not nhs_number_is_valid(values["nhs_number"])
            assert entry.field == "nhs_number" and values["nhs_number"] in entry.problem
        elif entry.defect == "invalid_postcode":
            assert not postcode_is_valid(values["postcode"]) and entry.field == "postcode"
        elif entry.defect == "no_consent":
            assert values["consent"] is False and entry.field == "consent"
    assert seen == {"missing_dob", "future_dob", "invalid_nhs_number", "invalid_postcode", "no_consent"}


def test_clean_referrals_are_valid(manifest):
    for entry in manifest.referrals:
        values = entry.expected
        if entry.defect not in ("invalid_nhs_number",):
            assert nhs_number_is_valid(values["nhs_number"]), entry.reference
        if entry.defect not in ("invalid_postcode",):
            assert POSTCODE_RE.match(values["postcode"]), entry.reference
        if entry.defect not in ("missing_dob", "future_dob"):
            age = (NIGHT - date.fromisoformat(values["date_of_birth"])).days / 365.25
            assert 0 <= age < 18
        if entry.defect != "no_consent":
            assert values["consent"] is True


def test_corrupt_pdfs_cannot_be_read_but_say_which_referral_they_were(folder, manifest):
    corrupt = [e for e in manifest.referrals if e.defect == "corrupt_pdf"]
    assert corrupt and all(e.expect == "business-failure" and e.field is None for e in corrupt)
    for entry in corrupt:
        data = (folder / entry.file).read_bytes()
        if entry.format == "eml":
            message, data = attachment(data)
            assert entry.reference in message["Subject"]
        else:
            assert Path(entry.file).stem == entry.reference
        assert data.startswith(b"%PDF-") and b"%%EOF" not in data
        with pytest.raises(Exception):
            reader = PdfReader(io.BytesIO(data))
            reader.get_fields()
            reader.pages[0].extract_text()


def test_wrong_encoding_fails_utf8_and_holds_a_non_ascii_name(folder, manifest):
    wrong = [e for e in manifest.referrals if e.defect == "wrong_encoding"]
    assert wrong
    for entry in wrong:
        raw = (folder / entry.file).read_bytes()
        with pytest.raises(UnicodeDecodeError):
            raw.decode("utf-8")
        assert not entry.expected["child_forename"].isascii()
        assert entry.expected["child_forename"] in raw.decode("cp1252")
        assert [e.reference for e in manifest.referrals if e.file == entry.file] == [entry.reference]


def test_a_duplicate_repeats_its_original_under_the_same_reference(folder, manifest):
    duplicates = [e for e in manifest.referrals if e.defect == "duplicate"]
    assert duplicates
    by_file = {}
    for e in manifest.referrals:
        by_file.setdefault(e.file, []).append(e)
    for copy in duplicates:
        assert copy.expect == "duplicate" and copy.duplicate_of and copy.duplicate_of != copy.file
        original = next(e for e in by_file[copy.duplicate_of] if e.reference == copy.reference)
        assert original.defect is None and original.expected == copy.expected
        assert read_back(folder, copy) == read_back(folder, original)
        assert sorted([original.file, copy.file])[0] == original.file  # name order meets the original first
        if copy.format in ("pdf", "eml") and original.format in ("pdf", "eml"):
            forms = [(folder / e.file).read_bytes() for e in (original, copy)]
            forms = [attachment(f)[1] if e.format == "eml" else f for f, e in zip(forms, (original, copy))]
            assert forms[0] == forms[1]
    assert len(manifest.referrals_by_reference()) == len(manifest.referrals) - len(duplicates)


def test_known_children_are_in_the_case_system_and_new_ones_are_not(manifest, world):
    children = {(c["surname"].casefold(), c["dob"]): c for c in world["case_system"]["children"]}
    expects = {e.expect for e in manifest.referrals}
    assert {"create", "link-existing-child"} <= expects
    for entry in manifest.referrals:
        v = entry.expected
        found = children.get((v["child_surname"].casefold(), v["date_of_birth"]))
        if entry.defect not in ("missing_dob", "future_dob"):  # those change the search key
            assert (found is not None) == entry.known_child, entry.reference
        if found and entry.defect is None:
            assert (found["forename"], found["nhs_number"]) == (v["child_forename"], v["nhs_number"])


# -- the systems' records --------------------------------------------------------------------------
def test_world_children_bookings_and_diary_are_valid(world):
    children = world["case_system"]["children"]
    assert len({c["nhs_number"] for c in children}) == len(children)
    assert all(nhs_number_is_valid(c["nhs_number"]) and POSTCODE_RE.match(c["postcode"]) for c in children)
    known = {c["nhs_number"] for c in children}
    for record in world["case_system"]["diary"] + world["booking_system"]["bookings"]:
        assert record["nhs_number"] in known
        start = datetime.fromisoformat(record["starts_at"])
        assert start.tzinfo is None and start.minute % 5 == 0 and start.weekday() != 6
    for booking in world["booking_system"]["bookings"]:  # the emotional health service sees 11 to 17 year olds
        assert 11 <= (NIGHT - date.fromisoformat(booking["dob"])).days // 365 <= 17
    refs = [b["booking_ref"] for b in world["booking_system"]["bookings"]]
    assert len(set(refs)) == len(refs)


def test_each_appointment_is_in_its_class(manifest, world):
    bookings = {b["booking_ref"]: b for b in world["booking_system"]["bookings"]}
    diary = {(d["nhs_number"], d["starts_at"]): d for d in world["case_system"]["diary"]}
    days = {}
    for entry in manifest.bookings:
        for record in filter(None, (entry.booking, entry.diary)):
            days.setdefault((entry.nhs_number, record["starts_at"][:10]), set()).add(id(entry))
        if entry.booking:
            assert bookings[entry.booking_ref] == entry.booking
        if entry.diary:
            assert diary[(entry.nhs_number, entry.diary["starts_at"])] == entry.diary
        b, d, apart = entry.booking, entry.diary, entry.minutes_apart
        if entry.klass == "matched":
            assert b and d and abs(apart) <= 10 and (b["status"] == "cancelled") == (d["status"] == "cancelled")
        elif entry.klass == "time-mismatch":
            assert b and d and abs(apart) >= 30 and b["starts_at"][:10] == d["starts_at"][:10]
            assert b["status"] != "cancelled" and d["status"] == "booked"
        elif entry.klass == "booked-not-recorded":
            assert b and not d and b["status"] == "booked" and datetime.fromisoformat(b["starts_at"]).date() > NIGHT
            assert entry.expect == "key-into-diary"
        elif entry.klass == "recorded-not-booked":
            assert d and not b and d["status"] == "booked"
        else:
            assert entry.klass == "cancelled-still-in-diary"
            assert b["status"] == "cancelled" and d["status"] == "booked" and apart == 0
    assert all(len(ids) == 1 for ids in days.values())  # one appointment per child per day: no ambiguity
    assert len(bookings) == sum(1 for e in manifest.bookings if e.booking)
    assert len(diary) == sum(1 for e in manifest.bookings if e.diary)


# -- invoices --------------------------------------------------------------------------------------
def money(text: str, label: str) -> Decimal:
    return Decimal(re.search(rf"{re.escape(label)} £([\d,]+\.\d\d)", text).group(1).replace(",", ""))


def test_invoices_read_back_and_each_defect_is_real(folder, manifest, world):
    orders = {o["po_number"]: o for o in world["finance_system"]["purchase_orders"]}
    suppliers = {s["supplier_id"]: s for s in world["finance_system"]["suppliers"]}
    originals = {}
    for entry in manifest.invoices:
        text = PdfReader(folder / entry.file).pages[0].extract_text()
        assert text.splitlines()[0] == entry.supplier_name == suppliers[entry.supplier_id]["name"]
        assert re.search(r"Invoice number: (\S+)", text).group(1) == entry.invoice_number
        assert re.search(r"Purchase order: (\S+)", text).group(1) == entry.po_number
        assert re.search(r"Invoice date: (\S+)", text).group(1) == f"{date.fromisoformat(entry.invoice_date):%d/%m/%Y}"
        net, vat, total = money(text, "Net:"), money(text, "VAT @ 20%:"), money(text, "Total due:")
        assert (f"{net:.2f}", f"{vat:.2f}", f"{total:.2f}") == (entry.net, entry.vat, entry.total)
        assert vat == (net * Decimal("0.2")).quantize(Decimal("0.01")) and total == net + vat
        order = orders.get(entry.po_number)
        key = (entry.supplier_id, entry.invoice_number)
        if entry.defect is None:
            assert entry.expect == "approve-route" and order["status"] == "open"
            assert order["supplier_id"] == entry.supplier_id and order["amount_net"] == entry.net
            assert order["cost_centre"] == entry.cost_centre
        elif entry.defect == "wrong_po":
            assert entry.expect == "business-failure"
            assert order is None or order["supplier_id"] != entry.supplier_id
        elif entry.defect == "wrong_amount":
            assert order["supplier_id"] == entry.supplier_id and order["amount_net"] != entry.net
            assert entry.mismatch["po_net"] == order["amount_net"]
        else:
            assert entry.defect == "duplicate_number" and entry.expect == "duplicate"
            assert originals[key] == entry.duplicate_of
        originals.setdefault(key, entry.file)
    assert {i.defect for i in manifest.invoices} == {None, "wrong_po", "wrong_amount", "duplicate_number"}

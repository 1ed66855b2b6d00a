"""Referrals as files in ``inbox/referrals/``, the way each channel delivers them.

=====================================  ========  ===============================================
file                                   format    what it holds
=====================================  ========  ===============================================
``PDF-2026-00017.pdf``                 pdf       one filled RS1 form (see ``pdf_form``)
``PDF-2026-00017_resent.pdf``          pdf       the same form sent again (a duplicate)
``referral-EML-2026-00031.eml``        eml       an e-mail with the filled form attached as
                                                 ``referral-form.pdf``; the subject carries the
                                                 reference (so does the form)
``referral-PDF-2026-00017.eml``        eml       a PDF form forwarded by e-mail (a duplicate)
``referrals-batch-01.xlsx``            xlsx      sheet "Referrals": a header row, one referral
                                                 a row (dates as dates, NHS number a number)
``online-form-export-01.json``         json      ``{"export": {...}, "submissions": [...]}``,
                                                 nested snake_case fields, ISO dates, UTC times
``partner-portal-export-01.csv``       csv       UTF-8, comma-separated, CRLF, a header row;
                                                 dates ``dd/mm/yyyy``, sex ``F``/``M``/``U``
=====================================  ========  ===============================================

Values are typed the way each channel delivers them, and a bot normalises them: a PDF form's
NHS number has spaces (``999 123 4567``) and its postcode is now and then typed in lower case
without the space; a sheet's NHS number is a number cell and its dates are date cells; JSON
has ISO dates and ``female``/``male``/``unknown``; CSV has ``dd/mm/yyyy`` and ``Y``/``N``.

The reference is in the content of every file (form field, column, ``submission_id``) and, for
files holding one referral, in the file name too: a bot that cannot read a corrupt file still
knows which referral it was. Duplicates in batch formats go in an extra, later batch file, so a
bot reading files in name order meets the original first.
"""

from __future__ import annotations

import csv
import io
import json
import random
from collections.abc import Callable
from datetime import date, datetime, time, timedelta, timezone
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime
from typing import Any
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill

from sandbox.data import format_nhs_number

from .files import OutputFolder, deterministic_xlsx
from .pdf_form import referral_form_pdf
from .referrals import Referral

LONDON = ZoneInfo("Europe/London")
FRONT_DOOR = "Children's Front Door <frontdoor@riverside.example>"
ATTACHMENT_NAME = "referral-form.pdf"
XLSX_HEADERS = (
    "Referral ref", "Date received", "Child forename", "Child surname", "Date of birth", "Gender", "NHS number",
    "Address line 1", "Town", "Postcode", "School", "Referrer name", "Referrer role", "Referrer organisation",
    "Referrer phone", "Referrer email", "Concern category", "Concern details", "Consent to share (Y/N)",
)
CSV_HEADERS = (
    "Ref", "Received", "Child First Name", "Child Last Name", "DOB", "Sex", "NHS No", "Address 1", "Town",
    "Postcode", "School", "Referrer", "Referrer Role", "Agency", "Tel", "Email", "Category", "Concerns", "Consent",
)
JSON_FORM = "Riverside request for support (online)"
_SEX = {"Female": ("female", "F"), "Male": ("male", "M"), "Not known": ("unknown", "U")}


def write_referrals(referrals: list[Referral], out: OutputFolder, rng: random.Random, reference_date: date,
                    tick: Callable[[], None] = lambda: None) -> None:
    """Write every referral into ``out`` and set its ``file``, ``row`` or ``index``."""
    received = {id(r): _received_at(rng, r) for r in referrals}
    forms: dict[str, bytes] = {}
    for referral in referrals:
        if referral.format in ("pdf", "eml") and referral.duplicate_of is None:
            form = referral_form_pdf(form_fields(rng, referral.values))
            if referral.defect == "corrupt_pdf":
                form = form[: int(len(form) * rng.uniform(0.35, 0.65))]
            forms[referral.reference] = form
            if referral.format == "pdf":
                referral.file = out.write(f"inbox/referrals/{referral.reference}.pdf", form, kind="referral",
                                          format="pdf", references=[referral.reference])
            else:
                referral.file = _write_email(out, rng, referral, form, received[id(referral)], resent=False)
            tick()
    for referral in referrals:
        original = referral.duplicate_of
        if original is None or original.format not in ("pdf", "eml"):
            continue
        form = forms[original.reference]
        if referral.format == "pdf":
            referral.file = out.write(f"inbox/referrals/{referral.reference}_resent.pdf", form, kind="referral",
                                      format="pdf", references=[referral.reference])
        else:
            later = received[id(original)] + timedelta(hours=rng.randint(1, 30))
            referral.file = _write_email(out, rng, referral, form, later, resent=original.format == "eml")
        tick()
    stamp = datetime.combine(reference_date, time(6, 0))
    _write_batches(referrals, "xlsx", out, rng, lambda name, batch: _xlsx(batch, received, stamp), tick)
    _write_batches(referrals, "json", out, rng, lambda name, batch: _json(batch, received, stamp), tick)
    _write_batches(referrals, "csv", out, rng, lambda name, batch: _csv(batch, received), tick)


def form_fields(rng: random.Random, values: dict[str, Any]) -> dict[str, Any]:
    """The RS1 form's field values for a referral's normalised ``values``, typed as people type them."""
    postcode = values["postcode"]
    if rng.random() < 0.15:  # typed in lower case without the space; normalising recovers it
        postcode = postcode.replace(" ", "").lower()
    return {
        "FormReference": values["reference"],
        "ReferralDate": _dmy(values["referral_date"]),
        "ChildForename": values["child_forename"],
        "ChildSurname": values["child_surname"],
        "ChildDOB": _dmy(values["date_of_birth"]),
        "ChildGender": values["gender"],
        "NHSNumber": format_nhs_number(values["nhs_number"]),
        "AddressLine1": values["address_line1"],
        "Town": values["town"],
        "Postcode": postcode,
        "School": values["school"],
        "ReferrerName": values["referrer_name"],
        "ReferrerRole": values["referrer_role"],
        "ReferrerOrganisation": values["referrer_organisation"],
        "ReferrerPhone": values["referrer_phone"],
        "ReferrerEmail": values["referrer_email"],
        "ConcernCategory": values["concern_category"],
        "ConcernDetails": values["concern_details"],
        "Consent": values["consent"],
    }


def _received_at(rng: random.Random, referral: Referral) -> datetime:
    """When the referral came in: its referral date, 08:00-21:59 London time."""
    day = date.fromisoformat(referral.values["referral_date"])
    return datetime.combine(day, time(rng.randint(8, 21), rng.randrange(60), rng.randrange(60)), LONDON)


def _write_email(out: OutputFolder, rng: random.Random, referral: Referral, form: bytes, sent: datetime,
                 *, resent: bool) -> str:
    v = referral.values
    sender_domain = v["referrer_email"].split("@", 1)[1]
    msg = EmailMessage()
    msg["From"] = f"{v['referrer_name']} <{v['referrer_email']}>"
    msg["To"] = FRONT_DOOR
    msg["Subject"] = rng.choice((
        "Referral {ref} - request for support", "OFFICIAL-SENSITIVE: Referral {ref}",
        "Referral: {ref}", "{ref} Referral form attached",
    )).format(ref=referral.reference)
    msg["Date"] = format_datetime(sent)
    msg["Message-ID"] = f"<{rng.getrandbits(64):016x}.{referral.reference.lower()}@{sender_domain}>"
    opening = "I am resending the referral below in case it did not reach you.\n\n" if resent else ""
    msg.set_content(
        "Dear Front Door team,\n\n"
        f"{opening}Please find attached a referral (reference {referral.reference}) for a child I am "
        "concerned about. The form has the details of the child, the concern and consent.\n\n"
        "Please contact me if you need anything further.\n\n"
        f"Kind regards,\n\n{v['referrer_name']}\n{v['referrer_role']}, {v['referrer_organisation']}\n"
        f"Tel: {v['referrer_phone']}\n\n"
        "This e-mail and any attachment are confidential and intended only for the addressee.\n"
    )
    msg.add_attachment(form, maintype="application", subtype="pdf", filename=ATTACHMENT_NAME)
    # The generator would otherwise pick a random boundary at every run.
    msg.set_boundary(f"===============nightshift{rng.getrandbits(48):012x}==")
    suffix = "_resent" if resent else ""
    return out.write(f"inbox/referrals/referral-{referral.reference}{suffix}.eml", msg.as_bytes(policy=SMTP),
                     kind="referral", format="eml", references=[referral.reference])


def _write_batches(referrals: list[Referral], fmt: str, out: OutputFolder, rng: random.Random,
                   render: Callable[[str, list[Referral]], bytes], tick: Callable[[], None]) -> None:
    """Group ``fmt`` referrals into batch files; a wrong-encoding CSV is a file of its own, and
    duplicates go in one last batch after all the others."""
    mine = [r for r in referrals if r.format == fmt and r.duplicate_of is None]
    batches: list[list[Referral]] = []
    ordinary = [r for r in mine if r.defect != "wrong_encoding"]
    while ordinary:
        size = rng.randint(3, 8) if fmt == "csv" else rng.randint(4, 12)
        batches.append(ordinary[:size])
        ordinary = ordinary[size:]
    for single in (r for r in mine if r.defect == "wrong_encoding"):
        batches.insert(rng.randint(0, len(batches)), [single])
    copies = [r for r in referrals if r.format == fmt and r.duplicate_of is not None]
    if copies:
        batches.append(copies)
    stem = {"xlsx": "referrals-batch", "json": "online-form-export", "csv": "partner-portal-export"}[fmt]
    for number, batch in enumerate(batches, start=1):
        name = f"inbox/referrals/{stem}-{number:02d}.{fmt}"
        for position, referral in enumerate(batch):
            referral.file = name
            if fmt == "json":
                referral.index = position
            else:
                referral.row = position + 2  # row 1 is the header
        out.write(name, render(name, batch), kind="referral", format=fmt, references=[r.reference for r in batch])
        tick()


def _xlsx(batch: list[Referral], received: dict[int, datetime], stamp: datetime) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Referrals"
    sheet.append(XLSX_HEADERS)
    for cell in sheet[1]:
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor="1D3557")
    for referral in batch:
        v = _source(referral)
        dob = date.fromisoformat(v["date_of_birth"]) if v["date_of_birth"] else None
        sheet.append([
            v["reference"], date.fromisoformat(v["referral_date"]), v["child_forename"], v["child_surname"], dob,
            v["gender"], int(v["nhs_number"]), v["address_line1"], v["town"], v["postcode"], v["school"],
            v["referrer_name"], v["referrer_role"], v["referrer_organisation"], v["referrer_phone"],
            v["referrer_email"], v["concern_category"], v["concern_details"], "Y" if v["consent"] else "N",
        ])
    for row in sheet.iter_rows(min_row=2):
        row[1].number_format = row[4].number_format = "DD/MM/YYYY"
        row[6].number_format = "0"
    for column, width in zip("ABCDEFGHIJKLMNOPQRS", (16, 13, 14, 14, 13, 10, 13, 28, 12, 10, 30, 22, 24, 34,
                                                     14, 34, 20, 60, 12)):
        sheet.column_dimensions[column].width = width
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    workbook.properties.creator = "Riverside referral tracker"
    workbook.properties.title = "Referrals"
    return deterministic_xlsx(workbook, stamp)


def _json(batch: list[Referral], received: dict[int, datetime], stamp: datetime) -> bytes:
    submissions = []
    for referral in batch:
        v = _source(referral)
        submitted = received[id(referral.duplicate_of or referral)].astimezone(timezone.utc)
        submissions.append({
            "submission_id": v["reference"],
            "submitted_at": submitted.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "status": "complete",
            "child": {"first_name": v["child_forename"], "last_name": v["child_surname"],
                      "date_of_birth": v["date_of_birth"], "sex": _SEX[v["gender"]][0], "nhs_no": v["nhs_number"]},
            "home_address": {"line_1": v["address_line1"], "town_or_city": v["town"], "post_code": v["postcode"]},
            "school_name": v["school"] or None,
            "referrer": {"full_name": v["referrer_name"], "job_title": v["referrer_role"],
                         "organisation": v["referrer_organisation"], "telephone": v["referrer_phone"],
                         "email": v["referrer_email"]},
            "concern": {"type": v["concern_category"], "description": v["concern_details"]},
            "consent": {"given": v["consent"], "given_by": "parent or carer" if v["consent"] else None},
        })
    export = {"form": JSON_FORM, "form_version": "3.1", "exported_at": stamp.strftime("%Y-%m-%dT%H:%M:%SZ"),
              "count": len(submissions), "encoding": "utf-8"}
    text = json.dumps({"export": export, "submissions": submissions}, indent=2, ensure_ascii=False)
    return (text + "\n").encode("utf-8")


def _csv(batch: list[Referral], received: dict[int, datetime]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_HEADERS)
    for referral in batch:
        v = _source(referral)
        came = received[id(referral.duplicate_of or referral)]
        writer.writerow([
            v["reference"], came.strftime("%d/%m/%Y %H:%M"), v["child_forename"], v["child_surname"],
            _dmy(v["date_of_birth"]), _SEX[v["gender"]][1], v["nhs_number"], v["address_line1"], v["town"],
            v["postcode"], v["school"], v["referrer_name"], v["referrer_role"], v["referrer_organisation"],
            v["referrer_phone"], v["referrer_email"], v["concern_category"], v["concern_details"],
            "Y" if v["consent"] else "N",
        ])
    encoding = "cp1252" if any(r.defect == "wrong_encoding" for r in batch) else "utf-8"
    return buffer.getvalue().encode(encoding)


def _source(referral: Referral) -> dict[str, Any]:
    """A duplicate repeats its original's content exactly."""
    return (referral.duplicate_of or referral).values


def _dmy(iso: str | None) -> str:
    return date.fromisoformat(iso).strftime("%d/%m/%Y") if iso else ""

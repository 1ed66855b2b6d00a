"""The fillable referral form (Riverside's "Request for Support", form RS1): a one-page A4 PDF with AcroForm fields.

``referral_form_pdf(values)`` draws the form with reportlab and fills its fields with
``values``; ``referral_form_pdf(None)`` gives the blank template. The fields, as a PDF reader
such as ``pypdf.PdfReader(...).get_fields()`` lists them (``/V`` is the value):

==========================  ========  ====================================================
field                       type      value when filled
==========================  ========  ====================================================
``FormReference``           text      the source reference, ``PDF-2026-00017``
``ReferralDate``            text      ``dd/mm/yyyy``
``ChildForename``           text
``ChildSurname``            text
``ChildDOB``                text      ``dd/mm/yyyy`` as typed; empty when not given
``ChildGender``             radio     ``/Female``, ``/Male`` or ``/NotKnown``
``NHSNumber``               text      ``999 123 4567`` (spaces as printed on NHS letters)
``AddressLine1``            text
``Town``                    text
``Postcode``                text
``School``                  text      may be empty (under-school-age children)
``ReferrerName``            text
``ReferrerRole``            combo     one of ``sandbox.data.REFERRER_ROLES``
``ReferrerOrganisation``    text
``ReferrerPhone``           text
``ReferrerEmail``           text
``ConcernCategory``         combo     one of ``sandbox.data.concerns.CONCERN_CATEGORIES``
``ConcernDetails``          text      multi-line
``Consent``                 checkbox  ``/Yes`` when consent is given, ``/Off`` when not
==========================  ========  ====================================================

Combo boxes start at "Please select" on the blank form. The PDF is made with
``invariant=1``, so the same values give the same bytes.
"""

from __future__ import annotations

import io
from typing import Any

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

from sandbox.data.concerns import CONCERN_CATEGORIES
from sandbox.data.people import REFERRER_ROLES
from sandbox.data.places import COUNCIL

PLEASE_SELECT = "Please select"
GENDER_STATES = {"Female": "Female", "Male": "Male", "Not known": "NotKnown"}
FORM_TITLE = "Request for Support - Referral to Children's Services"
FORM_VERSION = "Form RS1 v4.2"

# (field name, label, kind) in page order; kind is text, multiline, combo:<options>, radio, checkbox
_SECTIONS: tuple[tuple[str, tuple[tuple[str, str, str], ...]], ...] = (
    ("1. About the child", (
        ("ChildForename", "Forename", "text"),
        ("ChildSurname", "Surname", "text"),
        ("ChildDOB", "Date of birth (dd/mm/yyyy)", "text"),
        ("ChildGender", "Gender", "radio"),
        ("NHSNumber", "NHS number", "text"),
        ("AddressLine1", "Address (first line)", "text"),
        ("Town", "Town", "text"),
        ("Postcode", "Postcode", "text"),
        ("School", "School or setting", "text"),
    )),
    ("2. About you (the person referring)", (
        ("ReferrerName", "Your name", "text"),
        ("ReferrerRole", "Your role", "combo:roles"),
        ("ReferrerOrganisation", "Organisation", "text"),
        ("ReferrerPhone", "Telephone", "text"),
        ("ReferrerEmail", "E-mail", "text"),
    )),
    ("3. Your concerns", (
        ("ConcernCategory", "Main concern", "combo:categories"),
        ("ConcernDetails", "What has happened, and what help is needed", "multiline"),
    )),
    ("4. Consent", (
        ("Consent", "The parent or carer (or the young person, if they are old enough) agrees to this "
                    "referral and to information being shared with Children's Services.", "checkbox"),
    )),
)
FIELD_NAMES: tuple[str, ...] = ("FormReference", "ReferralDate") + tuple(
    name for _, rows in _SECTIONS for name, _, _ in rows
)
_OPTIONS = {"roles": REFERRER_ROLES, "categories": CONCERN_CATEGORIES}
_NAVY = colors.HexColor("#1d3557")
_FIELD_STYLE: dict[str, Any] = dict(
    borderWidth=0.6, borderColor=colors.HexColor("#4a4a4a"), fillColor=colors.HexColor("#eef3fb"),
    textColor=colors.black, forceBorder=True, fontName="Helvetica", fontSize=10,
)


def referral_form_pdf(values: dict[str, Any] | None) -> bytes:
    """The form's bytes, filled from ``values`` (keys are the field names above; text values
    are strings, ``ChildGender`` one of ``GENDER_STATES``' keys, ``Consent`` a bool), or blank
    when ``values`` is None."""
    values = values or {}
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, invariant=1, pageCompression=1)
    canvas.setTitle(FORM_TITLE)
    canvas.setAuthor(COUNCIL)
    canvas.setSubject("Children's Services referral form")
    width, height = A4
    _header(canvas, width, height, values)
    y = height - 130
    for heading, rows in _SECTIONS:
        y = _section_heading(canvas, heading, y, width)
        for name, label, kind in rows:
            y = _row(canvas, name, label, kind, values, y)
        y -= 6
    _footer(canvas, width, values)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _header(canvas: Canvas, width: float, height: float, values: dict[str, Any]) -> None:
    canvas.setFillColor(_NAVY)
    canvas.rect(0, height - 70, width, 70, stroke=0, fill=1)
    canvas.setFillColor(colors.white)
    canvas.setFont("Helvetica-Bold", 15)
    canvas.drawString(40, height - 32, COUNCIL)
    canvas.setFont("Helvetica", 11)
    canvas.drawString(40, height - 52, "Children's Front Door  |  01632 960100  |  frontdoor@riverside.example")
    canvas.setFillColor(colors.black)
    canvas.setFont("Helvetica-Bold", 13)
    canvas.drawString(40, height - 92, FORM_TITLE)
    canvas.setFont("Helvetica", 8)
    canvas.drawString(40, height - 104, "Please type or print clearly. Fields marked * must be completed.")
    canvas.drawRightString(width - 40, height - 86, "Reference")
    canvas.acroForm.textfield(name="FormReference", value=str(values.get("FormReference", "")), x=width - 165,
                              y=height - 110, width=125, height=18, tooltip="Form reference", **_FIELD_STYLE)


def _section_heading(canvas: Canvas, heading: str, y: float, width: float) -> float:
    canvas.setFillColor(colors.HexColor("#dfe7f3"))
    canvas.rect(36, y - 4, width - 72, 18, stroke=0, fill=1)
    canvas.setFillColor(_NAVY)
    canvas.setFont("Helvetica-Bold", 11)
    canvas.drawString(40, y + 1, heading)
    canvas.setFillColor(colors.black)
    return y - 26


def _row(canvas: Canvas, name: str, label: str, kind: str, values: dict[str, Any], y: float) -> float:
    form = canvas.acroForm
    value = values.get(name)
    canvas.setFont("Helvetica", 9)
    if kind == "checkbox":
        form.checkbox(name=name, checked=bool(value), x=40, y=y - 2, size=13, buttonStyle="check",
                      borderColor=_NAVY, fillColor=colors.white, tooltip="Consent given")
        text = canvas.beginText(62, y + 6)
        text.setFont("Helvetica", 9)
        for line in _wrap(label + " *", 95):
            text.textLine(line)
        canvas.drawText(text)
        return y - 34
    canvas.drawString(40, y + 4, label + ("" if name == "School" else " *"))
    if kind == "radio":
        x = 200
        for shown, state in GENDER_STATES.items():
            form.radio(name=name, value=state, selected=value == shown, x=x, y=y, size=12, buttonStyle="circle",
                       borderColor=_NAVY, fillColor=colors.white, tooltip=f"Gender: {shown}")
            canvas.drawString(x + 16, y + 3, shown)
            x += 80
        return y - 22
    if kind.startswith("combo:"):
        options = [PLEASE_SELECT, *_OPTIONS[kind.split(":", 1)[1]]]
        form.choice(name=name, value=value or PLEASE_SELECT, options=options, x=200, y=y, width=260, height=16,
                    fieldFlags="combo", tooltip=label, **_FIELD_STYLE)
        return y - 22
    if kind == "multiline":
        form.textfield(name=name, value=str(value or ""), x=40, y=y - 78, width=515, height=72,
                       fieldFlags="multiline", tooltip=label, **{**_FIELD_STYLE, "fontSize": 9})
        return y - 96
    form.textfield(name=name, value=str(value or ""), x=200, y=y, width=355, height=16, tooltip=label, **_FIELD_STYLE)
    return y - 22


def _footer(canvas: Canvas, width: float, values: dict[str, Any]) -> None:
    canvas.setFont("Helvetica", 9)
    canvas.drawString(40, 70, "Date of referral (dd/mm/yyyy) *")
    canvas.acroForm.textfield(name="ReferralDate", value=str(values.get("ReferralDate", "")), x=200, y=66,
                              width=100, height=16, tooltip="Date of referral", **_FIELD_STYLE)
    canvas.setFont("Helvetica-Bold", 8)
    canvas.drawString(40, 40, "OFFICIAL-SENSITIVE when completed")
    canvas.setFont("Helvetica", 7)
    canvas.drawRightString(width - 40, 40, f"{FORM_VERSION}  |  sandbox form: fictional council, synthetic data")


def _wrap(text: str, width: int) -> list[str]:
    lines: list[str] = []
    line = ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return lines + ([line] if line else [])

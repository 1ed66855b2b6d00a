"""Pages for finding and recording children: the search page, a new child, a child's record."""

from __future__ import annotations

from datetime import date
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from sandbox.web import db, forms, message_page, redirect, render

from . import records
from .schema import GENDERS

# The form's field names. Some are deliberately unhelpful (and have no id), as in the
# legacy systems bots face; their <label> still names them.
CHILD_FORM = {
    "forename": "forename", "surname": "surname", "dob": "dob", "gender": "gender", "nhs_number": "f_05",
    "address_line1": "address_line1", "town": "f_07", "postcode": "postcode", "school": "f_09",
}


async def search(request: Request) -> Response:
    """The start page: find a child (surname + date of birth) or a referral (external or case reference)."""
    values: dict[str, Any] = {"surname": "", "dob": "", "reference": "", "children": None, "referrals": None}
    errors: list[str] = []
    params = request.query_params
    conn = db(request)
    if "surname" in params:
        values["surname"], values["dob"] = params.get("surname", "").strip(), params.get("dob", "").strip()
        dob: date | None = None
        if not values["surname"]:
            errors.append("Enter the surname to search for")
        if values["dob"]:
            try:
                dob = forms.uk_date(values["dob"], "Date of birth")
            except ValueError as exc:
                errors.append(str(exc))
        if not errors:
            values["children"] = records.find_children(conn, values["surname"], dob.isoformat() if dob else None)
    if "reference" in params:
        values["reference"] = params.get("reference", "").strip()
        if not values["reference"]:
            errors.append("Enter a referral reference to search for")
        else:
            values["referrals"] = records.find_referrals(conn, values["reference"])
    return render(request, "search.html", {**values, "errors": errors})


def read_child_form(form: Any) -> tuple[dict[str, str], list[str]]:
    """The child form's values (normalised) and the problems found, in the form's order."""
    raw = {field: forms.text(form, name) for field, name in CHILD_FORM.items()}
    values, errors = dict(raw), []
    for field, label in (("forename", "Forename"), ("surname", "Surname")):
        if not raw[field]:
            errors.append(f"Enter the child's {label.lower()}")
    try:
        values["dob"] = forms.past_date(raw["dob"], "Date of birth").isoformat()
    except ValueError as exc:
        errors.append(str(exc) if raw["dob"] else "Enter the date of birth")
    if raw["gender"] not in GENDERS:
        errors.append("Select the gender")
    try:
        values["nhs_number"] = forms.nhs_number(raw["nhs_number"])
    except ValueError as exc:
        errors.append(str(exc) if raw["nhs_number"] else "Enter the NHS number")
    if not raw["address_line1"]:
        errors.append("Enter the first line of the address")
    if not raw["town"]:
        errors.append("Enter the town")
    try:
        values["postcode"] = forms.postcode(raw["postcode"])
    except ValueError as exc:
        errors.append(str(exc) if raw["postcode"] else "Enter the postcode")
    return values, errors


async def new_child(request: Request) -> Response:
    """Create a child record. With ``?draft=ID`` it returns to that referral afterwards."""
    draft_id = request.query_params.get("draft", "")
    conn = db(request)
    errors: list[str] = []
    raw = {"surname": request.query_params.get("surname", ""), "dob": request.query_params.get("dob", "")}
    if request.method == "POST":
        form = await request.form()
        raw = {field: forms.text(form, name) for field, name in CHILD_FORM.items()}
        values, errors = read_child_form(form)
        existing = records.child_by_nhs(conn, values["nhs_number"]) if not errors else None
        if existing is not None:
            errors.append(f"A child with NHS number {forms.format_nhs(values['nhs_number'])} already exists: "
                          f"{existing['surname'].upper()}, {existing['forename']} (child ID {existing['id']})")
        if not errors:
            child_id = records.insert_child(conn, values, request.state.user.username)
            if draft_id and records.draft(conn, draft_id, request.state.user.username):
                records.update_draft(conn, draft_id, {"child_id": child_id})
                return redirect(f"/referrals/new/{draft_id}/referrer", request, "Child record created.")
            return redirect(f"/children/{child_id}", request, "Child record created.")
    return render(request, "child_new.html", {
        "raw": raw, "errors": errors, "genders": GENDERS, "names": CHILD_FORM, "draft_id": draft_id,
    })


async def child_page(request: Request) -> Response:
    """A child's record and their referrals."""
    conn = db(request)
    row = records.child(conn, request.path_params["child_id"])
    if row is None:
        return message_page(request, "Child not found", "There is no child record with that ID.", 404, kind="error")
    return render(request, "child.html", {"child": row, "referrals": records.referrals_of(conn, row["id"]),
                                          "nhs": forms.format_nhs(row["nhs_number"])})

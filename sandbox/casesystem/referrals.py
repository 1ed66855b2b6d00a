"""Entering a referral over several pages (child, referrer, concerns, consent, check) and viewing it.

The answers so far live in a draft on the server (``/referrals/new/DRAFT/STEP``), so a
person or bot sent to the login page half way comes back to the same page with the
same answers. Saving turns the draft into a referral with a case reference.
"""

from __future__ import annotations

import json
import re
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from sandbox.web import db, forms, message_page, redirect, render

from . import records
from .schema import CONCERN_CATEGORIES, CONSENT_CHOICES, REFERRER_ROLES, RISK_FACTORS

STEPS = (("child", "Child"), ("referrer", "Referrer"), ("concerns", "Concerns"), ("consent", "Consent"),
         ("check", "Check and save"))
# What each step must have answered before the check page accepts the referral.
REQUIRED = {"child": "child_id", "referrer": "referrer_name", "concerns": "category", "consent": "consent"}
PHONE = re.compile(r"\+?[0-9 ()-]{10,20}")
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


async def start(request: Request) -> Response:
    """Start a new referral; ``?child=ID`` starts it for that child."""
    conn = db(request)
    data: dict[str, Any] = {}
    child_id = request.query_params.get("child", "")
    if child_id.isdigit() and records.child(conn, int(child_id)):
        data["child_id"] = int(child_id)
    draft_id = records.new_draft(conn, request.state.user.username, data)
    return redirect(f"/referrals/new/{draft_id}/{'referrer' if data else 'child'}")


async def step(request: Request) -> Response:
    """One page of the referral; GET shows it with the answers so far, POST checks and moves on."""
    conn = db(request)
    draft_id, name = request.path_params["draft_id"], request.path_params["step"]
    if name not in dict(STEPS):
        return message_page(request, "Page not found", "The page you asked for does not exist.", 404, kind="error")
    row = records.draft(conn, draft_id, request.state.user.username)
    if row is None:
        return message_page(request, "Referral not found",
                            "This referral does not exist or belongs to another user. Start a new referral.", 404,
                            kind="error", link=("/referrals/new", "Start a new referral"))
    if row["saved_case_ref"]:
        return redirect(f"/referrals/{row['saved_case_ref']}", request,
                        f"This referral has already been saved as {row['saved_case_ref']}.")
    data = json.loads(row["data"])
    return await HANDLERS[name](request, draft_id, data)


def _page(request: Request, draft_id: str, name: str, data: dict[str, Any], values: dict[str, Any]) -> Response:
    index = [s for s, _ in STEPS].index(name)
    return render(request, f"referral_{name}.html", {
        "draft_id": draft_id, "steps": STEPS, "current": name, "data": data,
        "back": f"/referrals/new/{draft_id}/{STEPS[index - 1][0]}" if index else None, **values,
    })


def _next(request: Request, draft_id: str, name: str) -> Response:
    following = STEPS[[s for s, _ in STEPS].index(name) + 1][0]
    return redirect(f"/referrals/new/{draft_id}/{following}")


async def _child(request: Request, draft_id: str, data: dict[str, Any]) -> Response:
    conn = db(request)
    errors: list[str] = []
    if request.method == "POST":
        form = await request.form()
        chosen = forms.text(form, "child_id")
        if chosen.isdigit() and records.child(conn, int(chosen)):
            records.update_draft(conn, draft_id, {"child_id": int(chosen)})
            return _next(request, draft_id, "child")
        errors.append("Select a child from the search results, or create a new child record")
    params = request.query_params
    surname, dob_raw, results = params.get("surname", "").strip(), params.get("dob", "").strip(), None
    if "surname" in params:
        try:
            if not surname:
                raise ValueError("Enter the surname to search for")
            dob = forms.uk_date(dob_raw, "Date of birth").isoformat() if dob_raw else None
            results = records.find_children(conn, surname, dob)
        except ValueError as exc:
            errors.append(str(exc))
    chosen_child = records.child(conn, data["child_id"]) if data.get("child_id") else None
    return _page(request, draft_id, "child", data, {
        "errors": errors, "surname": surname, "dob": dob_raw, "results": results, "chosen": chosen_child,
        "format_nhs": forms.format_nhs,
    })


async def _referrer(request: Request, draft_id: str, data: dict[str, Any]) -> Response:
    errors: list[str] = []
    values = {k: data.get(k, "") for k in ("external_ref", "referrer_name", "referrer_role", "referrer_org",
                                           "referrer_phone", "referrer_email")}
    if request.method == "POST":
        form = await request.form()
        values = {"external_ref": forms.text(form, "external_ref", 60), "referrer_name": forms.text(form, "referrer_name"),
                  "referrer_role": forms.text(form, "referrer_role"), "referrer_org": forms.text(form, "f_17"),
                  "referrer_phone": forms.text(form, "f_18", 40), "referrer_email": forms.text(form, "referrer_email")}
        if len(values["external_ref"]) > 40:
            errors.append("External reference must be 40 characters or fewer")
        if not values["referrer_name"]:
            errors.append("Enter the referrer's name")
        if values["referrer_role"] not in REFERRER_ROLES:
            errors.append("Select the referrer's role")
        if not values["referrer_org"]:
            errors.append("Enter the referrer's organisation")
        digits = re.sub(r"\D", "", values["referrer_phone"])
        if not values["referrer_phone"]:
            errors.append("Enter the referrer's telephone number")
        elif not PHONE.fullmatch(values["referrer_phone"]) or not 10 <= len(digits) <= 13:
            errors.append("Telephone number must be 10 to 13 digits (spaces allowed)")
        if not values["referrer_email"]:
            errors.append("Enter the referrer's email address")
        elif not EMAIL.fullmatch(values["referrer_email"]):
            errors.append("Email address is not valid")
        if not errors:
            records.update_draft(db(request), draft_id, values)
            return _next(request, draft_id, "referrer")
    return _page(request, draft_id, "referrer", data, {"errors": errors, "values": values, "roles": REFERRER_ROLES})


async def _concerns(request: Request, draft_id: str, data: dict[str, Any]) -> Response:
    errors: list[str] = []
    values = {"category": data.get("category", ""), "risk_factors": data.get("risk_factors", []),
              "details": data.get("details", "")}
    if request.method == "POST":
        form = await request.form()
        values = {"category": forms.text(form, "category"),
                  "risk_factors": [str(v) for v in form.getlist("f_21") if str(v) in RISK_FACTORS],
                  "details": forms.text(form, "f_23", 4000)}
        if values["category"] not in CONCERN_CATEGORIES:
            errors.append("Select the category of concern")
        if not values["details"]:
            errors.append("Enter the details of the concerns")
        if not errors:
            records.update_draft(db(request), draft_id, values)
            return _next(request, draft_id, "concerns")
    return _page(request, draft_id, "concerns", data, {
        "errors": errors, "values": values, "categories": CONCERN_CATEGORIES, "risk_factors": RISK_FACTORS,
    })


async def _consent(request: Request, draft_id: str, data: dict[str, Any]) -> Response:
    errors: list[str] = []
    values = {"consent": data.get("consent", ""), "consent_date": data.get("consent_date_raw", "")}
    if request.method == "POST":
        form = await request.form()
        values = {"consent": forms.text(form, "consent"), "consent_date": forms.text(form, "f_31")}
        consent_date = ""
        if values["consent"] not in CONSENT_CHOICES:
            errors.append("Select whether consent has been given")
        elif values["consent"] == "Yes":
            try:
                consent_date = forms.past_date(values["consent_date"], "Date consent given").isoformat()
            except ValueError as exc:
                errors.append(str(exc) if values["consent_date"] else "Enter the date consent was given")
        elif values["consent_date"]:
            errors.append("Leave the date consent given empty when consent has not been given")
        if not errors:
            records.update_draft(db(request), draft_id, {"consent": values["consent"], "consent_date": consent_date,
                                                         "consent_date_raw": values["consent_date"]})
            return _next(request, draft_id, "consent")
    return _page(request, draft_id, "consent", data, {"errors": errors, "values": values})


async def _check(request: Request, draft_id: str, data: dict[str, Any]) -> Response:
    for name, field in REQUIRED.items():
        if not data.get(field):
            return redirect(f"/referrals/new/{draft_id}/{name}", request, "Please complete this page first.")
    conn = db(request)
    if request.method == "POST":
        case_ref = records.insert_referral(conn, data, request.state.user.username)
        records.mark_draft_saved(conn, draft_id, case_ref)
        return redirect(f"/referrals/{case_ref}", request, f"Referral saved. Case reference {case_ref}")
    return _page(request, draft_id, "check", data, {
        "child": records.child(conn, data["child_id"]), "format_nhs": forms.format_nhs,
    })


HANDLERS = {"child": _child, "referrer": _referrer, "concerns": _concerns, "consent": _consent, "check": _check}


async def view(request: Request) -> Response:
    """A saved referral, with its case reference."""
    row = records.referral(db(request), request.path_params["case_ref"].strip().upper())
    if row is None:
        return message_page(request, "Referral not found", "There is no referral with that case reference.", 404,
                            kind="error")
    return render(request, "referral.html", {"r": row, "risk_factors": json.loads(row["risk_factors"]),
                                             "nhs": forms.format_nhs(row["nhs_number"])})

"""The bookings pages: the list with its filters, a booking's page with its actions, a new booking."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response

from sandbox.web import db, forms, message_page, redirect, render
from sandbox.web.forms import format_nhs

from . import records
from .schema import STATUSES

PAGE_SIZE = 50
# The action in the URL -> the status it sets and the words the messages use.
ACTIONS: dict[str, tuple[str, str]] = {
    "cancel": ("cancelled", "cancelled"),
    "attended": ("attended", "marked attended"),
    "did-not-attend": ("did not attend", "marked did not attend"),
}
NEW_FORM = {  # field -> form name; the NHS number's input has no id (found by its label)
    "child_forename": "child_forename", "child_surname": "child_surname", "dob": "dob", "nhs_number": "f_04",
    "date": "appt_date", "time": "appt_time", "clinician": "clinician",
}


def _filters(params: Any) -> tuple[records.Filters, dict[str, str], list[str]]:
    """The list's filters from the query string, the raw values to show again, and the problems."""
    raw = {name: params.get(name, "").strip() for name in ("date_from", "date_to", "clinician", "status", "q")}
    errors: list[str] = []
    days: dict[str, date | None] = {"date_from": None, "date_to": None}
    for name, label in (("date_from", "From date"), ("date_to", "To date")):
        if raw[name]:
            try:
                days[name] = forms.uk_date(raw[name], label)
            except ValueError as exc:
                errors.append(str(exc))
    if days["date_from"] and days["date_to"] and days["date_to"] < days["date_from"]:
        errors.append("To date must not be before From date")
    if raw["status"] and raw["status"] not in STATUSES:
        errors.append("Select a status from the list")
    if errors:
        return records.Filters(), raw, errors
    return records.Filters(days["date_from"], days["date_to"], raw["clinician"], raw["status"], raw["q"]), raw, errors


async def bookings(request: Request) -> Response:
    """The start page: bookings by appointment time, filtered by dates, clinician, status or a search."""
    conn = db(request)
    filters, raw, errors = _filters(request.query_params)
    try:
        number = min(max(1, int(request.query_params.get("page", "1"))), 100_000)
    except ValueError:
        number = 1
    rows, total = records.find(conn, filters, PAGE_SIZE, (number - 1) * PAGE_SIZE)
    pages = max(1, -(-total // PAGE_SIZE))
    query = {k: v for k, v in raw.items() if v}
    links = {label: f"/?{urlencode({**query, 'page': n})}" for label, n in
             (("First", 1), ("Previous", number - 1), ("Next", number + 1), ("Last", pages)) if 1 <= n <= pages}
    return render(request, "bookings.html", {
        "rows": rows, "total": total, "page": number, "pages": pages, "first": (number - 1) * PAGE_SIZE + 1,
        "links": links, "raw": raw, "errors": errors, "clinicians": records.clinicians(conn), "statuses": STATUSES,
    })


async def booking_page(request: Request) -> Response:
    """One booking, and the buttons that change its status."""
    row = records.by_ref(db(request), request.path_params["booking_ref"])
    if row is None:
        return _not_found(request)
    return render(request, "booking.html", _booking_values(row))


def _booking_values(row: Any, errors: list[str] | None = None) -> dict[str, Any]:
    starts = datetime.fromisoformat(row["starts_at"])
    return {"b": row, "nhs": format_nhs(row["nhs_number"]), "starts": starts, "status_label": STATUSES[row["status"]],
            "created": datetime.fromisoformat(row["created_at"]), "past": starts <= records.now_local(),
            "errors": errors or []}


def _not_found(request: Request) -> Response:
    ref = request.path_params.get("booking_ref", "")
    return message_page(request, "Booking not found", f"There is no booking with the reference {ref[:30]}.", 404,
                        kind="error")


async def change_status(request: Request) -> Response:
    """Cancel a booking, or mark it attended or did not attend (a POST from the booking page)."""
    conn = db(request)
    row = records.by_ref(conn, request.path_params["booking_ref"])
    action = request.path_params["action"]
    if row is None:
        return _not_found(request)
    if action not in ACTIONS:
        return message_page(request, "Not allowed", "That action is not available here.", 404, kind="error")
    status, done = ACTIONS[action]
    ref = row["booking_ref"]
    if row["status"] == status:  # a second click (or a bot's retry) changes nothing
        return redirect(f"/bookings/{ref}", request, f"Booking {ref} is already {done}.")
    problem = _refusal(row, status)
    if problem:
        return render(request, "booking.html", _booking_values(row, [f"Booking {ref} cannot be {done}: {problem}"]))
    records.set_status(conn, ref, status, request.state.user.username)
    return redirect(f"/bookings/{ref}", request, f"Booking {ref} {done}.")


def _refusal(row: Any, status: str) -> str | None:
    """Why ``row`` cannot move to ``status``, or None."""
    current = row["status"]
    if current == "cancelled":
        return "it was cancelled"
    if status == "cancelled":
        return None if current == "booked" else f"it is already recorded as {STATUSES[current].lower()}"
    starts = datetime.fromisoformat(row["starts_at"])
    if starts > records.now_local():
        return f"the appointment is not until {starts:%d/%m/%Y} at {starts:%H:%M}"
    return None


async def new_booking(request: Request) -> Response:
    """Book an appointment: the child (names, date of birth, NHS number), date, time and clinician."""
    conn = db(request)
    raw = {field: "" for field in NEW_FORM}
    errors: list[str] = []
    if request.method == "POST":
        form = await request.form()
        raw = {field: forms.text(form, name) for field, name in NEW_FORM.items()}
        values, errors = _read_new(raw)
        if not errors:
            clash = records.clash(conn, values["nhs_number"], values["starts_at"])
            if clash is not None:
                errors.append(f"{clash['child_forename']} {clash['child_surname']} already has a booking at "
                              f"{raw['time']} on {raw['date']} ({clash['booking_ref']})")
        if not errors:
            with conn:
                ref = records.insert(conn, values, request.state.user.username)
            return redirect(f"/bookings/{ref}", request, f"Booking {ref} saved.")
    return render(request, "booking_new.html", {"raw": raw, "names": NEW_FORM, "errors": errors,
                                                 "clinicians": records.clinicians(conn)})


def _read_new(raw: dict[str, str]) -> tuple[dict[str, str], list[str]]:
    values = {k: raw[k] for k in ("child_forename", "child_surname", "clinician")}
    errors: list[str] = []
    for field, label in (("child_forename", "the child's forename"), ("child_surname", "the child's surname")):
        if not raw[field]:
            errors.append(f"Enter {label}")
    try:
        values["dob"] = forms.past_date(raw["dob"], "Date of birth").isoformat()
    except ValueError as exc:
        errors.append(str(exc) if raw["dob"] else "Enter the date of birth")
    try:
        values["nhs_number"] = forms.nhs_number(raw["nhs_number"])
    except ValueError as exc:
        errors.append(str(exc) if raw["nhs_number"] else "Enter the NHS number")
    day = at = None
    try:
        day = forms.uk_date(raw["date"], "Appointment date")
    except ValueError as exc:
        errors.append(str(exc) if raw["date"] else "Enter the appointment date")
    try:
        at = forms.hh_mm(raw["time"], "Appointment time")
    except ValueError as exc:
        errors.append(str(exc) if raw["time"] else "Enter the appointment time")
    if day and at:
        values["starts_at"] = datetime.combine(day, at).strftime("%Y-%m-%dT%H:%M")
    if not raw["clinician"]:
        errors.append("Enter the clinician's name")
    return values, errors

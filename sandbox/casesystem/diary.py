"""A child's appointment diary (list, add, cancel) and the export of the whole diary as CSV."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime

from starlette.requests import Request
from starlette.responses import Response

from sandbox.web import db, forms, message_page, redirect, render

from . import records
from .schema import DIARY_KINDS

EXPORT_COLUMNS = ("Entry ID", "NHS number", "Surname", "Forename", "Date", "Time", "Clinician", "Type", "Status")


async def diary(request: Request) -> Response:
    """A child's appointments, and the form to add one (date dd/mm/yyyy, time hh:mm, clinician, type)."""
    conn = db(request)
    child = records.child(conn, request.path_params["child_id"])
    if child is None:
        return message_page(request, "Child not found", "There is no child record with that ID.", 404, kind="error")
    kinds = records.diary_kinds(conn, DIARY_KINDS)
    errors: list[str] = []
    values = {"date": "", "time": "", "clinician": "", "kind": ""}
    if request.method == "POST":
        form = await request.form()
        values = {"date": forms.text(form, "appt_date"), "time": forms.text(form, "f_41"),
                  "clinician": forms.text(form, "clinician"), "kind": forms.text(form, "kind")}
        day = at = None
        try:
            day = forms.uk_date(values["date"], "Appointment date")
        except ValueError as exc:
            errors.append(str(exc) if values["date"] else "Enter the appointment date")
        try:
            at = forms.hh_mm(values["time"], "Appointment time")
        except ValueError as exc:
            errors.append(str(exc) if values["time"] else "Enter the appointment time")
        if not values["clinician"]:
            errors.append("Enter the clinician's name")
        if values["kind"] not in kinds:
            errors.append("Select the appointment type")
        if day and at and not errors:
            starts_at = datetime.combine(day, at).strftime("%Y-%m-%dT%H:%M")
            if records.booked_at(conn, child["id"], starts_at):
                errors.append(f"{child['forename']} already has an appointment at {values['time']} on {values['date']}")
            else:
                records.insert_diary(conn, child["id"], starts_at, values["clinician"], values["kind"],
                                     request.state.user.username)
                return redirect(f"/children/{child['id']}/diary", request,
                                f"Appointment added for {values['date']} at {at:%H:%M}.")
    entries = records.diary_of(conn, child["id"])
    return render(request, "diary.html", {"child": child, "entries": entries, "kinds": kinds, "values": values,
                                          "errors": errors})


async def cancel(request: Request) -> Response:
    """Cancel one appointment (POST with the form token), then back to the child's diary."""
    entry = records.cancel_diary(db(request), request.path_params["entry_id"])
    if entry is None:
        return message_page(request, "Appointment not found", "There is no appointment with that ID.", 404,
                            kind="error")
    when = datetime.fromisoformat(entry["starts_at"])
    return redirect(f"/children/{entry['child_id']}/diary", request,
                    f"Appointment on {when:%d/%m/%Y} at {when:%H:%M} cancelled.")


async def export_page(request: Request) -> Response:
    """The diary export page: what the CSV holds and the link to download it."""
    count = db(request).execute("SELECT COUNT(*) FROM diary").fetchone()[0]
    return render(request, "diary_export.html", {"count": count, "columns": EXPORT_COLUMNS})


async def export_csv(request: Request) -> Response:
    """Every diary entry as CSV (dates dd/mm/yyyy, times hh:mm, Europe/London), for reconciliation."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(EXPORT_COLUMNS)
    for row in records.diary_export_rows(db(request)):
        when = datetime.fromisoformat(row["starts_at"])
        writer.writerow([row["id"], row["nhs_number"], row["surname"], row["forename"], f"{when:%d/%m/%Y}",
                         f"{when:%H:%M}", row["clinician"], row["kind"], row["status"]])
    name = f"diary-export-{date.today():%Y%m%d}.csv"
    return Response(out.getvalue().encode("utf-8"), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})

"""The export page: pick a date range and a format, download the bookings as a real export looks."""

from __future__ import annotations

from datetime import date, timedelta

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from sandbox.web import context, db, forms, render

from . import exports, records

FORMATS = {"csv": ("CSV (comma separated)", "text/csv; charset=utf-8"),
           "xlsx": ("Excel workbook (XLSX)", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")}
MAX_DAYS = 366


async def export(request: Request) -> Response:
    """GET: the form (From, To as dd/mm/yyyy; CSV or XLSX). POST: the file, as an attachment.

    The range is of appointment dates, both days included. A range with no bookings gives a
    file with the header row only, as the real system does.
    """
    today = records.now_local().date()
    raw = {"date_from": f"{today - timedelta(days=14):%d/%m/%Y}", "date_to": f"{today + timedelta(days=28):%d/%m/%Y}",
           "format": "csv"}
    errors: list[str] = []
    if request.method == "POST":
        form = await request.form()
        raw = {"date_from": forms.text(form, "date_from"), "date_to": forms.text(form, "date_to"),
               "format": forms.text(form, "format")}
        first, last, errors = _range(raw)
        if raw["format"] not in FORMATS:
            errors.append("Choose the file format: CSV or XLSX")
        if not errors and first and last:
            return await _download(request, first, last, raw["format"])
    return render(request, "export.html", {"raw": raw, "errors": errors, "formats": FORMATS,
                                           "columns": exports.COLUMNS, "max_days": MAX_DAYS})


def _range(raw: dict[str, str]) -> tuple[date | None, date | None, list[str]]:
    errors: list[str] = []
    days: list[date | None] = []
    for name, label in (("date_from", "From date"), ("date_to", "To date")):
        try:
            days.append(forms.uk_date(raw[name], label))
        except ValueError as exc:
            days.append(None)
            errors.append(str(exc) if raw[name] else f"Enter the {label.lower()}")
    first, last = days
    if first and last:
        if last < first:
            errors.append("To date must not be before From date")
        elif (last - first).days >= MAX_DAYS:
            errors.append(f"The date range is {(last - first).days + 1} days; export at most {MAX_DAYS} days at a time")
    return first, last, errors


async def _download(request: Request, first: date, last: date, fmt: str) -> Response:
    rows = records.in_range(db(request), first, last)
    seed = context(request).chaos.settings.seed
    write = exports.csv_bytes if fmt == "csv" else exports.xlsx_bytes
    # In a worker thread: a big workbook takes seconds, and the other systems share this event loop.
    data = await run_in_threadpool(write, rows, seed)
    name = f"bookings_{first:%Y%m%d}_{last:%Y%m%d}.{fmt}"
    return Response(data, media_type=FORMATS[fmt][1],
                    headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})

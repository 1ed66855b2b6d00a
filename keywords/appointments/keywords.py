"""Keywords for reconciling the exports and for keying a missing appointment into the diary."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

from robot.api import logger
from robot.api.deco import keyword

from .reading import read_bookings, read_diary
from .reconcile import DEFAULT_TOLERANCE, reconcile
from .workbook import write_workbook


class ReconcileKeywords:
    """Read both exports, reconcile them, write the workbook; say what needs doing."""

    @keyword
    def reconcile_appointment_exports(self, bookings: Path, diary: Path, workbook: Path,
                                      tolerance_minutes: int = DEFAULT_TOLERANCE, date_from: str = "",
                                      date_to: str = "", night: str = "", run_id: str = "") -> dict[str, Any]:
        """Reconcile the booking export ``bookings`` (CSV or XLSX) against the diary export ``diary``
        (CSV) and write the reconciliation workbook to ``workbook``.

        ``date_from`` and ``date_to`` (ISO ``2026-11-12``, both days included; default: the
        bookings' first and last day) are the dates the booking export covers: diary entries
        outside them are left out. ``night`` (ISO date, default today) starts each work item's
        reference, so running the same night again makes no second item; ``run_id`` ends the
        report's reference, so each run has its own report.

        Returns ``{"counts": {class: n}, "cleaning": [{…}, {…}], "ignored": {…}, "items": [payload, …],
        "report": payload, "workbook": path}``; ``items`` holds one payload per discrepancy
        (personal data: hand it to ``Set Work Item Payload``, which does not log it); ``report`` the
        report item's payload (counts only). Only the counts are logged.

        Raises ``BAD_EXPORT: FILE, row N, column "C": …`` (a BUSINESS error) for an export
        that is empty, lacks columns, is not UTF-8 or holds a value that cannot be read. Nothing
        is written then: the workbook is only written, complete, once both files have been read.

        | ${result}=    Reconcile Appointment Exports    ${bookings}    ${diary}    ${OUTPUT DIR}/reconciliation.xlsx
        """
        booking_frame, booking_cleaning = read_bookings(bookings)
        diary_frame, diary_cleaning = read_diary(diary)
        if date_from or date_to:
            window = (date.fromisoformat(date_from) if date_from else booking_frame["starts_at"].min().date(),
                      date.fromisoformat(date_to) if date_to else booking_frame["starts_at"].max().date())
        else:
            window = (booking_frame["starts_at"].min().date(), booking_frame["starts_at"].max().date())
        result = reconcile(booking_frame, diary_frame, int(tolerance_minutes), window)
        in_window = booking_frame[booking_frame["starts_at"].dt.date.between(*window)]
        path = write_workbook(result, [booking_cleaning, diary_cleaning], in_window, workbook)
        counts = result.counts
        logger.info("Reconciled: " + ", ".join(f"{k} {n}" for k, n in counts.items())
                    + f"; cleaning: {booking_cleaning.as_dict()} / {diary_cleaning.as_dict()}")
        night = night or date.today().isoformat()
        summary = {"counts": counts, "cleaning": [booking_cleaning.as_dict(), diary_cleaning.as_dict()],
                   "ignored": result.ignored, "date_from": window[0].isoformat(), "date_to": window[1].isoformat(),
                   "tolerance_minutes": int(tolerance_minutes), "night": night}
        report = {"reference": f"{night}:reconciliation" + (f":{run_id}" if run_id else ""), "kind": "report",
                  **summary, "workbook": path.name}
        return {**summary, "items": result.work_items(night), "report": report, "workbook": str(path)}


class DiaryKeywords:
    """Small helpers for the consumer that keys a booking into the case diary."""

    @keyword
    def format_appointment_for_diary(self, starts_at: str) -> list[str]:
        """The date (``dd/mm/yyyy``) and time (``hh:mm``) of the ISO date-time ``starts_at``.

        | ${day}    ${time}=    Format Appointment For Diary    ${booking}[starts_at]
        """
        when = datetime.fromisoformat(str(starts_at))
        return [f"{when:%d/%m/%Y}", f"{when:%H:%M}"]

    @keyword
    def diary_status_at(self, rows: list[dict[str, str]], day: str, time: str) -> str:
        """The status (``booked``, ``cancelled``) of the diary row on ``day`` at ``time``, as
        `Get Table Rows` reads the diary table, or ``""`` when the diary has none then. A booked
        entry wins over a cancelled one at the same time.

        | @{rows}=    Get Table Rows    id=diary
        | ${status}=    Diary Status At    ${rows}    ${day}    ${time}
        """
        found = {r.get("Status", "").strip().lower() for r in rows
                 if r.get("Date", "").strip() == day and r.get("Time", "").strip() == time}
        return "booked" if "booked" in found else ("cancelled" if found else "")

    @keyword
    def child_id_with_nhs_number(self, rows: list[dict[str, str]], nhs_number: str) -> str:
        """The ``Child ID`` of the search result row whose ``NHS number`` is ``nhs_number`` (spaces
        ignored), or ``""``. Neither is logged.

        | @{rows}=    Get Table Rows    id=child-results
        | ${child_id}=    Child Id With NHS Number    ${rows}    ${booking}[nhs_number]
        """
        wanted = "".join(str(nhs_number).split())
        return next((r.get("Child ID", "") for r in rows if "".join(r.get("NHS number", "").split()) == wanted), "")

    @keyword
    def appointment_type_for(self, rows: list[dict[str, str]]) -> str:
        """``Initial assessment`` for a child with nothing in the diary yet, else ``Follow-up``:
        the booking system does not say, and this is what the team would choose.

        | ${type}=    Appointment Type For    ${rows}
        """
        return "Follow-up" if rows else "Initial assessment"

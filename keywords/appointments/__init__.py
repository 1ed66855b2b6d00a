"""Reconcile the booking system's appointments against the case system's diary.

%TOC%

= Use =

| *** Settings ***
| Library    keywords.legacyweb
| Library    keywords.appointments
|
| *** Tasks ***
| Reconcile tonight
|     Open Legacy System    %{BOOKING_SYSTEM_URL}
|     Log In    ${booking}[username]    ${booking}[password]
|     Go To Page    /export
|     Fill By Label    From date    12/11/2026
|     Fill By Label    To date    24/12/2026
|     ${bookings}=    Download File By Clicking    Export    ${OUTPUT DIR}/exports
|     Open Legacy System    %{CASE_SYSTEM_URL}
|     Log In    ${case}[username]    ${case}[password]
|     Go To Page    /diary/export
|     ${diary}=    Download File By Clicking    Download diary (CSV)    ${OUTPUT DIR}/exports
|     ${result}=    Reconcile Appointment Exports    ${bookings}    ${diary}    ${OUTPUT DIR}/reconciliation.xlsx
|     ...    date_from=2026-11-12    date_to=2026-12-24

``robots/appointments/`` is the whole bot: ``producer.robot`` downloads both exports,
reconciles them and puts one work item per discrepancy on the queue; ``consumer.robot`` keys
the bookings missing from the diary and hands the others to a person.

= Reading the exports =

Exports have quirks, and each cleaning step is counted (the workbook's summary shows them): a
UTF-8 byte-order mark, trailing spaces in cells, dates in several styles
(``14/01/2026 09:30``, ``2026-01-14 09:30:00``, ``14 Jan 2026 9:30am``; in a workbook some are
date cells and some text) and rows written twice. What cannot be put right stops the
reconciliation with ``BAD_EXPORT: FILE, row N, column "C": what is wrong; what to do``: an
empty file, a header without rows, a missing column, text that is not UTF-8, a date no known
style reads, an NHS number without ten digits, an unknown status. Rows are counted as a
spreadsheet counts them: the header is row 1.

= Classes =

Bookings and diary entries are paired by NHS number on the same day, nearest times first; a
pair at most ``tolerance_minutes`` (15) apart is *matched*. The discrepancies:
*booked-not-recorded* (keyed into the diary by the robot), *recorded-not-booked*,
*time-mismatch* and *cancelled-still-in-diary* (BUSINESS failures for a person). See
``keywords/appointments/reconcile.py`` for the exact rules.

= The workbook =

A *Summary* sheet (counts per class, cleaning counts, bookings by weekday as a bar chart with
the weekend in red) and one sheet per class with the booking and the diary entry side by side:
frozen header, filters, real dates, fitted widths; text is never taken for a formula.

= Personal data =

The exports, the workbook and the work items hold children's data. Keywords log counts, file
names, references and row numbers, never a value; run robots with ``--maxassignlength 0``.
"""

from __future__ import annotations

from robotlibcore import DynamicCore

from .download import DownloadKeywords
from .errors import BadExport
from .keywords import DiaryKeywords, ReconcileKeywords
from .reading import Cleaning, read_bookings, read_diary
from .reconcile import CLASSES, DISCREPANCIES, Reconciliation, reconcile
from .workbook import write_workbook

__version__ = "0.1.0"
__all__ = ["CLASSES", "DISCREPANCIES", "Appointments", "BadExport", "Cleaning", "Reconciliation", "read_bookings",
           "read_diary", "reconcile", "write_workbook"]


class Appointments(DynamicCore):
    __doc__ = __doc__

    ROBOT_LIBRARY_SCOPE = "GLOBAL"
    ROBOT_LIBRARY_VERSION = __version__
    ROBOT_LIBRARY_DOC_FORMAT = "ROBOT"

    def __init__(self) -> None:
        super().__init__([DownloadKeywords(), ReconcileKeywords(), DiaryKeywords()])


# Robot Framework takes the class named like the module: ``Library    keywords.appointments``.
appointments = Appointments

"""What stops a reconciliation: an export that cannot be trusted.

``BadExport`` is a BUSINESS error (the input is wrong; trying again gives the same answer). It
names the file, the row (the header is row 1, as a spreadsheet counts) and the column, and says
what to do, without quoting any personal value. In Robot Framework it reads
``BAD_EXPORT: bookings_20261112_20261224.csv, row 7, column "Appointment Date/Time": …``, so
``EXCEPT    BAD_EXPORT:*    type=glob`` catches it.
"""

from __future__ import annotations


class BadExport(Exception):
    """An export that is empty, lacks columns, has the wrong encoding or a value that cannot be read."""

    ROBOT_SUPPRESS_NAME = True
    code = "BAD_EXPORT"

    def __init__(self, file: str, problem: str, *, row: int | None = None, column: str | None = None,
                 advice: str = "export the file again from the system, check it, and retry the trigger item"):
        self.file, self.row, self.column, self.problem = file, row, column, problem
        where = [file]
        if row is not None:
            where.append(f"row {row}")
        if column is not None:
            where.append(f'column "{column}"')
        self.message = f"{', '.join(where)}: {problem}; {advice}."
        super().__init__(f"{self.code}: {self.message}")

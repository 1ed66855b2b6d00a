"""The booking system's table and the statuses a booking can have."""

from __future__ import annotations

SCHEMA = """
CREATE TABLE IF NOT EXISTS bookings (
    id INTEGER PRIMARY KEY,
    booking_ref TEXT NOT NULL UNIQUE,          -- EHS-123456
    child_forename TEXT NOT NULL,
    child_surname TEXT NOT NULL,
    surname_key TEXT NOT NULL,                 -- casefolded, for search
    dob TEXT NOT NULL,                         -- ISO date
    nhs_number TEXT NOT NULL,                  -- 10 digits
    starts_at TEXT NOT NULL,                   -- YYYY-MM-DDTHH:MM, Europe/London
    clinician TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'booked',     -- see STATUSES
    created_at TEXT NOT NULL,                  -- YYYY-MM-DDTHH:MM:SS, Europe/London
    created_by TEXT NOT NULL,
    updated_at TEXT,
    updated_by TEXT
);
CREATE INDEX IF NOT EXISTS bookings_by_start ON bookings (starts_at);
CREATE INDEX IF NOT EXISTS bookings_by_nhs ON bookings (nhs_number, starts_at);
"""

# Stored value -> what the pages and the export show.
STATUSES: dict[str, str] = {
    "booked": "Booked",
    "cancelled": "Cancelled",
    "attended": "Attended",
    "did not attend": "Did not attend",
}
FIRST_REF = 500_000  # new bookings made through the pages continue from here (generated ones are lower)

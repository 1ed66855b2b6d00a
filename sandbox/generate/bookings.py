"""Appointments in two systems that should agree: the booking system and the case system's diary.

``make_appointments`` returns one ``Appointment`` per case the reconciliation bot meets, each
in one class (``CLASSES``), with the booking-system row and the diary entry it implies (either
may be absent):

=============================  ===========================================  =======================
class                          booking system / case diary                  a correct bot
=============================  ===========================================  =======================
``matched``                    both, same child, times within 10 minutes,    nothing to do
                               or both cancelled
``booked-not-recorded``        a future booking, no diary entry              keys it into the diary
``recorded-not-booked``        a diary entry, no booking                     business failure
``time-mismatch``              both, same day, 30 minutes to 3 hours apart   business failure
``cancelled-still-in-diary``   cancelled booking, diary entry still booked   business failure
=============================  ===========================================  =======================

No child has two appointments on one day, so a pairing is never ambiguous. Times are local
(Europe/London) without an offset, on the quarter hour, Monday to Friday 09:00-16:45 and a few
Saturday mornings. It is pure data (no files), fast enough for the 100,000-row benchmark.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sandbox.data import Child, Clinician

CLASSES = ("matched", "booked-not-recorded", "recorded-not-booked", "time-mismatch", "cancelled-still-in-diary")
DISCREPANCIES = CLASSES[1:]
EXPECT = {"matched": "none", "booked-not-recorded": "key-into-diary", "recorded-not-booked": "business-failure",
          "time-mismatch": "business-failure", "cancelled-still-in-diary": "business-failure"}
# A subset of the case system's diary kinds (the emotional health service's appointments).
DIARY_KINDS = ("Initial assessment", "Follow-up", "Therapy session", "Review")
TOLERANCE_MINUTES = 15


@dataclass
class Appointment:
    """One case for the reconciliation: a booking, a diary entry, or both, and its class."""

    klass: str
    nhs_number: str
    booking: dict[str, Any] | None
    diary: dict[str, Any] | None

    @property
    def minutes_apart(self) -> int | None:
        if not (self.booking and self.diary):
            return None
        delta = datetime.fromisoformat(self.diary["starts_at"]) - datetime.fromisoformat(self.booking["starts_at"])
        return int(delta.total_seconds() // 60)

    def manifest_entry(self) -> dict[str, Any]:
        return {"class": self.klass, "expect": EXPECT[self.klass], "nhs_number": self.nhs_number,
                "booking_ref": self.booking["booking_ref"] if self.booking else None,
                "booking": self.booking, "diary": self.diary, "minutes_apart": self.minutes_apart}


def make_appointments(rng: random.Random, children: list[Child], clinicians: list[Clinician], *, count: int,
                      discrepancy_rate: float, reference_date: date) -> list[Appointment]:
    """``count`` appointments for ``children`` between two weeks before and four weeks after
    ``reference_date``; ``round(count * discrepancy_rate)`` are discrepancies, the four kinds in turn."""
    if not children or not clinicians:
        raise ValueError("appointments need at least one child and one clinician")
    if len(children) * 20 < count:  # each child has about 30 free days in the window; keep well clear
        raise ValueError(f"{count} appointments need at least {-(-count // 20)} children, got {len(children)}")
    n_bad = round(count * discrepancy_rate)
    kinds = list(DISCREPANCIES)
    rng.shuffle(kinds)
    classes = ["matched"] * (count - n_bad) + [kinds[i % len(kinds)] for i in range(n_bad)]
    rng.shuffle(classes)
    usual = {c.nhs_number: rng.choice(clinicians).name for c in children}
    taken: set[tuple[str, date]] = set()
    night = datetime.combine(reference_date, time(20, 0))
    appointments = []
    for klass in classes:
        start = None
        while start is None:  # a child whose days are all taken makes way for another
            child = rng.choice(children)
            start = _free_slot(rng, child.nhs_number, taken, reference_date, future=klass == "booked-not-recorded")
        clinician = usual[child.nhs_number] if rng.random() < 0.85 else rng.choice(clinicians).name
        appointments.append(_appointment(rng, klass, child, start, clinician, night))
    booked = [a.booking for a in appointments if a.booking]
    booked.sort(key=lambda b: (b["created_at"], b["nhs_number"]))
    first = rng.randint(100_000, 400_000)
    for number, booking in enumerate(booked, start=first):
        booking["booking_ref"] = f"EHS-{number}"
    return appointments


def _free_slot(rng: random.Random, nhs_number: str, taken: set[tuple[str, date]], reference_date: date,
               *, future: bool) -> datetime | None:
    for _ in range(100):
        day = reference_date + timedelta(days=rng.randint(1 if future else -14, 28))
        if day.weekday() == 6 or (day.weekday() == 5 and rng.random() < 0.8):
            continue  # no Sundays; Saturdays only now and then
        if (nhs_number, day) in taken:
            continue
        taken.add((nhs_number, day))
        if day.weekday() == 5:
            return datetime.combine(day, time(10, 0)) + timedelta(minutes=15 * rng.randint(0, 11))
        return datetime.combine(day, time(9, 0)) + timedelta(minutes=15 * rng.randint(0, 31))
    return None


def _appointment(rng: random.Random, klass: str, child: Child, start: datetime, clinician: str,
                 night: datetime) -> Appointment:
    past = start < night
    status = rng.choices(("attended", "did not attend", "cancelled"), (80, 12, 8))[0] if past else \
        rng.choices(("booked", "cancelled"), (92, 8))[0]
    if klass == "booked-not-recorded":
        status = "booked"
    elif klass == "cancelled-still-in-diary":
        status = "cancelled"
    elif klass == "time-mismatch" and status == "cancelled":
        status = "attended" if past else "booked"
    booking = _booking(rng, child, start, clinician, status, night)
    kind = rng.choice(DIARY_KINDS)
    diary_start = start
    if klass == "matched" and status != "cancelled" and rng.random() < 0.12:
        diary_start = start + timedelta(minutes=rng.choice((-10, -5, 5, 10)))  # within the tolerance
    elif klass == "time-mismatch":
        diary_start = _shifted(rng, start)
    diary_status = "cancelled" if klass == "matched" and status == "cancelled" else "booked"
    diary = {"nhs_number": child.nhs_number, "starts_at": diary_start.isoformat(timespec="seconds"),
             "clinician": clinician, "kind": kind, "status": diary_status}
    if klass == "booked-not-recorded":
        diary = None
    elif klass == "recorded-not-booked":
        booking = None
    return Appointment(klass, child.nhs_number, booking, diary)


def _booking(rng: random.Random, child: Child, start: datetime, clinician: str, status: str,
             night: datetime) -> dict[str, Any]:
    created = start - timedelta(days=rng.randint(1, 40), minutes=rng.randint(0, 600))
    if created > night:
        created = night - timedelta(minutes=rng.randint(5, 600))
    created = created.replace(second=rng.randrange(60), microsecond=0)
    return {"booking_ref": "", "child_forename": child.forename, "child_surname": child.surname,
            "dob": child.dob.isoformat(), "nhs_number": child.nhs_number,
            "starts_at": start.isoformat(timespec="seconds"), "clinician": clinician, "status": status,
            "created_at": created.isoformat(timespec="seconds")}


def _shifted(rng: random.Random, start: datetime) -> datetime:
    """The same day, 30 minutes to 3 hours earlier or later, inside opening hours."""
    options = [start + timedelta(minutes=m) for m in range(-180, 181, 15) if abs(m) >= 30]
    options = [t for t in options if time(8, 0) <= t.time() <= time(17, 45)]
    return rng.choice(options)

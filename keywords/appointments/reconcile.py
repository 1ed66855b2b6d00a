"""Reconciling the booking export against the case diary: every appointment into one class.

``reconcile(bookings, diary, tolerance_minutes=15)`` takes the frames of ``reading`` and pairs
a booking with a diary entry of the same child (NHS number) on the same day, the nearest times
first, each record used once. Then:

=============================  ==================================================================
class                          when
=============================  ==================================================================
``matched``                    paired, at most ``tolerance`` apart (or both cancelled)
``booked-not-recorded``        a booking that is not cancelled, with no diary entry that day
``recorded-not-booked``        a booked diary entry with no booking that day
``time-mismatch``              paired, more than ``tolerance`` apart, the booking not cancelled
``cancelled-still-in-diary``   a cancelled booking paired with a diary entry still booked
=============================  ==================================================================

A cancelled diary entry stands only for a cancelled booking: a live booking whose only diary
entry that day is cancelled counts as not recorded (the consumer then finds the cancelled
entry and hands the case to a person rather than booking it again). A cancelled booking with no
diary entry, and a cancelled diary entry with no booking, need nothing: they are counted as
``ignored`` and left out of the classes. Everything is vectorised (pandas), so 100,000 rows
take about a second.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

CLASSES = ("matched", "booked-not-recorded", "recorded-not-booked", "time-mismatch", "cancelled-still-in-diary")
DISCREPANCIES = CLASSES[1:]
CODES = {k: k.upper().replace("-", "_") for k in CLASSES}
BOOKING_FIELDS = ("booking_ref", "forename", "surname", "dob", "nhs_number", "starts_at", "clinician", "status")
DIARY_FIELDS = ("entry_id", "nhs_number", "surname", "forename", "starts_at", "clinician", "kind", "status")
DEFAULT_TOLERANCE = 15


@dataclass
class Reconciliation:
    """The result: ``frame`` has one row per appointment, the booking's columns (``b_…``) beside the
    diary entry's (``d_…``), its ``class`` and ``minutes_apart`` (diary minus booking)."""

    frame: pd.DataFrame
    tolerance_minutes: int
    ignored: dict[str, int] = field(default_factory=dict)
    window: tuple[date, date] | None = None

    @property
    def counts(self) -> dict[str, int]:
        got = self.frame["class"].value_counts()
        return {k: int(got.get(k, 0)) for k in CLASSES}

    def of_class(self, klass: str) -> pd.DataFrame:
        return self.frame[self.frame["class"] == klass]

    def work_items(self, night: str) -> list[dict[str, Any]]:
        """One payload per discrepancy; its ``reference`` (``night:class:EHS-123456`` or
        ``night:class:DIARY-57``) holds no personal value and is the same when the night is run again."""
        out = []
        for r in self.frame[self.frame["class"] != "matched"].to_dict("records"):
            booking = _record(r, "b_", BOOKING_FIELDS)
            diary = _record(r, "d_", DIARY_FIELDS)
            key = booking["booking_ref"] if booking else f"DIARY-{diary['entry_id']}"
            minutes = None if pd.isna(r["minutes_apart"]) else int(r["minutes_apart"])
            out.append({"reference": f"{night}:{r['class']}:{key}", "kind": "discrepancy", "class": r["class"],
                        "code": CODES[r["class"]], "message": _message(r["class"], booking, diary, minutes,
                                                                        self.tolerance_minutes),
                        "booking": booking, "diary": diary, "minutes_apart": minutes})
        return out


def reconcile(bookings: pd.DataFrame, diary: pd.DataFrame, tolerance_minutes: int = DEFAULT_TOLERANCE,
              window: tuple[date, date] | None = None) -> Reconciliation:
    """Pair and classify (see the module docstring). ``window`` (first, last day, both included)
    keeps only the appointments in it: the booking export covers a date range, the diary export
    everything, and a diary entry outside the range has no chance of a booking."""
    ignored = {"diary entries outside the export's dates": 0, "cancelled bookings never in the diary": 0,
               "cancelled diary entries with no booking": 0}
    if window is not None:
        first, last = (pd.Timestamp(window[0]), pd.Timestamp(window[1]) + pd.Timedelta(days=1))
        inside = diary["starts_at"].ge(first) & diary["starts_at"].lt(last)
        ignored["diary entries outside the export's dates"] = int((~inside).sum())
        diary = diary[inside]
        bookings = bookings[bookings["starts_at"].ge(first) & bookings["starts_at"].lt(last)]
    b = bookings.reset_index(drop=True)
    d = diary.reset_index(drop=True)
    b_cancel = b["status"].to_numpy() == "cancelled"
    d_cancel = d["status"].to_numpy() == "cancelled"

    left = pd.DataFrame({"bi": np.arange(len(b)), "nhs_number": b["nhs_number"].to_numpy(),
                         "day": b["starts_at"].dt.normalize().to_numpy(), "b_at": b["starts_at"].to_numpy()})
    right = pd.DataFrame({"di": np.arange(len(d)), "nhs_number": d["nhs_number"].to_numpy(),
                          "day": d["starts_at"].dt.normalize().to_numpy(), "d_at": d["starts_at"].to_numpy()})
    cand = left.merge(right, on=["nhs_number", "day"], how="inner", sort=False)
    bi, di = cand["bi"].to_numpy(), cand["di"].to_numpy()
    keep = ~(d_cancel[di] & ~b_cancel[bi])  # a cancelled diary entry stands only for a cancelled booking
    cand = cand[keep]
    gap = np.abs((cand["d_at"].to_numpy() - cand["b_at"].to_numpy()).astype("timedelta64[m]").astype(np.int64))
    order = np.lexsort((cand["di"].to_numpy(), cand["bi"].to_numpy(), gap))
    cand = pd.DataFrame({"bi": cand["bi"].to_numpy()[order], "di": cand["di"].to_numpy()[order], "gap": gap[order]})
    pairs = []
    while len(cand):  # nearest first, each record once; one round unless a child has two that day
        best = cand.drop_duplicates("bi").drop_duplicates("di")
        pairs.append(best)
        cand = cand[~cand["bi"].isin(best["bi"]) & ~cand["di"].isin(best["di"])]
    paired = pd.concat(pairs, ignore_index=True) if pairs else pd.DataFrame({"bi": [], "di": [], "gap": []},
                                                                              dtype=np.int64)
    pbi, pdi = paired["bi"].to_numpy(np.int64), paired["di"].to_numpy(np.int64)
    pb_cancel, pd_cancel = b_cancel[pbi], d_cancel[pdi]
    within = paired["gap"].to_numpy() <= tolerance_minutes
    paired_class = np.select([pb_cancel & ~pd_cancel, within | (pb_cancel & pd_cancel)],
                             ["cancelled-still-in-diary", "matched"], "time-mismatch")

    lone_b = np.ones(len(b), bool)
    lone_b[pbi] = False
    lone_d = np.ones(len(d), bool)
    lone_d[pdi] = False
    ignored["cancelled bookings never in the diary"] = int((lone_b & b_cancel).sum())
    ignored["cancelled diary entries with no booking"] = int((lone_d & d_cancel).sum())
    ub = np.flatnonzero(lone_b & ~b_cancel)
    ud = np.flatnonzero(lone_d & ~d_cancel)

    bcols = b[[c for c in BOOKING_FIELDS if c in b.columns]].add_prefix("b_")
    dcols = d[[c for c in DIARY_FIELDS if c in d.columns]].add_prefix("d_")
    bi_all = np.concatenate([pbi, ub, np.full(len(ud), -1)])
    di_all = np.concatenate([pdi, np.full(len(ub), -1), ud])
    frame = pd.concat([_take(bcols, bi_all), _take(dcols, di_all)], axis=1)
    frame.insert(0, "class", np.concatenate([paired_class, np.full(len(ub), "booked-not-recorded", dtype=object),
                                             np.full(len(ud), "recorded-not-booked", dtype=object)]))
    for k, name in enumerate(("nhs_number", "surname", "forename"), 1):  # whichever side has the child
        if f"b_{name}" in frame.columns and f"d_{name}" in frame.columns:
            frame.insert(k, name, frame[f"b_{name}"].where(frame[f"b_{name}"].notna(), frame[f"d_{name}"]))
        elif f"b_{name}" in frame.columns or f"d_{name}" in frame.columns:
            frame.insert(k, name, frame[f"b_{name}" if f"b_{name}" in frame.columns else f"d_{name}"])
    frame["minutes_apart"] = (frame["d_starts_at"] - frame["b_starts_at"]) / pd.Timedelta(minutes=1)
    return Reconciliation(frame, tolerance_minutes, ignored, window)


def _take(columns: pd.DataFrame, index: np.ndarray) -> pd.DataFrame:
    """Rows ``index`` of ``columns``, an empty row (NaN/NaT) where the index is -1."""
    out = {}
    missing = index < 0
    safe = np.where(missing, 0, index)
    for name in columns.columns:
        values = columns[name].to_numpy()
        if len(values) == 0:  # nothing on this side at all: every row is empty here
            empty = np.datetime64("NaT") if np.issubdtype(values.dtype, np.datetime64) else None
            taken = np.full(len(index), empty, dtype=values.dtype if empty is not None else object)
        else:
            taken = values[safe]
        if missing.any():
            if np.issubdtype(taken.dtype, np.datetime64):
                taken = taken.copy()
                taken[missing] = np.datetime64("NaT")
            else:
                taken = taken.astype(object)
                taken[missing] = None
        out[name] = taken
    return pd.DataFrame(out)


def _record(row: dict[str, Any], prefix: str, fields: tuple[str, ...]) -> dict[str, Any] | None:
    key = f"{prefix}{fields[0]}"
    if row.get(key) is None or (not isinstance(row[key], str) and pd.isna(row[key])):
        return None
    out = {}
    for name in fields:
        value = row.get(f"{prefix}{name}")
        if isinstance(value, pd.Timestamp):
            value = value.date().isoformat() if name == "dob" else value.isoformat(timespec="seconds")
        elif isinstance(value, np.integer):
            value = int(value)
        out[name] = value
    return out


def _message(klass: str, booking: dict | None, diary: dict | None, minutes: int | None, tolerance: int) -> str:
    """What a person reads in the morning: references, not names or dates."""
    ref = booking["booking_ref"] if booking else ""
    entry = f"diary entry {diary['entry_id']}" if diary else ""
    if klass == "booked-not-recorded":
        return f"Booking {ref} has no entry in the case diary: the robot keys it in."
    if klass == "recorded-not-booked":
        return (f"The case diary's {entry} has no booking for that child that day in the booking system: book it, "
                "or cancel the diary entry if the appointment is not happening.")
    if klass == "time-mismatch":
        return (f"Booking {ref} and {entry} (same child, same day) are {abs(minutes or 0)} minutes apart, more than "
                f"the {tolerance} allowed: find out which time is right and correct the other system.")
    return (f"Booking {ref} is cancelled, but {entry} is still booked in the case diary: cancel the diary entry if "
            "the appointment is off (the robot does not cancel appointments).")

"""``nightshift bench reconcile``: the appointment reconciliation against a bare pandas merge.

The generator's appointment classes (``sandbox.generate.bookings.make_appointments``) make N
appointments, a tenth of them discrepancies of the four kinds, for N/4 synthetic children; the
bookings and diary entries become typed frames in memory, as ``keywords.appointments.reading``
leaves them (no files, no browser). Two measurements on the same frames, alternated, best of
``rounds``:

* ``reconcile``   ``keywords.appointments.reconcile``: the pairing by NHS number and day
  (nearest times first, each record once), the classes, the side-by-side result frame;
* ``bare merge``  ``pd.merge`` of the same frames, outer, on NHS number and appointment day: the
  least a person reconciling with pandas would write, with no classes and no pairing rules.

The classes found are checked against the generator's truth (``correct``). Targets: under
5 s, and within 3 times the bare merge.
"""

from __future__ import annotations

import os
import random
import time
from datetime import date
from typing import Any

import pandas as pd

TARGET_S = 5.0
TARGET_RATIO = 3.0
DISCREPANCY_RATE = 0.1


def frames(rows: int, seed: int = 7) -> tuple[pd.DataFrame, pd.DataFrame, dict[tuple[str, str], str]]:
    """Bookings and diary frames with about ``rows`` rows each, and the truth: (class, key) pairs."""
    from sandbox.data.nhs import make_nhs_number
    from sandbox.data.people import Child, Clinician
    from sandbox.generate.bookings import make_appointments

    rng = random.Random(f"{seed}:bench-reconcile")
    count = round(rows / (1 - DISCREPANCY_RATE / 4))  # a quarter of the discrepancies lack each side
    numbers: set[str] = set()
    while len(numbers) < count // 4 + 5:
        numbers.add(make_nhs_number(rng))
    children = [Child(forename=f"Child{i}", surname=f"Bench{i % 977}", dob=date(2012, 1, 1 + i % 28), gender="",
                      nhs_number=n, address=None, school="")  # type: ignore[arg-type]
                for i, n in enumerate(sorted(numbers))]
    clinicians = [Clinician(f"Clinician {k}", "therapist") for k in range(12)]
    appointments = make_appointments(rng, children, clinicians, count=count, discrepancy_rate=DISCREPANCY_RATE,
                                     reference_date=date(2026, 11, 26))
    bookings = pd.DataFrame([a.booking for a in appointments if a.booking]).rename(
        columns={"child_forename": "forename", "child_surname": "surname"})
    bookings["starts_at"] = pd.to_datetime(bookings["starts_at"])
    bookings["dob"] = pd.to_datetime(bookings["dob"])
    diary = pd.DataFrame([a.diary for a in appointments if a.diary])
    diary.insert(0, "entry_id", range(1, len(diary) + 1))
    diary["starts_at"] = pd.to_datetime(diary["starts_at"])
    truth = {}
    for a in appointments:
        key = a.booking["booking_ref"] if a.booking else f"{a.nhs_number}@{a.diary['starts_at']}"
        truth[key] = a.klass
    return bookings, diary, truth


def bare_merge(bookings: pd.DataFrame, diary: pd.DataFrame) -> pd.DataFrame:
    """The baseline: one outer merge on NHS number and appointment day."""
    return pd.merge(bookings.assign(day=bookings["starts_at"].dt.normalize()),
                    diary.assign(day=diary["starts_at"].dt.normalize()),
                    on=["nhs_number", "day"], how="outer", suffixes=("_booking", "_diary"))


def run(rows: int = 100_000, rounds: int = 3, seed: int = 7, step: Any = None) -> dict[str, Any]:
    from keywords.appointments.reconcile import reconcile

    say = step or (lambda text: None)
    say(f"generating about {rows:,} bookings and diary entries")
    started = time.perf_counter()
    bookings, diary, truth = frames(rows, seed)
    generate_s = time.perf_counter() - started
    reconcile_times, merge_times = [], []
    result = None
    for k in range(rounds):
        say(f"round {k + 1} of {rounds}")
        t = time.perf_counter()
        merged = bare_merge(bookings, diary)
        merge_times.append(time.perf_counter() - t)
        t = time.perf_counter()
        result = reconcile(bookings, diary)
        reconcile_times.append(time.perf_counter() - t)
    assert result is not None
    frame = result.frame
    key = frame["b_booking_ref"].where(frame["b_booking_ref"].notna(),
                                       frame["d_nhs_number"].astype(str) + "@"
                                       + frame["d_starts_at"].dt.strftime("%Y-%m-%dT%H:%M:%S"))
    found = dict(zip(key, frame["class"]))
    wrong = sum(1 for k, v in truth.items() if found.get(k) != v) + sum(1 for k in found if k not in truth)
    reconcile_s, merge_s = min(reconcile_times), min(merge_times)
    counts = result.counts
    return {"rows": len(bookings), "bookings": len(bookings), "diary_entries": len(diary),
            "reconcile_s": round(reconcile_s, 3), "bare_merge_s": round(merge_s, 3),
            "ratio": round(reconcile_s / max(merge_s, 1e-9), 2), "rounds": rounds,
            "merged_rows": len(merged), "counts": counts, "correct": wrong == 0, "misclassified": wrong,
            "generate_s": round(generate_s, 1), "target_s": TARGET_S, "target_ratio": TARGET_RATIO,
            "met": reconcile_s < TARGET_S and reconcile_s / max(merge_s, 1e-9) <= TARGET_RATIO,
            "pandas": pd.__version__, "cores": os.cpu_count(), "load_average": round(os.getloadavg()[0], 1)}

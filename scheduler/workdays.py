"""Which days a schedule skips: UK bank holidays and the organisation's own non-working days.

Bank holidays come from the ``holidays`` package. England and Wales share one list
(the default); Scotland and Northern Ireland have their own.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache

import holidays

from workitems import InvalidInput

REGIONS = {
    "england-and-wales": "ENG",
    "scotland": "SCT",
    "northern-ireland": "NIR",
}


class Workdays:
    def __init__(self, bank_holidays: str | None = "england-and-wales", extra: dict[date, str] | None = None):
        if bank_holidays not in (None, "none", *REGIONS):
            raise InvalidInput(
                f"calendar.bank_holidays is {bank_holidays!r}: use one of {', '.join(REGIONS)} or none"
            )
        self.region = None if bank_holidays in (None, "none") else bank_holidays
        self.extra = dict(extra or {})

    def why_not_working(self, day: date) -> str | None:
        """The reason ``day`` is not a working day for schedules that skip them, or None."""
        if day in self.extra:
            return self.extra[day]
        if self.region is not None:
            name = _bank_holidays(REGIONS[self.region], day.year).get(day)
            if name:
                return f"bank holiday ({name})"
        return None


@lru_cache(maxsize=64)
def _bank_holidays(subdiv: str, year: int) -> dict[date, str]:
    return dict(holidays.country_holidays("GB", subdiv=subdiv, years=year).items())


def parse_extra(raw: object, where: str = "calendar.extra_non_working_days") -> dict[date, str]:
    """A list of dates (``2026-12-24``) or of ``{date: …, reason: …}``."""
    if raw is None:
        return {}
    if not isinstance(raw, list):
        raise InvalidInput(f"{where} must be a list of dates like 2026-12-24")
    out: dict[date, str] = {}
    for n, entry in enumerate(raw, 1):
        reason = "non-working day"
        if isinstance(entry, dict):
            reason = str(entry.get("reason") or reason)
            entry = entry.get("date")
        try:
            day = entry if isinstance(entry, date) else date.fromisoformat(str(entry))
        except ValueError:
            raise InvalidInput(f"{where}, entry {n}: {entry!r} is not a date like 2026-12-24") from None
        out[day] = reason
    return out

"""The business case for the investment board, as an Excel workbook (openpyxl).

* **Bids**: one row per bid past draft: team, process, state, both scores and the ranking
  score, hours saved a year, FTE, £ a year, build effort and cost, payback, the linked bot,
  hours measured since it went live, and whether it is flagged.
* **Summary**: totals by state and by team, and a bar chart of estimated hours saved a year by team.

Only the team, the process name, systems and numbers are written: no description, comment
or attachment, which may hold personal data. Text cells go through the daily report's
writer, so a name beginning with ``=`` stays text.
"""

from __future__ import annotations

import io
from datetime import datetime
from typing import Any

from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Font

from ..report_xlsx import TIME_FORMAT, put_cell, put_table

BID_HEADERS = ["bid", "team", "process", "state", "systems", "automation potential", "ease of implementation",
               "ranking score", "hours saved a year", "FTE", "£ saved a year", "build effort (days)",
               "build cost (£)", "payback (months)", "bot", "live since", "measured hours", "estimate while live",
               "flagged"]
STATE_HEADERS = ["state", "bids", "hours saved a year", "£ saved a year"]
TEAM_HEADERS = ["team", "bids", "hours saved a year", "FTE", "£ saved a year"]


def business_case(rows: list[dict[str, Any]], states: tuple[str, ...], *, made: datetime | None = None) -> bytes:
    """``rows`` are the ranked list's rows (portal/pages/bids.py ``ranked``), best first."""
    wb = Workbook()
    wb.properties.title = "nightshift automation bids: business case"
    wb.properties.creator = "nightshift"
    sheet = wb.active
    sheet.title = "Bids"
    put_table(sheet, 1, BID_HEADERS, [[
        r["id"], r["team"], r["title"], r["state"], "; ".join(r["systems"]), r["potential"], r["ease"], r["score"],
        r["hours_per_year"], r["fte"], r["cost_per_year"], r["build_days"], r["build_cost"], r["payback_months"],
        r["process"] or "", datetime.fromtimestamp(r["live_since"]) if r["live_since"] else None,
        r["measured_hours"], r["measured_estimate"], "yes" if r["flagged"] else ""] for r in rows],
        formats={16: TIME_FORMAT, 11: "#,##0", 13: "#,##0"})

    summary = wb.create_sheet("Summary", 0)
    put_cell(summary, 1, 1, "nightshift automation bids: business case").font = Font(bold=True, size=13)
    put_cell(summary, 2, 1, "made")
    put_cell(summary, 2, 2, (made or datetime.now()).replace(microsecond=0, tzinfo=None), TIME_FORMAT)
    by_state = [[s, sum(1 for r in rows if r["state"] == s),
                 round(sum(r["hours_per_year"] for r in rows if r["state"] == s), 1),
                 sum(r["cost_per_year"] for r in rows if r["state"] == s)] for s in states]
    put_table(summary, 4, STATE_HEADERS, by_state)
    teams = sorted({r["team"] for r in rows})
    top = 4 + len(by_state) + 3
    by_team = [[t, sum(1 for r in rows if r["team"] == t),
                round(sum(r["hours_per_year"] for r in rows if r["team"] == t), 1),
                round(sum(r["fte"] for r in rows if r["team"] == t), 2),
                sum(r["cost_per_year"] for r in rows if r["team"] == t)] for t in teams]
    put_table(summary, top, TEAM_HEADERS, by_team)
    summary.freeze_panes = None
    summary.auto_filter.ref = None
    if by_team:
        chart = BarChart()
        chart.type = "bar"
        chart.title = "Estimated hours saved a year, by team"
        chart.y_axis.title = "hours a year"
        chart.legend = None
        chart.add_data(Reference(summary, min_col=3, min_row=top, max_row=top + len(by_team)), titles_from_data=True)
        chart.set_categories(Reference(summary, min_col=1, min_row=top + 1, max_row=top + len(by_team)))
        summary.add_chart(chart, f"G{top}")
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()

"""Charts as inline SVG, drawn on the server: no JavaScript, no inline styles.

The portal's Content-Security-Policy forbids scripts and ``style=`` attributes, so a
chart is plain SVG markup whose colours come from classes in ``portal.css``
(``series-done``, ``run-PASS``, …). Every chart has a ``<title>`` and an
``aria-label`` for screen readers, and each mark its own ``<title>`` (the browser shows
it as a tooltip). Functions return ``Markup``, safe to put in a template as is: every
text they draw is escaped here.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape


@dataclass(frozen=True)
class Span:
    """One mark on a timeline: from ``start`` to ``end`` (epoch seconds), coloured by ``css``."""

    start: float
    end: float
    css: str
    title: str


def _num(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _nice_max(value: float) -> float:
    """The smallest 1, 2, 5 × 10^k at or above ``value`` (at least 1): the top of a y axis."""
    if value <= 1:
        return 1
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if step * power >= value:
            return step * power
    return 10 * power


def _svg(width: int, height: int, label: str, body: list[str], css: str = "chart") -> Markup:
    return Markup(
        f'<svg class="{escape(css)}" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="{escape(label)}">'
        f"<title>{escape(label)}</title>{''.join(body)}</svg>")


def timeline(spans: Sequence[Span], window_start: float, window_end: float, *, width: int = 320,
             height: int = 16, ticks: Sequence[tuple[float, str]] = (), label: str = "timeline") -> Markup:
    """A horizontal track for the window with one rectangle per span, at least 3 px wide so
    a one-minute run in a week still shows. ``ticks`` are (time, text) lines drawn across
    the track, labelled when the chart is tall enough for text."""
    span_s = max(window_end - window_start, 1.0)
    text_h = 12 if height >= 28 else 0
    track_h = height - text_h

    def x(t: float) -> float:
        return min(max((t - window_start) / span_s, 0.0), 1.0) * width

    body = [f'<rect class="track" x="0" y="0" width="{width}" height="{track_h}"/>']
    for when, text in ticks:
        tx = round(x(when), 1)
        body.append(f'<line class="tick" x1="{tx}" y1="0" x2="{tx}" y2="{track_h}"/>')
        if text_h:
            body.append(f'<text class="tick-label" x="{tx + 2}" y="{height - 2}">{escape(text)}</text>')
    for span in spans:
        x0, x1 = x(span.start), x(max(span.end, span.start))
        w = max(x1 - x0, 3.0)
        x0 = min(x0, width - w)
        body.append(f'<rect class="{escape(span.css)}" x="{round(x0, 1)}" y="2" width="{round(w, 1)}" '
                    f'height="{track_h - 4}"><title>{escape(span.title)}</title></rect>')
    return _svg(width, height, label, body, css="timeline")


def stacked_bars(groups: Sequence[tuple[str, dict[str, int]]], series: Sequence[str], *,
                 label: str, width: int = 720, height: int = 260) -> Markup:
    """Vertical bars, one per group (e.g. a day), each stacked by series (e.g. state), with a
    y axis, the groups' labels below and a legend above."""
    left, right, top, bottom = 40, 10, 28, 36
    plot_w, plot_h = width - left - right, height - top - bottom
    top_value = _nice_max(max((sum(v.get(s, 0) for s in series) for _, v in groups), default=0))
    slot = plot_w / max(len(groups), 1)
    bar_w = max(slot * 0.7, 1.0)
    body: list[str] = []
    for i in range(5):  # gridlines and y labels at 0, 25, 50, 75, 100 %
        value = top_value * i / 4
        y = round(top + plot_h - plot_h * i / 4, 1)
        body.append(f'<line class="grid" x1="{left}" y1="{y}" x2="{width - right}" y2="{y}"/>')
        body.append(f'<text class="axis" x="{left - 4}" y="{y + 4}" text-anchor="end">{_num(value)}</text>')
    for i, name in enumerate(series):  # legend
        lx = left + i * 110
        body.append(f'<rect class="series-{escape(name)}" x="{lx}" y="6" width="12" height="12"/>'
                    f'<text class="legend" x="{lx + 16}" y="16">{escape(name)}</text>')
    for i, (group, values) in enumerate(groups):
        gx = left + i * slot + (slot - bar_w) / 2
        y = top + plot_h
        total = sum(values.get(s, 0) for s in series)
        for name in series:
            n = values.get(name, 0)
            if not n:
                continue
            h = plot_h * n / top_value
            y -= h
            body.append(f'<rect class="series-{escape(name)}" x="{round(gx, 1)}" y="{round(y, 1)}" '
                        f'width="{round(bar_w, 1)}" height="{round(h, 1)}">'
                        f'<title>{escape(group)}: {n} {escape(name)}</title></rect>')
        if total:
            body.append(f'<text class="value" x="{round(gx + bar_w / 2, 1)}" y="{round(y - 3, 1)}" '
                        f'text-anchor="middle">{total}</text>')
        body.append(f'<text class="axis" x="{round(gx + bar_w / 2, 1)}" y="{height - bottom + 14}" '
                    f'text-anchor="middle">{escape(group)}</text>')
    body.append(f'<line class="axis-line" x1="{left}" y1="{top + plot_h}" x2="{width - right}" y2="{top + plot_h}"/>')
    return _svg(width, height, label, body)


def horizontal_bars(bars: Sequence[tuple[str, float, str]], *, label: str, width: int = 720,
                    unit: str = "") -> Markup:
    """One labelled horizontal bar per (label, value, css class), scaled to the largest value."""
    left, right, row = 150, 120, 30
    height = row * len(bars) + 10
    top_value = max((v for _, v, _ in bars), default=0) or 1
    plot_w = width - left - right
    body: list[str] = []
    for i, (text, value, css) in enumerate(bars):
        y = 5 + i * row
        w = round(plot_w * value / top_value, 1)
        body.append(f'<text class="axis" x="{left - 8}" y="{y + 17}" text-anchor="end">{escape(text)}</text>')
        body.append(f'<rect class="{escape(css)}" x="{left}" y="{y + 3}" width="{max(w, 1)}" height="{row - 10}">'
                    f'<title>{escape(text)}: {_num(value)}{escape(unit)}</title></rect>')
        body.append(f'<text class="value" x="{left + max(w, 1) + 6}" y="{y + 17}">{_num(value)}{escape(unit)}</text>')
    return _svg(width, height, label, body)

"""Draft minutes of a recorded meeting as a Word document (python-docx), for a minute-checker.

Meeting details come from a sidecar JSON beside the recording (``conference.wav`` and
``conference.json``: ``title``, ``date``, ``time``, ``location``, ``chair``, ``minute_taker``,
``attendees`` as names or ``{"name", "role"}``), else from the recording's own tags (title, date),
else from its name. The document: the details, the attendees, empty sections for the checker
(summary, decisions, actions), then the transcript with timestamps, low-confidence lines marked.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from .errors import BadRecording

LOW_CONFIDENCE = 0.2  # below this a line is marked for the checker to listen to again
DETAIL_FIELDS = ("title", "date", "time", "location", "chair", "minute_taker")


def sidecar_of(recording: Path) -> Path:
    return recording.with_suffix(".json")


def meeting_details(recording: Path | str, tags: dict[str, str] | None = None) -> dict[str, Any]:
    """The meeting's details: the sidecar JSON's, else the recording's tags, else its name and date."""
    recording = Path(recording)
    details: dict[str, Any] = {"title": recording.stem.replace("_", " ").replace("-", " "),
                               "date": datetime.fromtimestamp(recording.stat().st_mtime, timezone.utc).date().isoformat()
                               if recording.exists() else "", "attendees": [], "source": "file name"}
    if tags:
        details.update({k: tags[k] for k in ("title", "date") if tags.get(k)})
        details["source"] = "recording tags"
    sidecar = sidecar_of(recording)
    if sidecar.is_file():
        try:
            data = json.loads(sidecar.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise BadRecording(sidecar.name, f"the meeting details are not valid JSON ({type(exc).__name__}: "
                               f"line {getattr(exc, 'lineno', '?')})",
                               "correct the file (or remove it to use the recording's own details) and retry") from None
        if not isinstance(data, dict):
            raise BadRecording(sidecar.name, "the meeting details must be a JSON object",
                               'write {"title": ..., "date": ..., "attendees": [...]} and retry')
        details.update({k: str(data[k]) for k in DETAIL_FIELDS if data.get(k)})
        details["attendees"] = [_attendee(a) for a in data.get("attendees", [])]
        details["source"] = sidecar.name
    return details


def _attendee(value: Any) -> dict[str, str]:
    if isinstance(value, dict):
        return {"name": str(value.get("name", "")), "role": str(value.get("role", ""))}
    return {"name": str(value), "role": ""}


def timestamp(seconds: float) -> str:
    s = int(seconds)
    return f"{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}"


def write_draft_minutes(transcript: dict[str, Any], details: dict[str, Any], out: Path | str) -> Path:
    """Write the draft minutes to ``out`` (a ``.docx``) and return its path."""
    from docx import Document
    from docx.shared import Pt, RGBColor

    out = Path(out)
    doc = Document()
    doc.core_properties.title = f"Draft minutes: {details.get('title', '')}"
    doc.core_properties.author = "nightshift minutes bot"
    doc.add_heading(f"Draft minutes: {details.get('title', '')}", level=0)
    note = doc.add_paragraph()
    run = note.add_run("DRAFT for the minute-checker. Made by a machine from the recording: check every line "
                       "against the recording before these minutes are shared.")
    run.bold = True

    doc.add_heading("Meeting details", level=1)
    rows = [(label, details.get(key, "")) for key, label in
            (("title", "Meeting"), ("date", "Date"), ("time", "Time"), ("location", "Location"),
             ("chair", "Chair"), ("minute_taker", "Minute taker"))]
    rows += [("Recording", transcript.get("file", "")), ("Length", timestamp(transcript.get("duration", 0))),
             ("Transcribed by", transcript.get("engine", "")), ("Details from", details.get("source", ""))]
    table = doc.add_table(rows=0, cols=2)
    table.style = "Light List Accent 1"
    for label, value in rows:
        if value:
            cells = table.add_row().cells
            cells[0].text, cells[1].text = label, str(value)

    doc.add_heading("Attendees", level=1)
    if details.get("attendees"):
        for a in details["attendees"]:
            doc.add_paragraph(f"{a['name']}, {a['role']}" if a.get("role") else a["name"], style="List Bullet")
    else:
        doc.add_paragraph("Not recorded: the minute-checker adds them.")
    for heading in ("Summary of discussion", "Decisions", "Actions"):
        doc.add_heading(heading, level=1)
        doc.add_paragraph("For the minute-checker to write from the transcript below.")

    doc.add_heading("Transcript", level=1)
    segments = transcript.get("segments", [])
    low = sum(1 for s in segments if s["confidence"] < LOW_CONFIDENCE)
    doc.add_paragraph(f"{len(segments)} passages; {low} marked [check] where the machine was unsure.")
    for s in segments:
        p = doc.add_paragraph()
        stamp = p.add_run(f"[{timestamp(s['start'])}–{timestamp(s['end'])}] ")
        stamp.font.size = Pt(9)
        stamp.font.color.rgb = RGBColor(0x59, 0x59, 0x59)
        p.add_run(s["text"])
        if s["confidence"] < LOW_CONFIDENCE:
            flag = p.add_run(" [check]")
            flag.italic = True
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    doc.save(str(tmp))
    tmp.replace(out)
    return out

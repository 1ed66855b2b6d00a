"""``world.json``: the records ``nightshift sandbox seed`` loads into the stand-in systems.

Each system's ``seed.load(db_path, world)`` reads its own part::

    {
      "schema_version": 1,
      "seed": 7, "reference_date": "2026-01-14",
      "case_system": {
        "children": [{"forename", "surname", "dob", "gender", "nhs_number", "address_line1", "town",
                      "postcode", "school"}],
        "diary": [{"nhs_number", "starts_at", "clinician", "kind", "status"}]
      },
      "booking_system": {
        "bookings": [{"booking_ref", "child_forename", "child_surname", "dob", "nhs_number", "starts_at",
                      "clinician", "status", "created_at"}]
      },
      "finance_system": {
        "suppliers": [{"supplier_id", "name", "address", "vat_number"}],
        "purchase_orders": [{"po_number", "supplier_id", "cost_centre", "description", "amount_net", "status"}]
      }
    }

Dates are ISO (``2014-03-09``); ``starts_at`` and ``created_at`` are local Europe/London times
without an offset (``2026-01-20T14:15:00``); diary ``status`` is booked or cancelled; booking
``status`` is booked, cancelled, attended or did not attend; ``amount_net`` is a decimal string
with two places; purchase order ``status`` is open or closed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

SCHEMA_VERSION = 1
SHAPES: dict[tuple[str, str], frozenset[str]] = {
    ("case_system", "children"): frozenset(
        {"forename", "surname", "dob", "gender", "nhs_number", "address_line1", "town", "postcode", "school"}),
    ("case_system", "diary"): frozenset({"nhs_number", "starts_at", "clinician", "kind", "status"}),
    ("booking_system", "bookings"): frozenset(
        {"booking_ref", "child_forename", "child_surname", "dob", "nhs_number", "starts_at", "clinician", "status",
         "created_at"}),
    ("finance_system", "suppliers"): frozenset({"supplier_id", "name", "address", "vat_number"}),
    ("finance_system", "purchase_orders"): frozenset(
        {"po_number", "supplier_id", "cost_centre", "description", "amount_net", "status"}),
}


def check_world(world: Any, source: str = "world") -> dict[str, Any]:
    """``world`` itself if every list has the shape above; otherwise ``ValueError`` naming the first problem."""
    if not isinstance(world, dict):
        raise ValueError(f"{source} must hold a JSON object, not {type(world).__name__}")
    for (system, key), expected in SHAPES.items():
        records = world.get(system, {}).get(key) if isinstance(world.get(system), dict) else None
        if not isinstance(records, list):
            raise ValueError(f"{source} has no list {system}.{key}")
        for number, record in enumerate(records, start=1):
            if not isinstance(record, dict) or set(record) != expected:
                have = sorted(record) if isinstance(record, dict) else type(record).__name__
                raise ValueError(f"{source}: {system}.{key} record {number} has fields {have}, "
                                 f"expected {sorted(expected)}")
    return world


def read_world(path: Path) -> dict[str, Any]:
    """Read and check a ``world.json`` (``ValueError`` with the file and the problem when it is not one)."""
    try:
        world = json.loads(Path(path).read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise ValueError(f"{path} is not UTF-8 text: {exc.reason} at byte {exc.start}") from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path} is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    return check_world(world, str(path))


def world_json(world: dict[str, Any]) -> bytes:
    return (json.dumps(world, indent=2, ensure_ascii=False) + "\n").encode("utf-8")

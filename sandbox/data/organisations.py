"""Synthetic organisations: Riverside's schools, referrers' workplaces, suppliers, cost centres.

Schools are named after places and saints the way English schools are, with the ages they take.
Suppliers carry a VAT number with a correct HMRC check (``vat_number_is_valid``) and an
address made from the same street and town lists as children's, with a Faker postcode.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from faker import Faker

from .places import SCHOOL_PLACES, STREET_STEMS, STREET_TYPES, TOWNS
from .postcodes import POSTCODE_RE

SAINTS = ("St Mary's", "St Joseph's", "St Anne's", "St Peter's", "Holy Trinity", "St Aidan's", "St Bede's")


@dataclass(frozen=True)
class School:
    """A school and the ages (on the reference date) of the children it takes."""

    name: str
    min_age: int
    max_age: int


@dataclass(frozen=True)
class Supplier:
    """A supplier as the finance system holds it."""

    supplier_id: str
    name: str
    address: str
    vat_number: str
    trade: str

    def as_world_record(self) -> dict[str, Any]:
        """The shape ``world["finance_system"]["suppliers"]`` holds."""
        return {"supplier_id": self.supplier_id, "name": self.name, "address": self.address,
                "vat_number": self.vat_number}


@dataclass(frozen=True)
class CostCentre:
    code: str
    name: str


COST_CENTRES = (
    CostCentre("CS4102", "Children's Social Care - Front Door (MASH)"),
    CostCentre("CS4120", "Children's Social Care - Fostering"),
    CostCentre("CS4135", "Children's Social Care - Care Leavers"),
    CostCentre("EH2210", "Emotional Health Service"),
    CostCentre("ED3305", "Education - SEND Transport"),
    CostCentre("ED3310", "Education - Educational Psychology"),
    CostCentre("EY1150", "Early Help and Family Hubs"),
    CostCentre("CR9001", "Corporate Resources - ICT"),
)

# trade -> (name endings, what a purchase order buys: description, unit, unit price range in pounds)
TRADES: dict[str, tuple[tuple[str, ...], tuple[tuple[str, str, int, int], ...]]] = {
    "interpreting": (("Interpreting Services Ltd", "Language Solutions Ltd"), (
        ("Face-to-face interpreting", "hour", 28, 45), ("Telephone interpreting", "minute", 1, 2),
        ("Document translation", "page", 25, 60))),
    "transport": (("Taxis Ltd", "Community Transport CIC", "Travel Ltd"), (
        ("Home to school transport", "journey", 18, 65), ("Passenger assistant", "day", 85, 120))),
    "stationery": (("Office Supplies Ltd", "Stationers Ltd"), (
        ("A4 copier paper (box of 5 reams)", "box", 18, 26), ("Toner cartridge", "each", 45, 140),
        ("Lever arch files (pack of 10)", "pack", 12, 20))),
    "training": (("Training Partnership Ltd", "Learning Ltd"), (
        ("Safeguarding level 3 course", "delegate", 95, 180), ("Trauma-informed practice workshop", "day", 650, 1200))),
    "therapy": (("Therapy Services Ltd", "Psychology Associates LLP"), (
        ("Play therapy sessions", "session", 55, 90), ("Family therapy sessions", "session", 80, 140))),
    "ict": (("IT Solutions Ltd", "Digital Ltd"), (
        ("Laptop with three-year warranty", "each", 650, 1100), ("Software licence (annual)", "user", 40, 180))),
    "catering": (("Catering Ltd", "Kitchen Co-operative Ltd"), (
        ("Working lunch for family group conference", "person", 6, 12), ("Holiday club meals", "meal", 3, 6))),
}


def make_schools(rng: random.Random) -> list[School]:
    """About twenty schools: nurseries, primaries, secondaries and a special school, ages 2-18."""
    schools: list[School] = []
    places = list(SCHOOL_PLACES)
    rng.shuffle(places)
    for place in places[:3]:
        schools.append(School(f"{place} Nursery School", 2, 4))
    for place in places[:8]:
        schools.append(School(f"{place} Primary School", 4, 11))
    for saint in rng.sample(SAINTS, 3):
        schools.append(School(f"{saint} Catholic Primary School", 4, 11))
    for place in places[8:12]:
        schools.append(School(f"{place} Academy", 11, 16))
    schools.append(School(f"{rng.choice(SAINTS)} Church of England High School", 11, 18))
    schools.append(School("Riverside Sixth Form College", 16, 18))
    schools.append(School(f"{places[0]} Special School", 2, 18))
    return schools


def referrer_organisation(rng: random.Random, fake: Faker, role: str, school: str) -> str:
    """Where someone in ``role`` works; a teacher's is the child's school."""
    if role in ("Teacher", "Designated safeguarding lead") and school:
        return school
    place = rng.choice(SCHOOL_PLACES)
    return {
        "Health visitor": "Riverside Health Visiting Team",
        "GP": f"{place} Medical Practice" if rng.random() < 0.6 else f"{fake.last_name()} Surgery",
        "School nurse": "Riverside School Nursing Service",
        "Police officer": "Riverside Police - Public Protection Unit",
        "Midwife": "Riverside General Hospital - Maternity",
        "Paediatrician": "Riverside General Hospital - Child Health",
        "Youth worker": f"{place} Youth Centre",
        "Housing officer": "Riverside Homes",
    }.get(role, "Riverside Health Visiting Team")


def vat_check_digits(seven: str) -> str:
    """The two HMRC check digits for seven digits (the ``mod 97`` scheme)."""
    total = sum(int(d) * w for d, w in zip(seven, range(8, 1, -1)))
    return f"{(-total) % 97:02d}"


def vat_number_is_valid(value: str) -> bool:
    """True for ``GB`` + nine digits (spaces allowed) passing either of HMRC's two check schemes."""
    digits = value.upper().replace(" ", "").removeprefix("GB")
    if len(digits) != 9 or not digits.isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(digits[:7], range(8, 1, -1))) + int(digits[7:])
    return total % 97 == 0 or (total + 55) % 97 == 0


def make_vat_number(rng: random.Random) -> str:
    """``GB 123 4567 89``: valid check digits."""
    seven = "".join(str(rng.randrange(10)) for _ in range(7))
    digits = seven + vat_check_digits(seven)
    return f"GB {digits[:3]} {digits[3:7]} {digits[7:]}"


def make_suppliers(rng: random.Random, fake: Faker, count: int) -> list[Supplier]:
    """``count`` suppliers with distinct names, one trade each, ids ``SUP-00001`` upwards."""
    suppliers: list[Supplier] = []
    names: set[str] = set()
    trades = list(TRADES)
    while len(suppliers) < count:
        trade = trades[len(suppliers) % len(trades)]
        name = f"{fake.last_name()} {rng.choice(TRADES[trade][0])}"
        if name in names:
            continue
        names.add(name)
        postcode = fake.postcode()
        if not POSTCODE_RE.match(postcode):
            raise ValueError(f"Faker made a postcode of an unexpected shape: {postcode!r}")
        unit = f"Unit {rng.randint(1, 30)}, " if rng.random() < 0.5 else ""
        street = f"{unit}{rng.randint(1, 200)} {rng.choice(STREET_STEMS)} {rng.choice(STREET_TYPES)}"
        address = f"{street}, {rng.choice(TOWNS)}, {postcode}"
        suppliers.append(Supplier(f"SUP-{len(suppliers) + 1:05d}", name, address, make_vat_number(rng), trade))
    return suppliers

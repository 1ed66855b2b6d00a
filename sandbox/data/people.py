"""Synthetic people of a fictional borough (Riverside): children, their addresses, referrers, clinicians.

Everything is made from a seeded ``random.Random`` and a seeded ``Faker("en_GB")``; nothing is
real. Children's forenames come from lists of popular UK baby names (a few with accents, so
that encodings matter), surnames and adults' first names from Faker. Phone numbers are in the
ranges Ofcom keeps for drama (01632 960xxx, 07700 900xxx) and e-mail addresses use ``.example``
domains, so none can reach anyone.
"""

from __future__ import annotations

import random
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from typing import Any

from faker import Faker

from .nhs import make_nhs_number
from .organisations import School, referrer_organisation
from .places import STREET_STEMS, STREET_TYPES, TOWNS
from .postcodes import POSTCODE_RE

GIRLS = (
    "Olivia Amelia Isla Ava Mia Ivy Lily Isabella Rosie Sophia Grace Freya Willow Florence Emily Ella Poppy "
    "Evie Elsie Charlotte Evelyn Sienna Daisy Phoebe Sofia Alice Harper Matilda Ruby Emilia Maya Millie Layla "
    "Eva Jessica Chloe Amelie Aisha Zara Hannah Maryam Fatima Niamh Erin Megan Holly Leah Imogen Lucy Ellie"
).split()
BOYS = (
    "Oliver Noah George Arthur Muhammad Leo Harry Oscar Archie Henry Theodore Freddie Jack Charlie Theo Alfie "
    "Jacob Thomas Finley Arlo William Lucas Roman Tommy Isaac Teddy Alexander Luca Edward James Joshua Albie "
    "Elijah Max Mohammed Reggie Hugo Ethan Harrison Riley Dylan Kai Ibrahim Yusuf Callum Owen Rhys Jayden Zain Ryan"
).split()
# Names with letters outside ASCII but inside Windows-1252, so a cp1252 file can carry them.
GIRLS_ACCENTED = ("Zoë", "Chloé", "Siân", "Anaïs", "Renée", "Léa", "Maëlle", "Bláithín")
BOYS_ACCENTED = ("Seán", "Rónán", "Joël", "Jérôme", "Oisín", "Ciarán", "François", "Zoltán")
SURNAMES_ACCENTED = ("Müller", "Öztürk", "Gonçalves", "Ó Briain", "Bréhier", "Núñez", "Jürgens")

GENDERS = ("Female", "Male", "Not known")

REFERRER_ROLES = (
    "Health visitor", "GP", "Teacher", "Designated safeguarding lead", "School nurse", "Police officer",
    "Midwife", "Paediatrician", "Youth worker", "Housing officer",
)
SCHOOL_ROLES = ("Teacher", "Designated safeguarding lead")
# role -> ages of the children that role refers, and how often it refers
ROLE_AGES = {"Health visitor": (0, 4), "GP": (0, 17), "Teacher": (2, 17), "Designated safeguarding lead": (4, 17),
             "School nurse": (5, 17), "Police officer": (0, 17), "Midwife": (0, 0), "Paediatrician": (0, 17),
             "Youth worker": (10, 17), "Housing officer": (0, 17)}
ROLE_WEIGHTS = {"Health visitor": 12, "GP": 10, "Teacher": 14, "Designated safeguarding lead": 12, "School nurse": 8,
                "Police officer": 10, "Midwife": 6, "Paediatrician": 4, "Youth worker": 4, "Housing officer": 3}
CLINICIAN_ROLES = ("Clinical psychologist", "Mental health practitioner", "CBT therapist", "Family therapist")
EMAIL_DOMAINS = {
    "Health visitor": "riversidehealth.nhs.example",
    "GP": "riversidegp.nhs.example",
    "School nurse": "riversidehealth.nhs.example",
    "Midwife": "riversidehospital.nhs.example",
    "Paediatrician": "riversidehospital.nhs.example",
    "Police officer": "riverside.police.example",
    "Youth worker": "riverside.example",
    "Housing officer": "riverside.example",
}


@dataclass(frozen=True)
class Address:
    """A home address: first line, town, postcode (normalised, ``SW1A 1AA`` form)."""

    line1: str
    town: str
    postcode: str


@dataclass(frozen=True)
class Child:
    """A child as the case system knows one: ``dob`` 0-17 years before the reference date."""

    forename: str
    surname: str
    dob: date
    gender: str
    nhs_number: str
    address: Address
    school: str

    def as_world_record(self) -> dict[str, Any]:
        """The shape ``world["case_system"]["children"]`` holds."""
        return {
            "forename": self.forename, "surname": self.surname, "dob": self.dob.isoformat(), "gender": self.gender,
            "nhs_number": self.nhs_number, "address_line1": self.address.line1, "town": self.address.town,
            "postcode": self.address.postcode, "school": self.school,
        }


@dataclass(frozen=True)
class Referrer:
    """The professional who refers: name, role, organisation, phone, e-mail."""

    name: str
    role: str
    organisation: str
    phone: str
    email: str

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


@dataclass(frozen=True)
class Clinician:
    """A practitioner of the emotional health service, named as both systems show them."""

    name: str
    role: str


def make_faker(seed: object) -> Faker:
    """A ``Faker("en_GB")`` seeded for this instance only (the global Faker seed is left alone)."""
    fake = Faker("en_GB")
    fake.seed_instance(str(seed))
    return fake


def landline(rng: random.Random) -> str:
    return f"01632 960{rng.randrange(1000):03d}"


def mobile(rng: random.Random) -> str:
    return f"07700 900{rng.randrange(1000):03d}"


def make_address(rng: random.Random, fake: Faker) -> Address:
    """A house or flat in one of Riverside's towns with a Faker postcode (format checked)."""
    street = f"{rng.choice(STREET_STEMS)} {rng.choice(STREET_TYPES)}"
    if rng.random() < 0.2:
        line1 = f"Flat {rng.randint(1, 24)}, {rng.randint(1, 180)} {street}"
    else:
        line1 = f"{rng.randint(1, 240)} {street}"
    postcode = fake.postcode()
    if not POSTCODE_RE.match(postcode):  # Faker's en_GB shapes all pass; this guards a future version
        raise ValueError(f"Faker made a postcode of an unexpected shape: {postcode!r}")
    return Address(line1, rng.choice(TOWNS), postcode)


def make_child(rng: random.Random, fake: Faker, reference_date: date, schools: list[School],
               ages: tuple[int, int] = (0, 17)) -> Child:
    """A child aged ``ages`` (0-17 by default) on ``reference_date``; school-age children get a
    school that takes their age."""
    youngest, oldest = ages
    dob = reference_date - timedelta(days=rng.randint(max(30, youngest * 365 + 5), (oldest + 1) * 365 - 5))
    roll = rng.random()
    gender = "Female" if roll < 0.49 else "Male" if roll < 0.98 else "Not known"
    accented = rng.random() < 0.06
    if gender == "Female" or (gender == "Not known" and rng.random() < 0.5):
        forename = rng.choice(GIRLS_ACCENTED if accented else GIRLS)
    else:
        forename = rng.choice(BOYS_ACCENTED if accented else BOYS)
    surname = rng.choice(SURNAMES_ACCENTED) if rng.random() < 0.03 else fake.last_name()
    age = (reference_date - dob).days // 365
    fitting = [s for s in schools if s.min_age <= age <= s.max_age]
    school = rng.choice(fitting).name if fitting else ""
    return Child(forename, surname, dob, gender, make_nhs_number(rng), make_address(rng, fake), school)


def make_referrer(rng: random.Random, fake: Faker, school: str, age: int) -> Referrer:
    """A professional who would refer a child of ``age``: a midwife for a baby, a teacher (at the
    child's school) or a school nurse for a pupil, a youth worker for a teenager, and so on."""
    fitting = [role for role in REFERRER_ROLES
               if ROLE_AGES[role][0] <= age <= ROLE_AGES[role][1] and (school or role not in SCHOOL_ROLES)]
    role = rng.choices(fitting, weights=[ROLE_WEIGHTS[r] for r in fitting])[0]
    first, last = fake.first_name(), fake.last_name()
    name = f"Dr {first} {last}" if role in ("GP", "Paediatrician") else f"{first} {last}"
    organisation = referrer_organisation(rng, fake, role, school)
    domain = EMAIL_DOMAINS.get(role) or _school_domain(school)
    local = f"{first}.{last}".lower().replace("'", "").replace(" ", "")
    phone = mobile(rng) if role == "Police officer" or rng.random() < 0.3 else landline(rng)
    return Referrer(name, role, organisation, phone, f"{local}@{domain}")


def make_clinicians(rng: random.Random, fake: Faker, count: int) -> list[Clinician]:
    """Distinct practitioners; about a third are doctors (``Dr``)."""
    names: list[Clinician] = []
    seen: set[str] = set()
    while len(names) < count:
        role = rng.choice(CLINICIAN_ROLES)
        name = f"{'Dr ' if role == 'Clinical psychologist' else ''}{fake.first_name()} {fake.last_name()}"
        if name not in seen:
            seen.add(name)
            names.append(Clinician(name, role))
    return names


def _school_domain(school: str) -> str:
    words = [w for w in school.lower().replace("'", "").split() if w not in ("school", "primary", "academy", "the")]
    return f"{''.join(words[:2]) or 'riverside'}.sch.example"

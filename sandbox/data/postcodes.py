"""UK postcodes: the format check the generator and its tests share, and malformed ones for defects.

A postcode is an outward code (area, district: ``SW1A``, ``M1``, ``B33``) and an inward code
(sector digit and two unit letters: ``1AA``). ``POSTCODE_RE`` checks the shape and the letters
Royal Mail allows in each position, on the normalised form (upper case, one space before the
last three characters). It checks the format only; whether the postcode exists is another matter.
"""

from __future__ import annotations

import random
import re

POSTCODE_PATTERN = (
    r"(?:GIR 0AA|[A-PR-UWYZ](?:[0-9][0-9A-HJKPS-UW]?|[A-HK-Y][0-9][0-9ABEHMNPRV-Y]?) [0-9][ABD-HJLNP-UW-Z]{2})"
)
POSTCODE_RE = re.compile(rf"^{POSTCODE_PATTERN}$")
# What a lenient validator accepts; invalid postcodes made here fail this one too, so they are
# wrong for any sensible check, not only for the strict letter rules.
LENIENT_POSTCODE_RE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}$")


def normalise_postcode(value: str) -> str:
    """Upper case, inner spaces removed, one space before the inward code (``sw1a1aa`` -> ``SW1A 1AA``)."""
    compact = "".join((value or "").split()).upper()
    if len(compact) < 5:
        return compact
    return f"{compact[:-3]} {compact[-3:]}"


def postcode_is_valid(value: str) -> bool:
    """True when ``value``, normalised, has the format of a UK postcode."""
    return bool(POSTCODE_RE.match(normalise_postcode(value)))


def make_invalid_postcode(rng: random.Random, valid: str) -> str:
    """A plausible-looking mistyping of ``valid`` that no postcode check accepts."""
    outward, inward = valid.split(" ")
    candidates = [
        f"{outward} {inward}{rng.choice('ABDEFGHJ')}",  # an extra letter
        f"{outward} {inward[:2]}",  # the last letter lost
        f"{outward}{rng.randrange(10)}{rng.randrange(10)} {inward}",  # district too long
        f"{rng.randrange(10)}{outward} {inward}",  # starts with a digit
        f"{outward} {inward[0]}{rng.randrange(10)}{inward[2]}",  # digit for a unit letter
        outward,  # the inward code left off
    ]
    rng.shuffle(candidates)
    for candidate in candidates:
        compact = candidate.replace(" ", "")
        if not POSTCODE_RE.match(normalise_postcode(candidate)) and not LENIENT_POSTCODE_RE.match(compact):
            return candidate
    raise AssertionError(f"no invalid variant of {valid!r}")  # unreachable: the first two always qualify

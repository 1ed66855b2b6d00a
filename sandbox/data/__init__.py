"""Synthetic UK data for the sandbox, deterministic from a seed.

Every maker takes a ``random.Random`` (and, where names or postcodes are needed, a
``Faker("en_GB")`` from ``make_faker``), never the global random state, so the same seed
always gives the same people. Nothing here is real: NHS numbers are in the ``999`` test
range, phone numbers in Ofcom's drama ranges, e-mail domains end in ``.example``.

Modules:

``nhs``            NHS numbers with a Modulus 11 check digit, and mistyped ones
``postcodes``      the postcode format check (``POSTCODE_RE``) and malformed postcodes
``people``         children, addresses, referrers, clinicians
``organisations``  schools, referrers' organisations, suppliers with VAT numbers, cost centres
``concerns``       concern categories and age-fitting free-text details
``places``         the fictional borough: towns, streets, the council
"""

from __future__ import annotations

from .concerns import CONCERN_CATEGORIES, choose_concern
from .nhs import (
    format_nhs_number,
    make_invalid_nhs_number,
    make_nhs_number,
    nhs_check_digit,
    nhs_number_is_valid,
    normalise_nhs_number,
)
from .organisations import (
    COST_CENTRES,
    CostCentre,
    School,
    Supplier,
    make_schools,
    make_suppliers,
    make_vat_number,
    vat_number_is_valid,
)
from .people import (
    GENDERS,
    REFERRER_ROLES,
    Address,
    Child,
    Clinician,
    Referrer,
    make_address,
    make_child,
    make_clinicians,
    make_faker,
    make_referrer,
)
from .postcodes import (
    LENIENT_POSTCODE_RE,
    POSTCODE_PATTERN,
    POSTCODE_RE,
    make_invalid_postcode,
    normalise_postcode,
    postcode_is_valid,
)

__all__ = [
    "CONCERN_CATEGORIES", "COST_CENTRES", "GENDERS", "LENIENT_POSTCODE_RE", "POSTCODE_PATTERN", "POSTCODE_RE", "REFERRER_ROLES",
    "Address", "Child", "Clinician", "CostCentre", "Referrer", "School", "Supplier",
    "choose_concern", "format_nhs_number", "make_address", "make_child", "make_clinicians", "make_faker", "make_invalid_nhs_number",
    "make_invalid_postcode", "make_nhs_number", "make_referrer", "make_schools", "make_suppliers", "make_vat_number",
    "nhs_check_digit", "nhs_number_is_valid", "normalise_nhs_number", "normalise_postcode", "postcode_is_valid",
    "vat_number_is_valid",
]

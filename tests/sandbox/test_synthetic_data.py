"""The synthetic data the generator is made of: NHS numbers, postcodes, VAT numbers, people."""

from __future__ import annotations

import random
from datetime import date

import pytest

from sandbox.data import (
    LENIENT_POSTCODE_RE,
    POSTCODE_RE,
    make_child,
    make_faker,
    make_invalid_nhs_number,
    make_invalid_postcode,
    make_nhs_number,
    make_referrer,
    make_schools,
    make_vat_number,
    nhs_check_digit,
    nhs_number_is_valid,
    normalise_postcode,
    postcode_is_valid,
    vat_number_is_valid,
)


@pytest.mark.parametrize("number, valid", [
    ("9434765919", True),  # the example NHS England's documentation uses
    ("943 476 5919", True),
    ("943-476-5919", True),
    ("9434765918", False),
    ("943476591", False),
    ("94347659190", False),
    ("94347659x9", False),
    ("", False),
])
def test_nhs_number_check_digit(number, valid):
    assert nhs_number_is_valid(number) is valid


def test_a_remainder_of_ten_means_no_valid_number():
    # 1*10 + 0 + ... + 0 + 1*2 = 12 -> 12 mod 11 = 1 -> 11 - 1 = 10: never issued
    assert nhs_check_digit("100000001") is None
    assert not any(nhs_number_is_valid(f"100000001{d}") for d in range(10))


def test_made_nhs_numbers_are_valid_test_numbers_and_invalid_ones_are_not():
    rng = random.Random(1)
    for _ in range(2000):
        good, bad = make_nhs_number(rng), make_invalid_nhs_number(rng)
        assert good.startswith("999") and len(good) == 10 and nhs_number_is_valid(good)
        assert bad.startswith("999") and len(bad) == 10 and bad.isdigit() and not nhs_number_is_valid(bad)


@pytest.mark.parametrize("postcode, valid", [
    ("SW1A 1AA", True), ("sw1a1aa", True), ("M1 1AE", True), ("B33 8TH", True), ("CR2 6XH", True),
    ("DN55 1PT", True), ("EC1A 1BB", True), ("GIR 0AA", True),
    ("SW1A 1AAA", False), ("M1", False), ("1M1 1AA", False), ("QA1 1AA", False), ("M1 1A5", False), ("", False),
])
def test_postcode_format(postcode, valid):
    assert postcode_is_valid(postcode) is valid


def test_invalid_postcodes_fail_strict_and_lenient_checks():
    rng, fake = random.Random(2), make_faker(2)
    for _ in range(1000):
        good = fake.postcode()
        assert POSTCODE_RE.match(good)
        bad = make_invalid_postcode(rng, good)
        assert not postcode_is_valid(bad)
        assert not LENIENT_POSTCODE_RE.match(normalise_postcode(bad).replace(" ", ""))


def test_vat_numbers_pass_the_hmrc_check():
    rng = random.Random(3)
    numbers = [make_vat_number(rng) for _ in range(500)]
    assert all(vat_number_is_valid(n) for n in numbers)
    assert not vat_number_is_valid("GB 123 4567 00")


def test_children_are_0_to_17_with_a_school_that_takes_their_age():
    rng, fake = random.Random(4), make_faker(4)
    today = date(2026, 1, 14)
    schools = {s.name: s for s in make_schools(rng)}
    for _ in range(500):
        child = make_child(rng, fake, today, list(schools.values()))
        age = (today - child.dob).days // 365
        assert 0 <= age <= 17 and child.dob < today
        assert nhs_number_is_valid(child.nhs_number) and POSTCODE_RE.match(child.address.postcode)
        if child.school:
            assert schools[child.school].min_age <= age <= schools[child.school].max_age
        assert child.as_world_record()["dob"] == child.dob.isoformat()


def test_referrers_fit_the_age_and_cannot_be_reached():
    rng, fake = random.Random(5), make_faker(5)
    for age in range(18):
        for _ in range(30):
            referrer = make_referrer(rng, fake, "Fernlea Primary School" if 4 <= age <= 11 else "", age)
            assert referrer.email.endswith(".example")
            assert referrer.phone.startswith(("01632 960", "07700 900"))
            if referrer.role == "Midwife":
                assert age == 0
            if referrer.role in ("Teacher", "Designated safeguarding lead"):
                assert referrer.organisation == "Fernlea Primary School"


def test_same_seed_same_people_and_the_global_random_is_untouched():
    state = random.getstate()
    made = [make_child(random.Random(9), make_faker(9), date(2026, 1, 14), make_schools(random.Random(9)))
            for _ in range(2)]
    assert made[0] == made[1]
    assert random.getstate() == state

"""The case management system driven through its pages in Chromium, as a person or a bot would:
fields found by their labels, dates typed as dd/mm/yyyy, answers read back from the pages."""

from __future__ import annotations

import csv
import io
import re

import pytest

from sandbox.casesystem import seed
from sandbox.web import db_path

pytestmark = pytest.mark.timeout(120)


def nhs(body: str) -> str:
    """A valid NHS number from nine digits (Modulus 11), as 'ddd ddd dddd'."""
    total = sum(int(d) * w for d, w in zip(body, range(10, 1, -1)))
    check = (11 - total % 11) % 11
    assert check != 10, "pick another body: this one has no valid check digit"
    digits = body + str(check)
    return f"{digits[:3]} {digits[3:6]} {digits[6:]}"


CHILDREN = [
    {"forename": "Poppy", "surname": "Testwood", "dob": "2016-04-09", "gender": "Female", "nhs_number": nhs("999000001"),
     "address_line1": "12 Example Road", "town": "Riverside", "postcode": "RV1 4AB", "school": "Riverside Primary"},
    {"forename": "Alfie", "surname": "Testwood", "dob": "2013-11-30", "gender": "Male", "nhs_number": nhs("999000002"),
     "address_line1": "12 Example Road", "town": "Riverside", "postcode": "RV1 4AB", "school": "Riverside Academy"},
    {"forename": "Zoë", "surname": "Ó Samplé", "dob": "2018-01-02", "gender": "Female", "nhs_number": nhs("999000003"),
     "address_line1": "3 Fictional Close", "town": "Millbrook", "postcode": "MB2 9XY", "school": ""},
]
DIARY = [
    {"nhs_number": CHILDREN[0]["nhs_number"], "starts_at": "2026-03-02T09:30:00", "clinician": "Dr Ada Sample",
     "kind": "Initial assessment", "status": "booked"},
    {"nhs_number": CHILDREN[0]["nhs_number"], "starts_at": "2026-03-16T14:00:00+00:00", "clinician": "Dr Ada Sample",
     "kind": "Group session", "status": "cancelled"},
]
WORLD = {"case_system": {"children": CHILDREN, "diary": DIARY}}


@pytest.fixture
def seeded(casesystem):
    counts = seed.load(db_path("casesystem"), WORLD)
    assert counts["children"] == 3 and counts["diary"] == 2
    return casesystem


def test_seed_is_idempotent(seeded):
    again = seed.load(db_path("casesystem"), WORLD)
    assert again == {"children": 0, "diary": 0}


def test_a_child_is_found_by_surname_and_date_of_birth(seeded, page, login):
    login(page, seeded.url)
    page.get_by_label("Surname").fill("testwood")
    page.get_by_label("Date of birth").fill("09/04/2016")
    page.get_by_role("button", name="Find child").click()
    rows = page.locator("#child-results tr")
    assert rows.count() == 2  # header + Poppy only, not her brother
    assert "TESTWOOD" in rows.nth(1).inner_text() and "Poppy" in rows.nth(1).inner_text()
    # Accents and case do not get in the way.
    page.get_by_label("Surname").fill("ó samplé")
    page.get_by_label("Date of birth").fill("02/01/2018")
    page.get_by_role("button", name="Find child").click()
    assert "Zoë" in page.locator("#child-results").inner_text()
    # A date typed the wrong way round is refused with a message in red at the top.
    page.get_by_label("Date of birth").fill("2018-01-02")
    page.get_by_role("button", name="Find child").click()
    assert "Date of birth must be a date in the format dd/mm/yyyy" in page.locator(".errors").inner_text()


def test_a_field_without_id_is_found_by_its_label(casesystem, page, login):
    login(page, casesystem.url)
    page.goto(f"{casesystem.url}/children/new")
    field = page.get_by_label("NHS number")
    assert field.get_attribute("id") is None and field.get_attribute("name") == "f_05"
    field.fill("999 000 0018")
    assert page.locator("input[name=f_05]").input_value() == "999 000 0018"


def fill_referral(page, *, external_ref: str, category: str = "Neglect") -> str:
    """From the referrer page to the saved referral; returns the case reference shown."""
    page.get_by_label("External reference").fill(external_ref)
    page.get_by_label("Referrer name").fill("Sam Example")
    page.get_by_label("Referrer role").select_option("Teacher")
    page.get_by_label("Organisation").fill("Riverside Primary")
    page.get_by_label("Telephone").fill("01632 960 123")
    page.get_by_label("Email").fill("s.example@riversideprimary.example")
    page.get_by_role("button", name="Next").click()
    page.get_by_label(category, exact=True).check()
    page.get_by_label("Young carer").check()
    page.get_by_label("Parental mental ill health").check()
    page.get_by_label("Details of concerns").fill("Often arrives hungry; has missed two health appointments.")
    page.get_by_role("button", name="Next").click()
    page.get_by_label("Yes").check()
    page.get_by_label("Date consent given").fill("05/01/2026")
    page.get_by_role("button", name="Next").click()
    assert page.get_by_role("heading", name="Check your answers").is_visible()
    page.get_by_role("button", name="Save referral").click()
    case_ref = page.locator("#case-reference").inner_text()
    assert re.fullmatch(r"CR-\d{4}-\d{6}", case_ref)
    return case_ref


def test_a_referral_made_through_the_pages_is_found_by_its_references(seeded, page, login):
    login(page, seeded.url)
    page.get_by_role("link", name="New referral").click()
    # The child page of the referral: search, then pick the child.
    page.get_by_label("Surname").fill("Testwood")
    page.get_by_label("Date of birth").fill("30/11/2013")
    page.get_by_role("button", name="Search").click()
    page.get_by_label("TESTWOOD, Alfie").check()
    page.get_by_role("button", name="Use selected child").click()
    case_ref = fill_referral(page, external_ref="WEB-2026-0042")
    details = page.locator("#referral-details").inner_text()
    for expected in ("WEB-2026-0042", "Teacher", "Riverside Primary", "Neglect", "Young carer", "05/01/2026",
                     "TESTWOOD, Alfie"):
        assert expected in details

    for reference in ("web-2026-0042", case_ref):  # by its external reference (any case) and its case reference
        page.goto(f"{seeded.url}/")
        page.get_by_label("Referral reference").fill(reference)
        page.get_by_role("button", name="Find referral").click()
        results = page.locator("#referral-results").inner_text()
        assert case_ref in results and "WEB-2026-0042" in results
    page.get_by_role("link", name=case_ref).click()
    page.get_by_role("link", name="TESTWOOD, Alfie").click()
    assert case_ref in page.locator("#child-referrals").inner_text()


def test_a_referral_for_a_new_child_creates_the_child_on_the_way(casesystem, page, login):
    login(page, casesystem.url)
    page.goto(f"{casesystem.url}/referrals/new")
    page.get_by_label("Surname").fill("Newcombe")
    page.get_by_label("Date of birth").fill("14/07/2019")
    page.get_by_role("button", name="Search").click()
    assert "No matching children" in page.content()
    page.get_by_role("link", name="Create a new child record").click()
    assert page.get_by_label("Surname").input_value() == "Newcombe"  # carried over from the search
    page.get_by_role("button", name="Save child").click()
    errors = page.locator(".errors").inner_text()
    assert "Enter the child's forename" in errors and "Enter the NHS number" in errors
    page.get_by_label("Forename").fill("Ivy")
    page.get_by_label("Gender").select_option("Female")
    page.get_by_label("NHS number").fill(nhs("999000004"))
    page.get_by_label("Address line 1").fill("7 Imaginary Lane")
    page.get_by_label("Town").fill("Riverside")
    page.get_by_label("Postcode").fill("rv3 1zz")
    page.get_by_label("School").fill("Millbrook Infants")
    page.get_by_role("button", name="Save child").click()
    assert page.get_by_role("heading", name="New referral: the referrer").is_visible()
    case_ref = fill_referral(page, external_ref="PDF-0007", category="Emotional wellbeing")
    assert "NEWCOMBE, Ivy" in page.locator("#referral-details").inner_text()

    page.goto(f"{casesystem.url}/?surname=Newcombe&dob=14/07/2019")
    assert "RV3 1ZZ" in page.locator("#child-results").inner_text()
    page.get_by_role("link", name="View").click()
    assert case_ref in page.locator("#child-referrals").inner_text()


def test_referral_pages_refuse_bad_answers_with_messages(seeded, page, login):
    login(page, seeded.url)
    page.goto(f"{seeded.url}/children/1")
    page.get_by_role("link", name="New referral for this child").click()
    page.get_by_label("Telephone").fill("12")
    page.get_by_label("Email").fill("not-an-address")
    page.get_by_role("button", name="Next").click()
    errors = page.locator(".errors").inner_text()
    for message in ("Enter the referrer's name", "Select the referrer's role", "Telephone number must be 10 to 13",
                    "Email address is not valid"):
        assert message in errors
    # Skipping ahead to the check page sends you back to what is missing.
    page.goto(page.url.replace("/referrer", "/check"))
    assert page.get_by_role("heading", name="New referral: the referrer").is_visible()
    assert "Please complete this page first." in page.locator(".flash").inner_text()


def test_diary_add_cancel_and_export(seeded, page, login):
    login(page, seeded.url)
    page.goto(f"{seeded.url}/children/1")
    page.get_by_role("link", name="Appointment diary").click()
    diary = page.locator("#diary")
    assert "02/03/2026" in diary.inner_text() and "Group session" in diary.inner_text()  # seeded, kind kept

    page.get_by_label("Appointment date").fill("20/04/2026")
    page.get_by_label("Appointment time").fill("10:15")
    page.get_by_label("Clinician").fill("Mx Rowan Placeholder")
    page.get_by_label("Appointment type").select_option("Follow-up")
    page.get_by_role("button", name="Add appointment").click()
    assert "Appointment added for 20/04/2026 at 10:15." in page.locator(".flash").inner_text()
    row = page.locator("#diary tr", has_text="20/04/2026")
    assert "booked" in row.inner_text()

    page.get_by_label("Appointment date").fill("20/04/2026")
    page.get_by_label("Appointment time").fill("25:00")
    page.get_by_role("button", name="Add appointment").click()
    assert "hh:mm" in page.locator(".errors").inner_text()

    row.get_by_role("button", name="Cancel").click()
    assert "cancelled" in page.locator(".flash").inner_text()
    assert "cancelled" in page.locator("#diary tr", has_text="20/04/2026").inner_text()

    page.get_by_role("link", name="Diary export").click()
    with page.expect_download() as info:
        page.get_by_role("link", name="Download diary (CSV)").click()
    rows = list(csv.DictReader(io.StringIO(open(info.value.path(), encoding="utf-8").read())))
    assert [(r["Date"], r["Time"], r["Status"]) for r in rows] == [
        ("02/03/2026", "09:30", "booked"), ("16/03/2026", "14:00", "cancelled"), ("20/04/2026", "10:15", "cancelled"),
    ]
    assert rows[0]["NHS number"] == CHILDREN[0]["nhs_number"].replace(" ", "")


def test_forms_offer_every_value_the_generator_writes():
    """The generator's referral values must be choosable in the case system's dropdowns and radios."""
    data = pytest.importorskip("sandbox.data")
    from sandbox.casesystem import schema

    assert set(data.GENDERS) <= set(schema.GENDERS)
    assert set(data.REFERRER_ROLES) <= set(schema.REFERRER_ROLES)
    categories = getattr(data, "CONCERN_CATEGORIES", None)
    if categories is None:
        from sandbox.data.concerns import CONCERN_CATEGORIES as categories
    assert set(categories) <= set(schema.CONCERN_CATEGORIES)

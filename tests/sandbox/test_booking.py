"""The booking system driven through its pages in Chromium, as a person or a bot would: the list and
its filters, a booking's actions, and the export downloaded with the quirks of a real one."""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from datetime import date, datetime, timedelta
from pathlib import Path

import openpyxl
import pytest
from playwright.sync_api import expect

from sandbox.booking import exports, seed
from sandbox.web import ChaosSettings, db_path

pytestmark = pytest.mark.timeout(120)
EXPORT_SEED = 7  # with these 80 bookings it gives every quirk, a duplicated row included
CLINICIANS = ("Dr Ada Sample", "Mx Rowan Placeholder", "Ms Jo Fictional")
NAMES = (("Poppy", "Testwood"), ("Zoë", "Ó Samplé"), ("Alfie", "Examplefield"), ("Ravi", "Mockford"))
STATUSES = ("attended", "booked", "did not attend", "cancelled")


def nhs(n: int) -> str:
    """A valid NHS number (Modulus 11) near 999 000 000 + n."""
    while True:
        body = f"{999_000_000 + n:09d}"
        total = sum(int(d) * w for d, w in zip(body, range(10, 1, -1)))
        check = (11 - total % 11) % 11
        if check != 10:
            return body + str(check)
        n += 1000


def make_bookings(count: int = 80) -> list[dict[str, str]]:
    """``count`` synthetic bookings in March 2026, eight a day, weekdays and a few Saturdays."""
    out = []
    for i in range(count):
        forename, surname = NAMES[i % len(NAMES)]
        starts = datetime(2026, 3, 2, 9, 0) + timedelta(days=i // 8, minutes=45 * (i % 8))
        out.append({"booking_ref": f"EHS-{100_001 + i}", "child_forename": forename, "child_surname": surname,
                    "dob": f"{2010 + i % 8}-0{1 + i % 9}-1{i % 10}", "nhs_number": nhs(i),
                    "starts_at": starts.isoformat(timespec="seconds"), "clinician": CLINICIANS[i % 3],
                    "status": STATUSES[i % 4],
                    "created_at": (starts - timedelta(days=10, minutes=7 * i, seconds=i)).isoformat()})
    return out


WORLD = {"booking_system": {"bookings": make_bookings()}}


@pytest.fixture
def booking(start_system):
    system = start_system("booking", chaos=ChaosSettings(seed=EXPORT_SEED))
    assert seed.load(db_path("booking"), WORLD) == {"bookings": 80}
    return system


def download(page, url: str, fmt: str, first: str = "01/03/2026", last: str = "31/03/2026"):
    """Export through the export page; the Playwright download."""
    page.goto(f"{url}/export")
    page.get_by_label("From date").fill(first)
    page.get_by_label("To date").fill(last)
    page.get_by_label("CSV" if fmt == "csv" else "Excel workbook").check()
    with page.expect_download() as info:
        page.get_by_role("button", name="Export").click()
    return info.value


def date_style(text: str) -> str:
    for name, pattern in (("dd/mm/yyyy HH:MM", r"\d{2}/\d{2}/\d{4} \d{2}:\d{2}"),
                          ("yyyy-mm-dd HH:MM:SS", r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}"),
                          ("d Mon yyyy H:MMam", r"\d{1,2} [A-Z][a-z]{2} \d{4} \d{1,2}:\d{2}[ap]m")):
        if re.fullmatch(pattern, text):
            return name
    raise AssertionError(f"an unexpected date format: {text!r}")


def test_seed_is_idempotent(booking):
    assert seed.load(db_path("booking"), WORLD) == {"bookings": 0}


def test_the_list_filters_by_dates_clinician_status_and_search(booking, page, login):
    login(page, booking.url)
    assert "Showing 1-50 of 80 bookings (page 1 of 2)" in page.locator("#result-count").inner_text()
    page.get_by_label("Appointments from").fill("02/03/2026")
    page.get_by_label("to", exact=True).fill("04/03/2026")
    page.get_by_label("Clinician").select_option("Dr Ada Sample")
    page.get_by_label("Status").select_option(label="Did not attend")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url("**status=did+not+attend**")
    rows = page.locator("#bookings tr").all_inner_texts()[1:]
    expected = [b for b in WORLD["booking_system"]["bookings"] if b["starts_at"] < "2026-03-05"
                and b["clinician"] == "Dr Ada Sample" and b["status"] == "did not attend"]
    assert len(rows) == len(expected) > 0
    assert all("Dr Ada Sample" in r and "Did not attend" in r for r in rows)
    page.goto(f"{booking.url}/?q={WORLD['booking_system']['bookings'][5]['nhs_number']}")
    assert "EHS-100006" in page.locator("#bookings").inner_text() and page.locator("#bookings tr").count() == 2
    page.goto(f"{booking.url}/?date_from=31/02/2026")
    assert "From date is not a real date" in page.locator(".errors").inner_text()


def test_the_csv_export_has_the_quirks_of_a_real_export(booking, page, login):
    login(page, booking.url)
    got = download(page, booking.url, "csv")
    assert got.suggested_filename == "bookings_20260301_20260331.csv"
    data = Path(got.path()).read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and b"\r\n" in data  # a byte-order mark, Windows line ends
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert tuple(rows[0]) == ("Booking Ref", "Client First Name", "Client Surname", "DOB", "NHS No.",
                              "Appointment Date/Time", "Clinician", "Status", "Created")
    body = rows[1:]
    refs = Counter(r[0] for r in body)
    assert set(refs) == {b["booking_ref"] for b in WORLD["booking_system"]["bookings"]}
    assert any(n > 1 for n in refs.values()), "no duplicated row: pick another EXPORT_SEED"
    assert any(cell != cell.rstrip() for r in body for cell in r), "no trailing space: pick another EXPORT_SEED"
    styles = Counter(date_style(r[5]) for r in body)
    assert len(styles) >= 2 and styles.most_common(1)[0][0] == "dd/mm/yyyy HH:MM"
    assert {date_style(r[8]) for r in body} == set(styles)  # Created follows its row's style
    first = next(r for r in body if r[0] == "EHS-100001")
    assert first[1:3] == ["Poppy", "Testwood"] and first[4] == f"{nhs(0)[:3]} {nhs(0)[3:6]} {nhs(0)[6:]}"
    assert first[7].rstrip() == "Attended"
    assert "Zoë" in {r[1].rstrip() for r in body}  # UTF-8 survives


def test_the_same_seed_gives_the_same_bytes(booking, page, login):
    login(page, booking.url)
    one = Path(download(page, booking.url, "csv").path()).read_bytes()
    two = Path(download(page, booking.url, "csv").path()).read_bytes()
    assert one == two
    assert Path(download(page, booking.url, "xlsx").path()).read_bytes() == \
        Path(download(page, booking.url, "xlsx").path()).read_bytes()
    bookings = WORLD["booking_system"]["bookings"]
    assert exports.csv_bytes(bookings, EXPORT_SEED + 1) != exports.csv_bytes(bookings, EXPORT_SEED)
    # A booking's quirks do not depend on the range exported.
    narrow = Path(download(page, booking.url, "csv", "02/03/2026", "02/03/2026").path()).read_bytes()
    assert narrow.split(b"\r\n")[1:-1] == [line for line in one.split(b"\r\n")[1:-1] if b",02/03/2026" in line
                                           or b",2026-03-02 " in line or b",2 Mar 2026" in line]


def test_the_xlsx_export_opens_in_openpyxl(booking, page, login):
    login(page, booking.url)
    got = download(page, booking.url, "xlsx", "02/03/2026", "06/03/2026")
    assert got.suggested_filename.endswith(".xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(Path(got.path()).read_bytes())).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == tuple(exports.COLUMNS)
    chosen = [b for b in WORLD["booking_system"]["bookings"] if b["starts_at"] < "2026-03-07"]
    twice = sum(exports.quirks(b["booking_ref"], EXPORT_SEED).duplicated for b in chosen)
    assert len(rows) - 1 == len(chosen) + twice == 40 + twice
    assert all(isinstance(r[3], datetime) for r in rows[1:])  # DOB: real dates
    assert all(isinstance(r[8], str) for r in rows[1:])  # Created: text
    kinds = {type(r[5]) for r in rows[1:]}
    assert kinds == {datetime, str}  # Appointment Date/Time: mostly dates, some typed as text
    assert sheet.cell(row=2, column=6).number_format in ("dd/mm/yyyy hh:mm", "General")


def test_the_export_refuses_a_bad_range(booking, page, login):
    login(page, booking.url)
    page.goto(f"{booking.url}/export")
    page.get_by_label("From date").fill("31/03/2026")
    page.get_by_label("To date").fill("01/03/2026")
    page.get_by_role("button", name="Export").click()
    expect(page.locator(".errors")).to_contain_text("To date must not be before From date")
    page.get_by_label("From date").fill("2026-03-01")
    page.get_by_role("button", name="Export").click()
    expect(page.locator(".errors")).to_contain_text("From date must be a date in the format dd/mm/yyyy")
    got = download(page, booking.url, "csv", "01/01/2030", "02/01/2030")  # nothing booked: the header only
    assert Path(got.path()).read_bytes().decode("utf-8-sig").count("\r\n") == 1


def test_cancel_and_attendance_through_the_booking_page(booking, page, login):
    login(page, booking.url)
    page.goto(f"{booking.url}/?q=EHS-100002")
    page.get_by_role("link", name="EHS-100002").click()
    expect(page.locator("#booking-status")).to_have_text("Booked")
    page.get_by_role("button", name="Cancel booking").click()
    expect(page.locator(".flash")).to_contain_text("Booking EHS-100002 cancelled.")
    expect(page.locator("#booking-status")).to_have_text("Cancelled")
    assert page.get_by_role("button", name="Mark attended").count() == 0

    page.goto(f"{booking.url}/bookings/EHS-100006")  # booked, in the past: its outcome can be recorded
    page.get_by_role("button", name="Mark did not attend").click()
    expect(page.locator("#booking-status")).to_have_text("Did not attend")
    page.goto(f"{booking.url}/bookings/EHS-100001")  # attended: too late to cancel
    page.get_by_role("button", name="Mark did not attend").click()
    expect(page.locator(".flash")).to_contain_text("Booking EHS-100001 marked did not attend.")
    page.goto(f"{booking.url}/?q=EHS-100001")
    assert "Did not attend" in page.locator("#bookings").inner_text()


def test_a_post_without_the_form_token_is_refused(booking, page, login):
    login(page, booking.url)
    refused = page.request.post(f"{booking.url}/bookings/EHS-100002/cancel", form={"note": "no token"})
    assert refused.status == 403 and "Invalid or missing form token" in refused.text()
    page.goto(f"{booking.url}/bookings/EHS-100002")
    assert page.locator("#booking-status").inner_text() == "Booked"


def test_a_new_booking_gets_a_reference_and_a_future_one_cannot_be_attended(booking, page, login):
    login(page, booking.url)
    page.get_by_role("link", name="New booking").click()
    page.get_by_label("Client first name").fill("Ivy")
    page.get_by_label("Client surname").fill("Newcombe")
    page.get_by_label("Date of birth").fill("14/07/2019")
    page.get_by_label("NHS number").fill("999 000 0011")
    later = date.today() + timedelta(days=30)
    page.get_by_label("Appointment date").fill(f"{later:%d/%m/%Y}")
    page.get_by_label("Appointment time").fill("9.30")
    page.get_by_label("Clinician").fill("Dr Ada Sample")
    page.get_by_role("button", name="Save booking").click()
    errors = page.locator(".errors").inner_text()
    assert "NHS number is not valid (check digit)" in errors and "hh:mm" in errors
    page.get_by_label("NHS number").fill(nhs(500))
    page.get_by_label("Appointment time").fill("09:30")
    page.get_by_role("button", name="Save booking").click()
    expect(page.locator(".flash")).to_contain_text("Booking EHS-500000 saved.")
    page.get_by_role("button", name="Mark attended").click()
    expect(page.locator(".errors")).to_contain_text(
        f"Booking EHS-500000 cannot be marked attended: the appointment is not until {later:%d/%m/%Y} at 09:30")

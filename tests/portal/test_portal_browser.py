"""The portal in a real browser: Chromium (Playwright) against uvicorn on a free port.

The data is one real night of the example process (runs with their logs, and the
BUSINESS failure MISSING_DATE_OF_BIRTH), plus an APPLICATION failure carrying a failure
screenshot attached as the referral bot attaches them. A supervisor finds that item
through the filters, sees the screenshot, retries it and downloads the daily workbook;
a viewer cannot retry, a forged POST is refused, an anonymous visitor meets the sign-in
page on every route, and a payload holding a script shows as text.
"""

from __future__ import annotations

import io
import re
import struct
import zlib
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import pytest
from openpyxl import load_workbook
from starlette.routing import Route
from portalserver import Server

from portal.app import create_app
from portal.report_xlsx import DATE_FORMAT, SUMMARY_HEADERS, TIME_FORMAT
from portal.users import Users
from workitems import ExceptionType, State

pytestmark = pytest.mark.slow  # about 35 s: a real run of the example process, then Chromium

PASSWORD = "a long enough password"
SCRIPT = "<script>window.__pwned=1</script>"
# Values for the path parameters of every route, when visiting them all.
SAMPLES = {"queue": "example-work", "item_id": "1", "run_id": "20261126T013000-example", "path": "1-step/log.html",
           "name": "failure.png", "day": "2026-11-26"}


def png(width: int, height: int) -> bytes:
    """A small grey PNG, as a robot's failure screenshot would be (no Pillow needed)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\xcc\xcc\xcc" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


@pytest.fixture(scope="module")
def night(example_run):
    """One real run of the example process, an APPLICATION failure with its screenshot, three users."""
    store, run = example_run.store, example_run.run
    (business,) = store.list("example-work", state=State.FAILED)
    assert business.exception.code == "MISSING_DATE_OF_BIRTH"

    # What the referral bot leaves when the case system keeps failing: the last try's
    # screenshot (Take Failure Screenshot's name) attached, then an APPLICATION failure.
    store.configure_queue("example-work", {"max_attempts": 1})
    failed, _ = store.add("example-work", {"reference": "EX-0006", "child_name": "Test Child 006",
                                           "date_of_birth": "2017-05-30", "service": "Short breaks"})
    worker = f"{run.run_id}-2-example-consumer@test"
    assert store.claim("example-work", worker).id == failed.id
    store.add_file(failed.id, "EX-0006-20261126-013512-001.png", png(64, 40))
    store.fail(failed.id, worker, ExceptionType.APPLICATION, "SystemBusy",
               "The case system showed 'Service busy' on /children/new after 3 tries")
    assert store.get(failed.id).state is State.FAILED

    users = Users(store)
    for name, role in (("sam.super", "supervisor"), ("vic.viewer", "viewer")):
        users.add(name, role, PASSWORD)
    app = create_app(store)
    with Server(app) as url:
        yield SimpleNamespace(store=store, app=app, url=url, run=run, business=business,
                              application=store.get(failed.id))


def sign_in(page, url: str, name: str) -> None:
    page.goto(f"{url}/")
    assert page.url.startswith(f"{url}/login"), page.url  # sent to sign in first
    page.get_by_label("Name").fill(name)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{url}/")
    assert page.get_by_role("heading", name="Overview").is_visible()


def test_a_supervisor_finds_a_failure_sees_its_screenshot_retries_it_and_downloads_the_report(night, page):
    store, item = night.store, night.application
    sign_in(page, night.url, "sam.super")

    page.get_by_role("link", name="example-work", exact=True).click()
    page.wait_for_url(f"{night.url}/queues/example-work")
    assert "of 6, newest first" in page.get_by_role("status").inner_text()
    page.get_by_label("State").select_option("failed")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url(re.compile(r"state=failed"))
    rows = page.locator("table.items tbody tr")
    assert rows.count() == 2  # the BUSINESS and the APPLICATION failure
    page.get_by_label("Exception").select_option("APPLICATION")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url(re.compile(r"state=failed.*exception_type=APPLICATION"))
    assert rows.count() == 1 and "SystemBusy" in rows.first.inner_text()
    page.get_by_role("link", name=str(item.id), exact=True).click()
    page.wait_for_url(f"{night.url}/items/{item.id}")

    assert "SystemBusy" in page.locator("p.error").inner_text()
    shot = page.locator("img.screenshot")
    shot.scroll_into_view_if_needed()
    page.wait_for_function("img => img.complete", arg=shot.element_handle())
    assert shot.evaluate("img => img.naturalWidth") == 64
    assert page.locator("dd.state-failed").inner_text() == "failed"

    page.get_by_role("button", name="Retry", exact=True).click()
    page.wait_for_url(f"{night.url}/items/{item.id}")
    assert "put back to pending" in page.locator("p.flash").inner_text()
    assert page.locator("dd.state-pending").inner_text() == "pending"
    assert page.get_by_role("button", name="Retry", exact=True).count() == 0
    assert store.get(item.id).state is State.PENDING

    page.get_by_role("link", name="Reports").click()
    page.wait_for_url(f"{night.url}/reports")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the workbook (XLSX)").click()
    assert download.value.suggested_filename == f"nightshift-report-{date.today().isoformat()}.xlsx"
    book = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))  # the path has no .xlsx
    summary = book["Summary"]
    assert summary["B2"].value.date() == date.today() and summary["B2"].number_format == DATE_FORMAT
    headers = [c.value for c in summary[5]]
    assert headers == SUMMARY_HEADERS
    row = next(r for r in summary.iter_rows(min_row=6, values_only=True) if r[0] == "example-work")
    counts = store.stats()["example-work"]
    by = dict(zip(headers, row))
    assert by["created"] == sum(counts.values()) == 6
    assert (by["now pending"], by["now done"], by["now failed"]) == (counts["pending"], counts["done"],
                                                                     counts["failed"]) == (1, 4, 1)
    sheet = book[by["sheet"]]
    assert [c.value for c in sheet[1]][7] == "created"
    assert sheet["H2"].is_date and sheet["H2"].number_format == TIME_FORMAT


def test_a_viewer_cannot_retry_a_forged_post_is_refused_and_anonymous_visitors_meet_the_sign_in_page(
        night, page, browser):
    store, item = night.store, night.business
    retry_url = f"{night.url}/items/{item.id}/retry"
    sign_in(page, night.url, "vic.viewer")
    page.goto(f"{night.url}/items/{item.id}")
    assert "MISSING_DATE_OF_BIRTH" in page.locator("p.error").inner_text()
    assert page.get_by_role("button", name="Retry", exact=True).count() == 0
    assert page.get_by_role("button", name="Reveal").count() == 1  # the page is there, only the action is not
    token = page.locator("input[name=csrf]").first.input_value()

    # page.request carries the browser context's session cookie: these are the portal's
    # answers to a signed-in viewer (the role is checked first), not a redirect to sign in.
    for form in ({}, {"csrf": "forged"}, {"csrf": token}):
        response = page.request.post(retry_url, form=form, max_redirects=0)
        assert response.status == 403 and "needs the supervisor role" in response.text(), (form, response.status)
    # A supervisor's session with a missing or wrong token shows the token being checked.
    supervisor = browser.new_context()
    try:
        sam = supervisor.new_page()
        sign_in(sam, night.url, "sam.super")
        for form in ({}, {"csrf": "forged"}):
            response = sam.request.post(retry_url, form=form, max_redirects=0)
            assert response.status == 403 and "security token" in response.text(), (form, response.status)
    finally:
        supervisor.close()
    assert store.get(item.id).state is State.FAILED
    assert [h.event for h in store.history(item.id)][-1] == "failed"

    anonymous = browser.new_context()
    try:
        visitor = anonymous.new_page()
        visitor.set_default_timeout(15_000)
        routes = [r for r in night.app.routes if isinstance(r, Route) and "GET" in (r.methods or ())]
        assert len(routes) > 10
        for route in routes:
            url = night.url + re.sub(r"\{(\w+)(?::\w+)?\}", lambda m: SAMPLES.get(m.group(1), "x"), route.path)
            if route.path.removeprefix("/api") in ("/chat", "/chat/embed"):
                continue  # the public chatbot: tests/portal/test_chat*.py
            response = visitor.goto(url)
            if route.path == "/healthz":
                assert response.status == 200 and visitor.content().count("ok") == 1
            elif route.path.startswith("/api/") and route.path != "/api/login":
                assert response.status == 401, (url, response.status)
                assert response.json() == {"error": "sign in first (POST /login)"}
            elif route.path == "/api/login":
                assert response.json()["user"] is None
            else:
                assert visitor.url.startswith(f"{night.url}/login"), (route.path, visitor.url)
                assert visitor.get_by_role("heading", name="Sign in").is_visible(), route.path
                assert visitor.get_by_role("link", name="Overview").count() == 0
    finally:
        anonymous.close()


def test_a_payload_holding_a_script_shows_as_text(night, page):
    store = night.store
    item, _ = store.add("referrals", {"reference": "RF-0042", "child_name": SCRIPT, "service": "Short breaks"},
                        reference="RF-0042")
    sign_in(page, night.url, "vic.viewer")
    page.goto(f"{night.url}/items/{item.id}")
    cell = page.locator("table.payload tr", has_text="child_name").locator("td")
    assert cell.inner_text() == "••••"
    page.get_by_role("button", name="Reveal").click()
    page.wait_for_url(f"{night.url}/items/{item.id}?revealed=1")
    assert cell.inner_text() == SCRIPT
    assert page.locator("table.payload script").count() == 0
    assert page.evaluate("typeof window.__pwned") == "undefined"

"""Automation bids in a real browser: Chromium (Playwright) against uvicorn, one flow.

A member of staff proposes a process (first with 0 minutes per case, refused on the form),
attaches a process map and submits; an assessor enters the build effort, approves the bid
and puts it live on the example process; the ranked list and the business-case workbook
show it; then a real run of the example process, and the bid's page shows the hours its
bot saved beside the estimate.
"""

from __future__ import annotations

import io
import re
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select
from portalserver import Server

from portal.app import create_app
from portal.bids.workbook import BID_HEADERS
from portal.users import Users
from workitems.store.schema import bid_files as bid_files_t
from workitems.store.schema import bids as bids_t

pytestmark = pytest.mark.slow  # a real run of the example process, then Chromium: about 30 s

PASSWORD = "a long enough password"
PDF = b"%PDF-1.4\n% a process map, synthetic\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.fixture(scope="module")
def portal(tmp_path_factory):
    """An empty data folder of the module's own (SQLite), two users, the portal served."""
    from workitems.crypto import generate_key
    from workitems.store import open_store

    home = tmp_path_factory.mktemp("bids")
    env = {"NIGHTSHIFT_HOME": str(home), "NIGHTSHIFT_KEY": generate_key()}
    with pytest.MonkeyPatch.context() as mp:
        for name, value in env.items():
            mp.setenv(name, value)
        store = open_store(f"sqlite:///{home / 'nightshift.db'}")
        try:
            Users(store).add("sally.staff", "viewer", PASSWORD)
            Users(store).add("ada.assessor", "admin", PASSWORD)
            app = create_app(store)
            with Server(app) as url:
                yield SimpleNamespace(store=store, url=url, env=env)
        finally:
            store.close()


def sign_in(page, url: str, name: str, target: str) -> None:
    page.goto(f"{url}{target}")
    assert page.url.startswith(f"{url}/login"), page.url
    page.get_by_label("Name").fill(name)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{url}{target}")


def fill_bid(page, minutes: str) -> None:
    page.get_by_label("Team").fill("Referrals")
    page.get_by_label("Process name").fill("Key school-nurse referrals")
    page.get_by_label("Description").fill("Referral forms arrive as PDFs; each is keyed into the case system.")
    page.get_by_label("Case management system", exact=True).check()
    page.get_by_label("Other systems").fill("Shared mailbox")
    for label, value in (("Volume per month", "400"), ("Minutes per case by hand", minutes),
                         ("Share of cases that follow fixed rules", "90"),
                         ("Share of inputs that arrive structured", "70"), ("Changes to the process a year", "1"),
                         ("Error or rework rate", "5"), ("Peak periods", "September")):
        page.get_by_label(label).fill(value)
    page.get_by_label("personal data", exact=True).check()
    page.get_by_label("Attachments").set_input_files(
        {"name": "process-map.pdf", "mimeType": "application/pdf", "buffer": PDF})


def test_staff_bid_assessed_approved_live_ranked_in_the_workbook_and_measured_after_a_real_run(
        portal, browser, monkeypatch):
    url, store = portal.url, portal.store
    staff = browser.new_context()
    assessor = browser.new_context()
    try:
        page = staff.new_page()
        page.set_default_timeout(15_000)
        sign_in(page, url, "sally.staff", "/bids")
        page.get_by_role("link", name="Propose a process to automate").click()
        page.wait_for_url(f"{url}/bids/new")

        fill_bid(page, minutes="0")
        page.get_by_role("button", name="Submit bid").click()
        assert "Minutes per case by hand is 0: give a number above 0" in page.get_by_role("alert").inner_text()
        assert page.get_by_label("Process name").input_value() == "Key school-nurse referrals"
        with store.transaction() as conn:  # nothing saved half-way: no bid, no file
            assert conn.execute(select(func.count()).select_from(bids_t)).scalar_one() == 0
            assert conn.execute(select(func.count()).select_from(bid_files_t)).scalar_one() == 0

        fill_bid(page, minutes="6")  # the file input is empty again after a refusal, as in any browser
        page.get_by_role("button", name="Submit bid").click()
        page.wait_for_url(f"{url}/bids/1")
        assert "bid 1 submitted" in page.locator("p.flash").inner_text()
        assert page.locator("#potential").inner_text() == "73.7" and page.locator("#ease").inner_text() == "78.5"
        assert page.get_by_role("link", name="process-map.pdf").is_visible()
        page.get_by_label("Your comment").fill("The September intake doubles the volume.")
        page.get_by_role("button", name="Add comment").click()
        page.wait_for_url(re.compile(r"/bids/1"))

        ada = assessor.new_page()
        ada.set_default_timeout(15_000)
        sign_in(ada, url, "ada.assessor", "/bids/1")
        assert "The September intake doubles the volume." in ada.locator(".comment").first.inner_text()
        ada.get_by_label("Build effort (days)").fill("15")
        ada.get_by_role("button", name="Save build effort").click()
        ada.wait_for_url(f"{url}/bids/1")
        assert "7.5 months" in ada.locator("dl.benefit").inner_text()
        ada.get_by_label("Move to").select_option("approved")
        ada.get_by_label("Reason").fill("Pays back in 7.5 months")
        ada.get_by_role("button", name="Change state").click()
        ada.wait_for_url(f"{url}/bids/1")
        ada.get_by_label("Move to").select_option("live")
        ada.get_by_label("Bot (when live)").select_option("example")
        ada.get_by_label("Reason").fill("The example bot is in production")
        ada.get_by_role("button", name="Change state").click()
        ada.wait_for_url(f"{url}/bids/1")
        assert ada.locator("dd.bid-state").inner_text() == "live"
        history = ada.locator("table.history").inner_text()
        assert "approved → live" in history and "The example bot is in production" in history

        ada.get_by_role("link", name="Bids", exact=True).click()
        ada.wait_for_url(f"{url}/bids")
        row = ada.locator("table.bids tbody tr").first
        assert re.match(r"1\s+1 · Key school-nurse referrals\s+Referrals\s+live\s+73.7\s+78.5\s+76.1\s+432.0\s+0.26"
                        r"\s+10,800\s+7.5", row.inner_text()), row.inner_text()
        with ada.expect_download() as download:
            ada.get_by_role("link", name="Download the business case (XLSX)").click()
        book = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))
        cells = dict(zip(BID_HEADERS, (c.value for c in book["Bids"][2])))
        assert (cells["process"], cells["state"], cells["ranking score"], cells["hours saved a year"],
                cells["payback (months)"], cells["bot"]) == ("Key school-nurse referrals", "live", 76.1, 432.0, 7.5,
                                                             "example")

        # a real night of the example bot: 4 referrals done, 1 BUSINESS failure left for a person
        from scheduler.processes import get_process
        from scheduler.runner import run_process

        for name, value in portal.env.items():  # the module's data folder, not the test's own
            monkeypatch.setenv(name, value)
        run = run_process(get_process("example"), store)
        assert run.status == "PASS", run.to_dict()
        counts = store.stats()["example-work"]
        assert (counts["done"], counts["failed"]) == (4, 1)

        ada.goto(f"{url}/bids/1")
        assert ada.locator("#measured-hours").inner_text() == "0.4"  # 4 items × 6 minutes
        month = time.strftime("%b %Y")
        table = ada.locator("table.measured tbody tr").first.inner_text()
        assert re.match(rf"{month}\s+4\s+0\s+0.4\s+36.0", table), table  # estimate: 432 hours / 12
        chart = ada.locator("figure.chart svg")
        assert chart.get_attribute("aria-label").startswith("Hours saved by example each month")
        assert chart.locator("title", has_text=f"{month} measured: 0.4 h").count() == 1
        assert chart.locator("title", has_text=f"{month} estimate: 36 h").count() == 1
        ada.goto(f"{url}/")
        assert ada.locator("#bids-measured").inner_text() == "0.4"
    finally:
        staff.close()
        assessor.close()

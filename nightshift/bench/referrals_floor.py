"""The floor of ``nightshift bench referrals``: a bare Playwright script keying referrals into the case system.

What the referral robot does, with nothing around it: no Robot Framework, no work-item queue,
no diagnosis of each page, no retries. One Chromium, one login, then for each referral a fresh
browser context carrying the login's cookies (as the robot's ``New Item Context`` does) and the
same pages in the same order as ``robots/referrals/consumer.robot``:

1. the search page: find a referral by its reference (the robot's idempotency check);
2. ``/referrals/new``: the child page, search by surname and date of birth; choose the child whose
   NHS number matches, or create a new child record;
3. the referrer, concerns and consent pages, fields found by their labels;
4. the check page: save, and read the case reference back.

Run as a script, so that its time includes the interpreter's start, as the robot's does::

    CASE_SYSTEM_USERNAME=robot CASE_SYSTEM_PASSWORD=… \\
        python -m nightshift.bench.referrals_floor http://127.0.0.1:8700/ referrals.json

``referrals.json`` holds a list of normalised referrals (the manifest's ``expected`` values).
It prints one JSON object: ``keyed``, ``existing``, ``seconds`` (all of it), ``start_seconds``
(import, Chromium and login) and ``seconds_per_referral`` (the keying alone). A page that does
not come as expected stops it with an error: the floor measures the work, it does not survive chaos.
"""

from __future__ import annotations

import json
import os
import re
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any, Callable

STARTED = time.perf_counter()

from playwright.sync_api import Page, sync_playwright  # noqa: E402 - timed from the script's start

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
CONTEXT = {"locale": "en-GB", "timezone_id": "Europe/London", "viewport": {"width": 1024, "height": 900}}
# a page that takes longer fails the floor run; NIGHTSHIFT_BENCH_TIMEOUT_MS raises it on a loaded machine
TIMEOUT_MS = int(os.environ.get("NIGHTSHIFT_BENCH_TIMEOUT_MS") or 15_000)


def chromium() -> str | None:
    """The Chromium the robot uses: ``NIGHTSHIFT_CHROMIUM``, else Debian's, else Playwright's own."""
    for candidate in (os.environ.get("NIGHTSHIFT_CHROMIUM"), "/usr/bin/chromium"):
        if candidate and Path(candidate).exists():
            return candidate
    return None


def key_referrals(url: str, username: str, password: str, referrals: list[dict[str, Any]]) -> dict[str, Any]:
    """Key ``referrals`` into the case system at ``url``; the figures described in the module docstring."""
    base = url.rstrip("/")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium(), args=CHROMIUM_ARGS, headless=True)
        context = browser.new_context(**CONTEXT)
        page = context.new_page()
        page.goto(f"{base}/login", wait_until="domcontentloaded")
        page.get_by_label("Username", exact=True).fill(username)
        page.get_by_label("Password", exact=True).fill(password)
        _go(page, lambda: page.get_by_role("button", name="Log in", exact=True).click())
        if page.locator("input[type=password]").count():
            raise SystemExit("the case system refused the login: check CASE_SYSTEM_USERNAME and CASE_SYSTEM_PASSWORD")
        cookies = context.cookies()
        context.close()
        keying = time.perf_counter()
        existing = 0
        for referral in referrals:
            context = browser.new_context(**CONTEXT)
            context.add_cookies(cookies)
            context.set_default_timeout(TIMEOUT_MS)
            page = context.new_page()
            case_ref, found = key_one(page, base, referral)
            existing += found
            if not re.fullmatch(r"CR-\d{4}-\d{6}", case_ref):
                raise SystemExit(f"{referral['reference']}: no case reference came back")
            context.close()
        ended = time.perf_counter()
        browser.close()
    return {"keyed": len(referrals) - existing, "existing": existing, "seconds": round(ended - STARTED, 3),
            "start_seconds": round(keying - STARTED, 3),
            "seconds_per_referral": round((ended - keying) / max(len(referrals), 1), 4)}


def key_one(page: Page, base: str, r: dict[str, Any]) -> tuple[str, bool]:
    """One referral through the case system's pages; its case reference, and whether it was there already."""
    page.goto(f"{base}/", wait_until="domcontentloaded")
    page.get_by_label("Referral reference").fill(r["reference"])
    _go(page, lambda: page.get_by_role("button", name="Find referral", exact=True).click())
    if page.locator("#referral-results").count():
        return page.locator("#referral-results td a").first.inner_text().strip(), True

    page.goto(f"{base}/referrals/new", wait_until="domcontentloaded")
    dob = _uk(r["date_of_birth"])
    page.get_by_label("Surname").fill(r["child_surname"])
    page.get_by_label("Date of birth").fill(dob)
    _go(page, lambda: page.get_by_role("button", name="Search", exact=True).click())
    if not _choose_child(page, r["nhs_number"]):
        _go(page, lambda: page.get_by_role("link", name="Create a new child record").click())
        for label, field in (("Forename", "child_forename"), ("Surname", "child_surname"),
                             ("NHS number", "nhs_number"), ("Address line 1", "address_line1"), ("Town", "town"),
                             ("Postcode", "postcode"), ("School", "school")):
            page.get_by_label(label).fill(r[field])
        page.get_by_label("Date of birth").fill(dob)
        page.get_by_label("Gender").select_option(label=r["gender"])
        _go(page, lambda: page.get_by_role("button", name="Save child", exact=True).click())

    page.get_by_label("External reference").fill(r["reference"])
    page.get_by_label("Referrer name").fill(r["referrer_name"])
    page.get_by_label("Referrer role").select_option(label=r["referrer_role"])
    page.get_by_label("Organisation").fill(r["referrer_organisation"])
    page.get_by_label("Telephone").fill(r["referrer_phone"])
    page.get_by_label("Email").fill(r["referrer_email"])
    _go(page, lambda: page.get_by_role("button", name="Next", exact=True).click())

    page.locator("fieldset").filter(has=page.locator("legend", has_text="Category of concern")) \
        .get_by_label(r["concern_category"], exact=True).check()
    page.get_by_label("Details of concerns").fill(r["concern_details"])
    _go(page, lambda: page.get_by_role("button", name="Next", exact=True).click())

    page.get_by_label("Yes" if r["consent"] else "No", exact=True).check()
    page.get_by_label("Date consent given").fill(_uk(r["referral_date"]) if r["consent"] else "")
    _go(page, lambda: page.get_by_role("button", name="Next", exact=True).click())

    _go(page, lambda: page.get_by_role("button", name="Save referral", exact=True).click())
    return page.locator("#case-reference").inner_text().strip(), False


def _choose_child(page: Page, nhs_number: str) -> bool:
    """Tick the search result whose NHS number matches and use it; False when none does."""
    rows = page.locator("#child-results tr").filter(has=page.locator("td"))
    for i in range(rows.count()):
        row = rows.nth(i)
        if re.sub(r"\s", "", row.locator("td").nth(2).inner_text()) == nhs_number:
            row.locator("input[type=radio]").check()
            _go(page, lambda: page.get_by_role("button", name="Use selected child", exact=True).click())
            return True
    return False


def _go(page: Page, action: Callable[[], None]) -> None:
    """Do ``action`` and wait for the page it leads to."""
    with page.expect_navigation(wait_until="domcontentloaded"):
        action()


def _uk(iso: str) -> str:
    return date.fromisoformat(iso).strftime("%d/%m/%Y")


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python -m nightshift.bench.referrals_floor URL REFERRALS.json "
              "(CASE_SYSTEM_USERNAME, CASE_SYSTEM_PASSWORD in the environment)", file=sys.stderr)
        return 2
    url, path = argv
    referrals = json.loads(Path(path).read_text(encoding="utf-8"))
    result = key_referrals(url, os.environ.get("CASE_SYSTEM_USERNAME", "robot"),
                           os.environ["CASE_SYSTEM_PASSWORD"], referrals)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""One whole night against the sandbox: what ``nightshift demo`` (and ``make demo``) runs.

1. Generate a night's inbox of referrals (PDF forms, spreadsheets, e-mails, exports),
   with defects, and its ground-truth manifest (``sandbox generate``).
2. Start the stand-in systems in the background and load their records (``sandbox up``,
   ``sandbox seed``); keep the robot's login in the vault (``secrets.enc``).
3. Run the ``referrals`` process (``processes.yaml``): producer, then consumer.
4. Run the ``appointments`` process against the same sandbox: reconcile the booking system
   against the case diary, key the missing entries, hand the other discrepancies to a person.
5. Run the ``enquiries`` process on generated e-mails from parents: draft replies from the
   local-offer pages, which wait in the portal (``/enquiries``) for a person to approve.
6. Run the ``invoices`` process against the finance system, approve (sign) the invoices in the
   portal as scripted approvers, then post them with ``invoices-posting`` (``night_invoices.py``).
7. Print each process's summary, scored against the manifest, and stop the sandbox.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

from rich.table import Table

from .common import console, fail

PROCESS = "referrals"
QUEUE = "referrals"
APPOINTMENTS = "appointments"
INVOICES = 12  # supplier invoices in the demo's inbox (a Chromium page or two each, twice)
ENQUIRIES = "enquiries"


def referral_night(*, referrals: int, seed: int | None, keep_sandbox: bool) -> int:
    from sandbox.generate import generate
    from sandbox.web.runner import port_in_use
    from scheduler.processes import get_process
    from scheduler.runner import run_process
    from workitems.config import home as nightshift_home
    from workitems.store import open_store

    from .run import print_summary

    home = nightshift_home()
    seed = seed if seed is not None else int(time.time()) % 1_000_000
    night = home / "nights" / time.strftime("%Y%m%dT%H%M%S")
    console.print(f"[bold]nightshift demo[/]: one night of referrals in {home}", highlight=False, soft_wrap=True)
    with console.status(f"generating {referrals} referrals (seed {seed})"):
        generate(night, seed=seed, referrals=referrals, invoices=INVOICES)
    manifest = json.loads((night / "manifest.json").read_text())
    base = next((b for b in range(8700, 9700, 10) if not any(port_in_use(b + i) for i in range(3))), None)
    if base is None:
        fail("no free ports for the sandbox between 8700 and 9700: stop what uses them, or run 'nightshift sandbox down'")
    _fresh_sandbox()
    _nightshift("sandbox", "up", "--detach", "--port-base", str(base))
    try:
        _nightshift("sandbox", "seed", "--world", str(night / "world.json"))
        _store_robot_login(home)
        url = f"http://127.0.0.1:{base}/"
        with open_store() as store:
            with console.status("running the referrals process: producer, then consumer (a browser per item)"):
                result = run_process(get_process(PROCESS), store, trigger="demo",
                                     trigger_payload={"inbox": str(night / "inbox" / "referrals")},
                                     extra_env={"CASE_SYSTEM_URL": url})
            print_summary(result)
            _print_score(store, manifest, result)
            urls = {"CASE_SYSTEM_URL": url, "BOOKING_SYSTEM_URL": f"http://127.0.0.1:{base + 1}/"}
            reference = date.fromisoformat(manifest["reference_date"])
            window = {"date_from": str(reference - timedelta(days=14)), "date_to": str(reference + timedelta(days=28)),
                      "night": str(reference)}
            with console.status("running the appointments process: reconcile the booking export against the "
                                "case diary, then key the missing entries"):
                appointments = run_process(get_process(APPOINTMENTS), store, trigger="demo",
                                           trigger_payload=window, extra_env=urls)
            print_summary(appointments)
            _print_appointments_score(store, manifest, appointments)
            enquiries = _enquiries_night(store, night, seed)
            from .night_invoices import invoice_night

            invoices = invoice_night(store, manifest, night / "inbox" / "invoices", f"http://127.0.0.1:{base + 2}/")
    finally:
        if keep_sandbox:
            console.print(f"The sandbox is still running: open {url} (logins in {home / 'sandbox' / 'users.json'}); "
                          "stop it with 'nightshift sandbox down'.", highlight=False, soft_wrap=True)
        else:
            _nightshift("sandbox", "down")
            console.print(f"To look at the case system yourself: nightshift sandbox up --port-base {base}, then open "
                          f"http://127.0.0.1:{base}/ (logins in {home / 'sandbox' / 'users.json'}).",
                          highlight=False, soft_wrap=True)
    console.print("Failures waiting for a person: nightshift items list referrals --state failed (likewise "
                  "appointments, enquiries, invoices)", highlight=False, soft_wrap=True)
    _print_portal_hint()
    return 0 if all(r.status == "PASS" for r in (result, appointments, enquiries, *invoices)) else 1


def _enquiries_night(store, night: Path, seed: int):
    """Generated e-mails from parents through the enquiries process; its drafts wait in the portal."""
    from sandbox.generate.enquiries import MANIFEST, write_enquiries
    from scheduler.processes import get_process
    from scheduler.runner import run_process
    from workitems import State

    from .run import print_summary

    inbox = night / "inbox" / "enquiries"
    entries = write_enquiries(inbox, count=16, seed=seed)
    (inbox / MANIFEST).replace(night / MANIFEST)  # the ground truth is not an e-mail for the bot
    with console.status("running the enquiries process: read the e-mails, draft replies from the local offer"):
        result = run_process(get_process(ENQUIRIES), store, trigger="demo", trigger_payload={"inbox": str(inbox)})
    print_summary(result)
    trigger = next((i for i in store.list("enquiries-trigger", limit=1000) if i.reference == result.run_id), None)
    items = {i.payload.get("message_id"): i for i in store.list(ENQUIRIES, limit=100_000)
             if trigger and i.parent_id == trigger.id}
    drafts = {d.reference: d for d in store.list("enquiries-replies", limit=100_000)}
    table = Table(title="enquiries against the generator's manifest", title_justify="left")
    for col in ("", "expected", "got"):
        table.add_column(col, justify="left" if not col else "right")
    answerable = [e for e in entries if e.expect == "draft"]
    cited = sum(1 for e in answerable if e.message_id in items and items[e.message_id].reference in drafts
                and drafts[items[e.message_id].reference].payload["citation"]["page"] == e.page)
    people = [e for e in entries if e.expect == "needs-person"]
    table.add_row("replies drafted citing the right page", str(len(answerable)), str(cited))
    table.add_row("enquiries the pages do not answer, for the team", str(len(people)),
                  str(sum(1 for e in people if e.message_id in items and items[e.message_id].state == State.FAILED)))
    table.add_row("unusable e-mails, for the team", str(sum(1 for e in entries if e.expect == "unreadable")),
                  str(sum(1 for i in items.values() if "problem" in i.payload)))
    console.print(table)
    waiting = store.count("enquiries-replies", state=State.PENDING)
    console.print(f"{waiting} draft replies wait for an approver in the portal: /enquiries (approved replies go to "
                  "the outbox folder of enquiries.yaml)", highlight=False, soft_wrap=True)
    return result


def _print_portal_hint() -> None:
    """How to review the night in the portal (no account is made here: passwords are typed by people)."""
    from portal.users import Users
    from workitems.store import open_store

    with open_store() as store:
        has_users = bool(Users(store).list())
    steps = [] if has_users else ["nightshift users add YOUR-NAME --role admin   (asks for a password)"]
    steps.append("nightshift portal   then open http://127.0.0.1:8600/   (or 'nightshift serve' for the scheduler too)")
    console.print("Review the night in the portal:\n  " + "\n  ".join(steps), highlight=False, soft_wrap=True)


def _nightshift(*args: str) -> None:
    done = subprocess.run([sys.executable, "-m", "nightshift", *args], capture_output=True, text=True,
                          env=os.environ.copy())
    if done.returncode != 0:
        reason = (done.stderr.strip() or done.stdout.strip()).splitlines()[-1:] or ["no output"]
        fail(f"'nightshift {' '.join(args)}' failed: {reason[0]}")


def _fresh_sandbox() -> None:
    """Empty stand-in systems for the night: the generator numbers each night's suppliers and
    purchase orders afresh, so records a last night left (SUP-00003 under another name, a
    purchase order number reused) would turn good invoices into mismatches. Refuses while a
    sandbox runs on this home, rather than pull its databases away."""
    from sandbox.systems import SYSTEMS
    from sandbox.web.settings import db_path, sandbox_home

    from .sandbox_servers import _running

    folder = sandbox_home()
    running = _running(folder)
    if running is not None:
        fail(f"a sandbox is running on this home (pid {running['pid']}): the demo starts its own with a fresh night's "
             "records; stop it first with 'nightshift sandbox down'")
    cleared = []
    for name in SYSTEMS:
        for path in (db_path(name, folder), *(db_path(name, folder).with_name(f"{name}.db{end}")
                                             for end in ("-wal", "-shm"))):
            if path.exists():
                path.unlink()
                cleared.append(path.name)
    if cleared:
        console.print(f"the stand-in systems start empty tonight (last night's records cleared from {folder})",
                      highlight=False, soft_wrap=True)


def _store_robot_login(home: Path) -> None:
    """The sandbox's robot user into the vault, as an administrator would store a real one."""
    from keywords.vault import load_all, save_all
    from sandbox.web.users import read_users

    robot = next((u for u in read_users(home / "sandbox") if u["username"] == "robot"), None)
    if robot is None:
        fail(f"the sandbox has no 'robot' user in {home / 'sandbox' / 'users.json'}")
    secrets = load_all()
    password = os.environ.get("NIGHTSHIFT_SANDBOX_PASSWORD") or robot["password"]
    secrets["case_system"] = {"username": "robot", "password": password}
    secrets["booking_system"] = {"username": "robot", "password": password}
    secrets["finance_system"] = {"username": "robot", "password": password}
    save_all(secrets)


def _print_score(store, manifest: dict, result) -> None:
    """This night's items against what the generator says a correct bot does."""
    from workitems import State

    expected = Counter()
    for r in manifest["referrals"]:
        expected[r["expect"]] += 1
    should_key = expected["create"] + expected["link-existing-child"]
    # This night's items are the producer's outputs from this run's trigger item (an
    # unreadable file's item has a FILE-… reference of its own, so references won't do).
    trigger = next((i for i in store.list("referrals-trigger", limit=1000) if i.reference == result.run_id), None)
    items = [i for i in store.list(QUEUE, limit=100_000) if trigger and i.parent_id == trigger.id]
    got = Counter(i.state for i in items)
    codes = Counter(i.exception.code for i in items if i.state == State.FAILED and i.exception)
    table = Table(title="this night against the generator's manifest", title_justify="left")
    for col in ("", "expected", "got"):
        table.add_column(col, justify="left" if not col else "right")
    table.add_row("referrals keyed into the case system", str(should_key), str(got[State.DONE]))
    table.add_row("referrals failed for a person (BUSINESS)", str(expected["business-failure"]),
                  str(sum(1 for i in items if i.exception and i.exception.type.value == "BUSINESS"
                          and i.state == State.FAILED)))
    table.add_row("duplicates (made no second item)", str(expected["duplicate"]), "—")
    table.add_row("still pending or reserved", "0", str(got[State.PENDING] + got[State.RESERVED]))
    console.print(table)
    if codes:
        console.print("failure codes: " + ", ".join(f"{code} x{n}" for code, n in codes.most_common()),
                      highlight=False, soft_wrap=True)
    consumer = result.steps[-1]
    per = consumer.seconds_per_item
    if per:
        minutes = (should_key * 6) / 60
        console.print(f"keying took {per:.1f} s a referral; by hand at 6 minutes each these {should_key} "
                      f"would take {minutes:.1f} hours", highlight=False)


def _print_appointments_score(store, manifest: dict, result) -> None:
    """This night's discrepancy items against the generator's appointment classes."""
    from workitems import State

    want = {}
    for entry in manifest["bookings"]:
        if entry["class"] != "matched":
            key = entry["booking_ref"] or (entry["nhs_number"], entry["diary"]["starts_at"][:16])
            want[key] = entry["class"]
    trigger = next((i for i in store.list("appointments-trigger", limit=1000) if i.reference == result.run_id), None)
    items = [i for i in store.list(APPOINTMENTS, limit=100_000) if trigger and i.parent_id == trigger.id]
    found = {}
    for item in items:
        if item.payload.get("kind") != "discrepancy":
            continue
        booking, diary = item.payload.get("booking"), item.payload.get("diary")
        key = booking["booking_ref"] if booking else (diary["nhs_number"], diary["starts_at"][:16])
        found[key] = (item.payload["class"], item)
    table = Table(title="appointments against the generator's manifest", title_justify="left")
    for col in ("class", "expected", "found, right class", "handled"):
        table.add_column(col, justify="left" if col == "class" else "right")
    for klass in ("booked-not-recorded", "recorded-not-booked", "time-mismatch", "cancelled-still-in-diary"):
        expected = [k for k, c in want.items() if c == klass]
        right = [found[k][1] for k in expected if k in found and found[k][0] == klass]
        if klass == "booked-not-recorded":
            handled = f"{sum(1 for i in right if i.state == State.DONE)} keyed"
        else:
            handled = f"{sum(1 for i in right if i.state == State.FAILED)} for a person"
        table.add_row(klass, str(len(expected)), str(len(right)), handled)
    false = [k for k in found if k not in want or want[k] != found[k][0]]
    table.add_row("false or misclassified", "0", str(len(false)), "")
    console.print(table)
    report = next((i for i in items if i.payload.get("kind") == "report"), None)
    if report is not None:
        workbook = next(Path(result.artifacts).rglob(report.payload["workbook"]), None)
        console.print(f"the reconciliation workbook: {workbook or report.payload['workbook']} (also attached to "
                      f"work item {report.id})", highlight=False, soft_wrap=True)
    elif trigger is not None and trigger.exception is not None:
        console.print(f"no reconciliation: {trigger.exception.message}", highlight=False, soft_wrap=True)

"""The portal's runs, reports and audit pages, through the web application.

Runs come from one real run of the example process (its artifacts are real Robot
Framework output), made once for the module on SQLite; the report and the audit log
are checked against both stores.
"""

from __future__ import annotations

import io
import re
import shutil
import threading
from datetime import date, datetime
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import quote, unquote

import anyio
import pytest
from openpyxl import load_workbook
from starlette.testclient import TestClient

from portal.app import create_app
from portal.users import Users
from workitems import ExceptionType, State

PASSWORD = "correct horse battery"
INJECTIONS = ['=HYPERLINK("http://x")', "+1", "-1", "@SUM(A1)"]
# A 1×1 PNG, as a robot's failure screenshot would be.
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082")


def sign_in(store, name: str) -> TestClient:
    client = TestClient(create_app(store))
    csrf = client.get("/api/login").json()["csrf"]
    response = client.post("/login", data={"name": name, "password": PASSWORD, "csrf": csrf},
                           follow_redirects=False)
    assert response.status_code == 303, response.text
    return client


def raw_get(client: TestClient, path: str) -> int:
    """The status of GET ``path`` sent exactly as written: httpx would remove ``../`` before
    sending, but a client such as ``curl --path-as-is`` does not."""
    cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
             "scheme": "http", "path": unquote(path), "raw_path": path.encode(), "query_string": b"", "root_path": "",
             "headers": [(b"host", b"testserver"), (b"cookie", cookie.encode())],
             "client": ("127.0.0.1", 50000), "server": ("testserver", 80)}
    sent = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        sent.append(message)

    # in a thread of its own: the client may already run an event loop in this one
    thread = threading.Thread(target=anyio.run, args=(client.app, scope, receive, send))
    thread.start()
    thread.join(30)
    return next(m["status"] for m in sent if m["type"] == "http.response.start")


@pytest.fixture(scope="module")
def night(example_run):
    """One real run of the example process, on SQLite, with a viewer and an admin."""
    store, run, home = example_run.store, example_run.run, example_run.home
    users = Users(store)
    users.add("vic.viewer", "viewer", PASSWORD)
    users.add("ada.admin", "admin", PASSWORD)
    yield SimpleNamespace(store=store, run=run, home=home)


@pytest.fixture(scope="module")
def viewer(night):
    return sign_in(night.store, "vic.viewer")


# -- runs ---------------------------------------------------------------------------
def test_runs_page_lists_the_run_with_its_counts_and_a_timeline(night, viewer):
    page = viewer.get("/runs")
    assert page.status_code == 200
    assert f'href="/runs/{night.run.run_id}"' in page.text and "example" in page.text
    assert '<svg class="timeline"' in page.text
    # the CSP forbids inline styles and scripts: the charts must not need them
    assert "style=" not in page.text and "<script" not in page.text
    twin = viewer.get("/api/runs", params={"process": "example"}).json()
    (group,) = twin["processes"]
    (run,) = group["runs"]
    assert (run["id"], run["status"], run["done"], run["business_failures"]) == (night.run.run_id, "PASS", 5, 1)
    assert viewer.get("/api/runs", params={"status": "FAIL"}).json()["processes"] == []
    assert viewer.get("/runs", params={"status": "nonsense"}).status_code == 400
    assert viewer.get("/runs", params={"days": "0"}).status_code == 400


def test_run_page_links_the_logs_and_log_html_is_robot_frameworks(night, viewer):
    run_id = night.run.run_id
    page = viewer.get(f"/runs/{run_id}")
    assert page.status_code == 200
    log_url = f"/runs/{run_id}/files/1-example-producer/log.html"
    assert f'href="{log_url}"' in page.text
    assert f'href="/runs/{run_id}/files/2-example-consumer/report.html"' in page.text
    twin = viewer.get(f"/api/runs/{run_id}").json()
    assert twin["status"] == "PASS" and [s["log_url"] for s in twin["steps"]][0] == log_url

    log = viewer.get(log_url)
    assert log.status_code == 200 and log.headers["content-type"].startswith("text/html")
    assert 'content="Robot Framework' in log.text and 'window.output["suite"]' in log.text
    assert "Produce items" in log.text
    # its own policy: RF's inline scripts may run, sandboxed, and it still cannot be framed
    csp = log.headers["content-security-policy"]
    assert "'unsafe-inline'" in csp and "frame-ancestors 'none'" in csp and "sandbox" in csp
    console = viewer.get(f"/runs/{run_id}/files/1-example-producer/console.txt")
    assert console.status_code == 200 and console.headers["content-type"].startswith("text/plain")
    assert "unsafe-inline" not in console.headers["content-security-policy"]


def test_screenshots_in_a_step_folder_are_listed_and_served(night, viewer):
    step = Path(night.run.steps[1].artifacts)
    (step / "shots").mkdir(exist_ok=True)
    (step / "shots" / "failure-1.png").write_bytes(PNG)
    try:
        page = viewer.get(f"/runs/{night.run.run_id}")
        url = f"/runs/{night.run.run_id}/files/2-example-consumer/shots/failure-1.png"
        assert f'href="{url}"' in page.text
        shot = viewer.get(url)
        assert shot.status_code == 200 and shot.headers["content-type"] == "image/png" and shot.content == PNG
    finally:
        shutil.rmtree(step / "shots")


@pytest.mark.parametrize("path", [
    "../../nightshift.db",
    "1-example-producer/../../../nightshift.db",
    "%2e%2e/%2e%2e/nightshift.db",
    "..%2f..%2fnightshift.db",
    "/etc/passwd",
    "%2fetc%2fpasswd",
    "1-example-producer",  # a folder, not a file
    "no-such-file.html",
])
def test_a_path_outside_the_runs_folder_is_404(night, viewer, path):
    assert (night.home / "nightshift.db").is_file()
    assert raw_get(viewer, f"/runs/{night.run.run_id}/files/{path}") == 404


def test_a_link_in_the_folder_pointing_outside_is_404(night, viewer):
    link = Path(night.run.artifacts) / "escape.db"
    link.symlink_to(night.home / "nightshift.db")
    try:
        assert viewer.get(f"/runs/{night.run.run_id}/files/escape.db").status_code == 404
    finally:
        link.unlink()


def test_an_unknown_run_is_404(viewer):
    assert viewer.get("/runs/20000101T000000-nothing").status_code == 404
    assert viewer.get("/runs/20000101T000000-nothing/files/log.html").status_code == 404


# -- reports ------------------------------------------------------------------------
def fill(store) -> date:
    """A day of items: done, failed BUSINESS and APPLICATION, pending, references that look like
    formulas, and queue names Excel cannot take as sheet names. Returns the day."""
    store.configure_queue("intake", {"max_attempts": 1})
    made = {}
    for n, reference in enumerate([*INJECTIONS, "REF-0001", "REF-0002", "REF-0003", None]):
        item, _ = store.add("intake", {"name": "Amelia Hart", "n": n}, reference=reference)
        made[reference] = item
    for reference, outcome in (('=HYPERLINK("http://x")', "business"), ("+1", "done"), ("-1", "application"),
                               ("@SUM(A1)", "done"), ("REF-0001", "business")):
        item = store.claim("intake", "w1")
        assert item is not None and item.reference == reference
        if outcome == "done":
            store.complete(item.id, "w1")
        elif outcome == "business":
            store.fail(item.id, "w1", ExceptionType.BUSINESS, "NHS_NUMBER_INVALID",
                       "=cmd|' /C calc'!A0 the NHS number fails its check digit")
        else:
            store.fail(item.id, "w1", ExceptionType.APPLICATION, "CASE_SYSTEM_DOWN", "the case system timed out")
    store.add("referrals/2026: [night]*?", {"n": 1}, reference="R-1")
    store.add("a queue with a name much longer than thirty-one characters", {"n": 1})
    store.add("A queue with a name much longer than thirty-one characters, again", {"n": 1})
    store.add("summary", {"n": 1})
    return datetime.fromtimestamp(made["REF-0001"].created_at).date()


def workbook_of(client: TestClient, day: date):
    response = client.get("/reports/daily.xlsx", params={"day": day.isoformat()})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    assert f"nightshift-report-{day.isoformat()}.xlsx" in response.headers["content-disposition"]
    return load_workbook(io.BytesIO(response.content))


def test_the_workbook_matches_the_store_and_writes_formulas_as_text(store):
    day = fill(store)
    Users(store).add("vic.viewer", "viewer", PASSWORD)
    wb = workbook_of(sign_in(store, "vic.viewer"), day)

    summary = wb["Summary"]
    assert summary["B2"].value.date() == day and summary["B2"].is_date
    header = [c.value for c in summary[5]]
    assert header[:2] == ["queue", "created"]
    rows = {r[0]: dict(zip(header, r)) for r in summary.iter_rows(min_row=6, values_only=True)}
    for queue in store.queues():
        items = store.list(queue, limit=1000)
        assert rows[queue]["created"] == len(items), queue
        for state in State:
            assert rows[queue][f"now {state.value}"] == sum(i.state == state for i in items), (queue, state)
    assert rows["intake"]["finished done"] == 2 and rows["intake"]["finished failed"] == 3
    assert (rows["intake"]["failed BUSINESS"], rows["intake"]["failed APPLICATION"]) == (2, 1)
    assert summary.freeze_panes == "A6" and summary.auto_filter.ref.startswith("A5:")

    intake = wb[rows["intake"]["sheet"]]
    assert intake.freeze_panes == "A2"
    assert intake.auto_filter.ref == f"A1:I{1 + len(store.list('intake', limit=1000))}"
    assert [c.value for c in intake[1]] == ["id", "reference", "state", "attempts", "exception type", "code",
                                            "message", "created", "updated"]
    created = intake["H2"]
    assert isinstance(created.value, datetime) and created.is_date and "yy" in created.number_format
    by_reference = {row[1].value: row for row in intake.iter_rows(min_row=2)}
    for text in INJECTIONS:
        cell = by_reference[text][1]
        assert cell.value == text and cell.data_type == "s" and cell.quotePrefix, text
    message = by_reference['=HYPERLINK("http://x")'][6]
    assert message.value.startswith("=cmd") and message.data_type == "s"
    assert by_reference["REF-0001"][5].value == "NHS_NUMBER_INVALID"
    # no payload values in the default report
    assert not any("Amelia" in str(c.value) for ws in wb for row in ws.iter_rows() for c in row)

    names = wb.sheetnames
    assert len(names) == len({n.lower() for n in names})
    assert all(len(n) <= 31 and not re.search(r"[\[\]:*?/\\]", n) for n in names)
    assert "summary (2)" in names and rows["summary"]["sheet"] == "summary (2)"
    failures = wb["Failures"]
    assert ("intake", "BUSINESS", "NHS_NUMBER_INVALID", 2) in list(failures.iter_rows(min_row=2, values_only=True))


def test_the_reports_page_and_its_twin_give_the_same_numbers(store):
    day = fill(store)
    Users(store).add("vic.viewer", "viewer", PASSWORD)
    client = sign_in(store, "vic.viewer")
    twin = client.get("/api/reports", params={"day": day.isoformat()}).json()
    intake = next(q for q in twin["queues"] if q["queue"] == "intake")
    assert intake["created"] == {"pending": 3, "reserved": 0, "done": 2, "failed": 3, "total": 8}
    assert intake["finished"] == {"done": 2, "failed": 3}
    assert {(f["type"], f["code"], f["count"]) for f in intake["failures"]} == {
        ("BUSINESS", "NHS_NUMBER_INVALID", 2), ("APPLICATION", "CASE_SYSTEM_DOWN", 1)}
    assert twin["totals"]["created"] == sum(len(store.list(q, limit=1000)) for q in store.queues())
    assert len(twin["per_day"]) == 14 and twin["per_day"][-1]["day"] == day.isoformat()
    assert twin["per_day"][-1]["total"] == twin["totals"]["created"]
    split = twin["weekday_vs_weekend"]
    assert split["weekday"]["days"] == 10 and split["weekend"]["days"] == 4
    assert split["weekday" if day.weekday() < 5 else "weekend"]["items"] == twin["totals"]["created"]

    page = client.get("/reports", params={"day": day.isoformat()})
    assert page.status_code == 200 and page.text.count("<svg") == 2
    assert "style=" not in page.text and "<script" not in page.text
    assert "NHS_NUMBER_INVALID" in page.text and "Amelia" not in page.text
    assert f"{split['weekday']['items']} on 10 weekdays, {split['weekend']['items']} on 4 weekend days" in page.text
    assert f'href="/reports/daily.xlsx?day={day.isoformat()}"' in page.text
    assert client.get("/reports", params={"day": "31/01/2026"}).status_code == 400


def test_an_empty_day_gives_an_empty_report_and_a_valid_workbook(store):
    Users(store).add("vic.viewer", "viewer", PASSWORD)
    client = sign_in(store, "vic.viewer")
    assert client.get("/api/reports").json()["totals"]["created"] == 0
    wb = workbook_of(client, date(2020, 2, 29))
    assert wb.sheetnames == ["Summary", "Failures"]


# -- who may see what -----------------------------------------------------------------
def test_a_viewer_downloads_reports_but_only_an_admin_reads_the_audit_log(store):
    day = fill(store)
    users = Users(store)
    users.add("vic.viewer", "viewer", PASSWORD)
    users.add("ada.admin", "admin", PASSWORD)
    viewer, admin = sign_in(store, "vic.viewer"), sign_in(store, "ada.admin")
    workbook_of(viewer, day)
    assert viewer.get("/audit").status_code == 403
    assert viewer.get("/api/audit").status_code == 403
    page = admin.get("/audit")
    assert page.status_code == 200 and "Audit log" in page.text
    entries = admin.get("/api/audit", params={"action": "report-download"}).json()["entries"]
    (entry,) = entries
    assert entry["actor"] == "portal:vic.viewer" and entry["target"] == f"report {day.isoformat()}"
    assert entry["detail"]["day"] == day.isoformat() and entry["detail"]["items"] > 0
    filtered = admin.get("/audit", params={"actor": "portal:vic.viewer", "action": "report-download"})
    assert "report-download" in filtered.text and f"report {day.isoformat()}" in filtered.text
    everything = admin.get("/api/audit").json()
    assert everything["entries"][0]["action"] == "report-download"  # newest first
    assert {"sign-in", "report-download"} <= {e["action"] for e in everything["entries"]}
    assert admin.get("/audit", params={"page": "0"}).status_code == 400


def test_signed_out_visitors_see_none_of_it(night):
    client = TestClient(create_app(night.store))
    run_id = quote(night.run.run_id)
    for path in ("/runs", f"/runs/{run_id}", f"/runs/{run_id}/files/1-example-producer/log.html",
                 "/reports", "/reports/daily.xlsx", "/audit"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"].startswith("/login"), path
    assert client.get("/api/runs").status_code == 401


# -- pieces ---------------------------------------------------------------------------
def test_sheet_titles_are_valid_and_unique():
    from portal.report_xlsx import sheet_title

    taken = {"summary"}
    assert sheet_title("Summary", taken) == "Summary (2)"
    assert sheet_title("a/b:c[d]*e?f\\g", taken) == "a_b_c_d__e_f_g"
    long = sheet_title("x" * 40, taken)
    assert long == "x" * 31 and sheet_title("x" * 40, taken) == "x" * 27 + " (2)"
    assert sheet_title("History", taken) == "history_"
    assert sheet_title("'quoted'", taken) == "quoted"
    assert sheet_title("[]", taken) == "__" and sheet_title("", taken) == "queue"


def test_artifact_refuses_paths_leaving_the_folder(tmp_path):
    from portal.pages.runs import NotFound, artifact

    (tmp_path / "run" / "step").mkdir(parents=True)
    (tmp_path / "run" / "step" / "log.html").write_text("<html></html>")
    (tmp_path / "secret.txt").write_text("no")
    run = {"id": "r", "artifacts": str(tmp_path / "run")}
    assert artifact(run, "step/log.html") == (tmp_path / "run" / "step" / "log.html").resolve()
    for bad in ("../secret.txt", "step/../../secret.txt", str(tmp_path / "secret.txt"), "step", "a\0b", ""):
        with pytest.raises(NotFound):
            artifact(run, bad)
    with pytest.raises(NotFound):
        artifact({"id": "r", "artifacts": None}, "step/log.html")

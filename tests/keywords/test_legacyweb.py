"""keywords.legacyweb against the sandbox's case system, served in-process: fields found by label
(also with no id), an expired session, busy and error pages told apart from the input's faults,
and a real Robot Framework run whose output never holds the password."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any, Iterator

import pytest
from robot.api.types import Secret

ROOT = Path(__file__).resolve().parents[2]
SUITE = Path(__file__).with_name("legacyweb.robot")
PASSWORD = "Kw-synthetic-pässword-7731"  # synthetic, for these tests only

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
def case_system(nightshift_home: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Any, str]]:
    """The case system on a free port, every user's password ``PASSWORD``."""
    monkeypatch.setenv("NIGHTSHIFT_SANDBOX_PASSWORD", PASSWORD)
    from sandbox.casesystem.app import create_app
    from sandbox.web import SystemSettings, sandbox_home
    from sandbox.web.runner import ServerThread

    app = create_app(SystemSettings(home=sandbox_home()))
    server = ServerThread(app)
    url = server.start()
    yield app, url
    server.stop()


@pytest.fixture
def web(browser: Any, case_system: tuple[Any, str]) -> Iterator[dict[str, Any]]:
    """The library's keywords by name, logged in as ``robot``, on the shared test browser."""
    from keywords.legacyweb import LegacyWeb

    lib = LegacyWeb(timeout=4)
    lib.ctx.use_browser(browser)
    kw = lib.keywords
    kw["open_legacy_system"](case_system[1])
    kw["log_in"]("robot", Secret(PASSWORD))
    yield kw
    lib.ctx.close()


def _db(app: Any) -> sqlite3.Connection:
    conn = sqlite3.connect(app.state.sandbox.db_path)
    conn.row_factory = sqlite3.Row
    return conn


def test_fill_by_label_finds_fields_that_have_no_id(web, case_system):
    web["new_item_context"]()
    web["ensure_logged_in"]("/children/new")
    # NHS number, Town and School have neither id nor a useful name (f_05, f_07, f_09): only a wrapping label.
    for label, value in (("Forename", "Robin"), ("Surname", "Labelwood"), ("Date of birth", "03/05/2015"),
                         ("NHS number", "999 000 0042"), ("Address line 1", "1 Label Lane"), ("Town", "Riverside"),
                         ("Postcode", "rv1 4ab"), ("School", "Riverside Primary")):
        web["fill_by_label"](label, value)
    web["choose_by_label"]("Gender", "not known")  # options match ignoring case
    assert web["get_field_value"]("Town") == "Riverside"
    web["click_button"]("Save child")
    web["wait_for_page"]("Child record")
    with _db(case_system[0]) as conn:
        child = dict(conn.execute("SELECT * FROM children WHERE surname = 'Labelwood'").fetchone())
    assert (child["nhs_number"], child["town"], child["school"], child["dob"], child["postcode"], child["gender"]) == \
        ("9990000042", "Riverside", "Riverside Primary", "2015-05-03", "RV1 4AB", "Not known")


def test_an_expired_session_is_detected_and_logging_in_again_recovers(web, case_system):
    from keywords.legacyweb import ApplicationError, SessionExpired

    app = case_system[0]
    app.state.sandbox.settings = replace(app.state.sandbox.settings, session_idle_seconds=0.4)
    time.sleep(0.8)
    with pytest.raises(SessionExpired) as caught:
        web["go_to_page"]("/children/new")
    assert isinstance(caught.value, ApplicationError)
    assert str(caught.value).startswith("ApplicationError: SessionExpired: ")
    assert web["get_error_code"](str(caught.value)) == "SESSION_EXPIRED"
    app.state.sandbox.settings = replace(app.state.sandbox.settings, session_idle_seconds=900)
    web["log_in_again"]()  # the system returns the browser to the page it was sent away from
    web["wait_for_page"]("Create child record")
    # A new context carries the session; when the session has gone, Ensure Logged In logs in again.
    app.state.sandbox.settings = replace(app.state.sandbox.settings, session_idle_seconds=0.4)
    time.sleep(0.8)
    app.state.sandbox.settings = replace(app.state.sandbox.settings, session_idle_seconds=900)
    web["new_item_context"]()
    web["ensure_logged_in"]("/")
    web["wait_for_page"]("Search", exact=True)
    assert not web["session_has_expired"]()


def test_busy_and_error_pages_are_application_errors(web, case_system):
    from keywords.legacyweb import PageTimeout, SystemBusy, SystemErrorPage
    from sandbox.web import ChaosSettings

    chaos = case_system[0].state.sandbox.chaos
    chaos.configure(ChaosSettings(preset="custom", busy_rate=1.0, seed=3))
    with pytest.raises(SystemBusy, match=r"^ApplicationError: SystemBusy: .*System busy"):
        web["go_to_page"]("/")
    with pytest.raises(SystemBusy):
        web["wait_for_page"]("Search")

    chaos.configure(ChaosSettings(preset="custom", error_rate=1.0, seed=3))
    seen = set()
    for _ in range(10):  # an error page comes as HTTP 500, or as a 200 page saying "System error"
        with pytest.raises(SystemErrorPage, match=r"^ApplicationError: SystemError: ") as caught:
            web["go_to_page"]("/")
        seen.add("HTTP 500" in str(caught.value))
    assert seen == {True, False}

    chaos.configure(ChaosSettings(preset="off"))
    web["go_to_page"]("/")
    started = time.monotonic()
    with pytest.raises(PageTimeout, match=r"^ApplicationError: Timeout: the element id=nothing-here did not come"):
        web["get_text"]("id=nothing-here")
    assert time.monotonic() - started < 10


def test_the_input_s_faults_are_business_errors_that_quote_no_personal_value(web):
    from keywords.legacyweb import FormRejected, InvalidDate, OptionNotFound

    web["new_item_context"]()
    web["ensure_logged_in"]("/children/new")
    web["fill_by_label"]("NHS number", "999 000 0041")  # a wrong check digit
    web["fill_by_label"]("Date of birth", "31/02/2015")
    with pytest.raises(FormRejected) as caught:
        web["click_button"]("Save child")
    message = str(caught.value)
    assert message.startswith("BusinessError: FormRejected: ") and "NHS number is not valid" in message
    assert "0041" not in message and "31/02" not in message
    with pytest.raises(OptionNotFound, match="Female, Male, Not known"):
        web["choose_by_label"]("Gender", "Martian")
    with pytest.raises(InvalidDate):
        web["format_date_for_form"]("03/05/2015")
    assert web["format_date_for_form"]("2015-05-03") == "03/05/2015"


def test_a_robot_run_never_writes_the_password(tmp_path, case_system):
    """The suite beside this file logs in with the vault's secret, at log level TRACE."""
    from keywords.vault import save_all

    save_all({"case_system": {"username": "robot", "password": PASSWORD}})
    env = dict(os.environ, CASE_SYSTEM_URL=case_system[1], PYTHONPATH=str(ROOT))
    env.pop("RPA_SECRET_MANAGER", None)
    run = subprocess.run([sys.executable, "-m", "robot", "--loglevel", "TRACE", "--maxassignlength", "0",
                          "--outputdir", str(tmp_path / "out"), str(SUITE)],
                         env=env, capture_output=True, text=True, timeout=180)
    assert run.returncode == 0, run.stdout + run.stderr
    assert PASSWORD not in run.stdout + run.stderr
    files = [p for p in (tmp_path / "out").rglob("*") if p.is_file()]
    assert {p.name for p in files} >= {"output.xml", "log.html", "report.html"}
    for path in files:
        data = path.read_bytes()
        assert PASSWORD.encode() not in data and PASSWORD.encode("utf-16-le") not in data, path
    assert "&lt;secret&gt;" in (tmp_path / "out" / "output.xml").read_text(encoding="utf-8")

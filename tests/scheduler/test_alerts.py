"""Alerts reach real servers: an SMTP server (aiosmtpd), a webhook receiver and a stand-in for GOV.UK Notify.

Nothing is mocked: each channel talks over a socket to a server on 127.0.0.1, and the
tests assert what that server received.
"""

from __future__ import annotations

import json
import logging
import socket
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from aiosmtpd.smtp import AuthResult, LoginPassword
from mailservers import Mailbox, Receiver, http_receiver, notify_reply, smtp_server

from scheduler.alerts import Alert, Alerts, queue_failures, run_failed, verify_signature
from workitems import InvalidInput

SMTP_PASSWORD = "correct-horse-battery-staple"
WEBHOOK_SECRET = "whsec-3f9a1c7e5b2d4806"

RUN = {
    "run_id": "20261126T013000-referrals", "process": "referrals", "status": "FAIL", "trigger": "schedule",
    "machine": "rpa-01", "artifacts": "/srv/nightshift/artifacts/20261126T013000-referrals",
    "done": 12, "business_failures": 3, "application_failures": 1,
    "steps": [
        {"task": "Referrals producer", "status": "PASS", "exit_code": 0,
         "log": "/srv/nightshift/artifacts/20261126T013000-referrals/1-referrals-producer/log.html"},
        {"task": "Referrals consumer", "status": "TIMEOUT", "exit_code": -15, "input_queue": "referrals",
         "log": "/srv/nightshift/artifacts/20261126T013000-referrals/2-referrals-consumer/log.html"},
    ],
}


@pytest.fixture(autouse=True)
def no_proxy(monkeypatch):
    """A proxy in the environment must not carry the tests' requests to 127.0.0.1 away."""
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")


def check_login(server, session, envelope, mechanism, auth_data) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and auth_data == (b"nightshift", SMTP_PASSWORD.encode())
    return AuthResult(success=ok, handled=False)  # handled=False: aiosmtpd answers 535 itself


@pytest.fixture
def smtp() -> Iterator[tuple[Mailbox, int]]:
    with smtp_server(check_login) as server:
        yield server


@pytest.fixture
def closed_port() -> Iterator[int]:
    """A port bound but not listening: connecting is refused at once, and no one else can take it."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        yield s.getsockname()[1]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with http_receiver() as got:
        yield got


@pytest.fixture
def notify(receiver, monkeypatch) -> tuple[Receiver, str, str]:
    """The receiver answering like GOV.UK Notify; returns it, the service id and the key's secret."""
    service_id, secret = notify_reply(receiver, TEMPLATE_ID)
    monkeypatch.setenv("NIGHTSHIFT_NOTIFY_API_KEY", f"nightshift_test-{service_id}-{secret}")
    return receiver, service_id, secret


TEMPLATE_ID = "0b1b7c2e-4d0c-4f6a-9d65-3c1e7a2f9b10"


def config(*, smtp_port: int | None = None, webhook: str | None = None, notify: str | None = None) -> dict:
    out: dict[str, Any] = {"queue_failures": 10}
    if smtp_port:
        out["email"] = {"host": "127.0.0.1", "port": smtp_port, "username": "nightshift",
                        "password_env": "NIGHTSHIFT_SMTP_PASSWORD", "from": "nightshift@council.example",
                        "to": ["team@council.example", "duty@council.example"]}
    if webhook:
        out["webhook"] = {"url": f"{webhook}/nightshift", "secret_env": "NIGHTSHIFT_WEBHOOK_SECRET", "timeout": 5}
    if notify:
        out["notify"] = {"base_url": notify, "api_key_env": "NIGHTSHIFT_NOTIFY_API_KEY",
                         "template_id": TEMPLATE_ID, "email_addresses": "team@council.example"}
    return out


@pytest.fixture
def secrets(monkeypatch) -> None:
    monkeypatch.setenv("NIGHTSHIFT_SMTP_PASSWORD", SMTP_PASSWORD)
    monkeypatch.setenv("NIGHTSHIFT_WEBHOOK_SECRET", WEBHOOK_SECRET)


# -- the alerts ----------------------------------------------------------------------
def test_run_failed_alert_says_what_failed_and_where_the_log_is():
    alert = run_failed(RUN)
    assert alert.kind == "run_failed"
    assert alert.subject == "nightshift: run 20261126T013000-referrals of referrals failed (TIMEOUT)"
    assert RUN["artifacts"] in alert.body and RUN["steps"][1]["log"] in alert.body
    assert "12 done, 3 business failures, 1 application failure." in alert.body
    assert "nightshift items list referrals --state failed" in alert.body and "raise its timeout" in alert.body
    data = json.loads(json.dumps(alert.data))
    assert {k: data[k] for k in ("kind", "process", "run_id", "status", "queue", "failed", "threshold", "log",
                                 "machine")} == {
        "kind": "run_failed", "process": "referrals", "run_id": RUN["run_id"], "status": "TIMEOUT", "queue": None,
        "failed": 4, "threshold": None, "log": RUN["steps"][1]["log"], "machine": "rpa-01"}
    assert data["at"].endswith("+00:00")


def test_run_failed_tolerates_a_bare_record():
    alert = run_failed({"run_id": "20261126T013000-x", "status": "ERROR", "unknown": object()})
    assert alert.subject == "nightshift: run 20261126T013000-x of ? failed (ERROR)"
    json.dumps(alert.data)


def test_queue_failures_alert_names_the_queue_counts_and_commands():
    alert = queue_failures("referrals", 12, 10)
    assert alert.kind == "queue_failures" and "referrals" in alert.subject and "12" in alert.subject
    assert "nightshift items list referrals --state failed" in alert.body
    assert (alert.data["queue"], alert.data["failed"], alert.data["threshold"]) == ("referrals", 12, 10)


# -- the channels, against real servers ----------------------------------------------
def test_email_arrives_at_a_real_smtp_server_after_login(smtp, secrets):
    mailbox, port = smtp
    alerts = Alerts.from_config(config(smtp_port=port))
    assert alerts.channels == ["email"] and alerts.queue_threshold == 10 and alerts.on_run_failure

    assert alerts.send(run_failed(RUN)) == {"email": None}

    [(recipients, msg)] = mailbox.messages
    assert recipients == ["team@council.example", "duty@council.example"]
    # strip(): a folded header keeps the fold's space when Python parses it back
    assert msg["Subject"].strip() == "nightshift: run 20261126T013000-referrals of referrals failed (TIMEOUT)"
    assert msg["To"] == "team@council.example, duty@council.example"
    assert msg["From"] == "nightshift@council.example" and msg["X-Nightshift-Event"] == "run_failed"
    assert RUN["artifacts"] in msg.get_content()


def test_a_refused_smtp_login_is_reported_without_the_password(smtp, monkeypatch, caplog):
    mailbox, port = smtp
    monkeypatch.setenv("NIGHTSHIFT_SMTP_PASSWORD", "not-the-right-one")
    with caplog.at_level(logging.WARNING, logger="nightshift.alerts"):
        result = Alerts.from_config(config(smtp_port=port)).send(queue_failures("referrals", 12, 10))
    assert "refused the login" in result["email"] and "NIGHTSHIFT_SMTP_PASSWORD" in result["email"]
    assert "not-the-right-one" not in result["email"] + caplog.text
    assert mailbox.messages == []


def test_webhook_body_is_signed_and_the_signature_verifies(receiver, secrets):
    alert = run_failed(RUN)
    assert Alerts.from_config(config(webhook=receiver.url)).send(alert) == {"webhook": None}

    [got] = receiver.requests
    assert got.path == "/nightshift"
    assert got.headers["Content-Type"] == "application/json" and got.headers["X-Nightshift-Event"] == "run_failed"
    assert got.json() == {**alert.data, "subject": alert.subject, "body": alert.body}
    assert got.body == json.dumps(got.json(), sort_keys=True, separators=(",", ":")).encode()
    timestamp, signature = got.headers["X-Nightshift-Timestamp"], got.headers["X-Nightshift-Signature"]
    assert signature.startswith("sha256=")
    assert verify_signature(WEBHOOK_SECRET, timestamp, got.body, signature)
    assert verify_signature(WEBHOOK_SECRET, timestamp, got.body, signature, max_age_s=300)
    assert not verify_signature("another-secret", timestamp, got.body, signature)
    tampered = got.body.replace(b'"failed":4', b'"failed":5')
    assert len(tampered) == len(got.body) and tampered != got.body
    assert not verify_signature(WEBHOOK_SECRET, timestamp, tampered, signature)
    assert not verify_signature(WEBHOOK_SECRET, str(int(timestamp) + 1), got.body, signature)
    assert not verify_signature(WEBHOOK_SECRET, str(int(timestamp) - 3600), got.body, signature, max_age_s=300)


def test_webhook_errors_are_returned_not_raised(receiver, monkeypatch, caplog):
    alerts = Alerts.from_config(config(webhook=receiver.url))
    assert "NIGHTSHIFT_WEBHOOK_SECRET" in Alerts.send(alerts, queue_failures("q", 10, 10))["webhook"]
    assert receiver.requests == []

    monkeypatch.setenv("NIGHTSHIFT_WEBHOOK_SECRET", WEBHOOK_SECRET)
    receiver.status = 500
    with caplog.at_level(logging.WARNING, logger="nightshift.alerts"):
        result = alerts.send(queue_failures("q", 10, 10))
    assert "HTTP 500" in result["webhook"] and "/nightshift" not in result["webhook"]
    assert "webhook" in caplog.text and "HTTP 500" in caplog.text and WEBHOOK_SECRET not in caplog.text

    receiver.status = 302  # followed, urllib would turn the POST into a GET without the alert
    assert "HTTP 302" in alerts.send(queue_failures("q", 10, 10))["webhook"]
    assert len(receiver.requests) == 2


def test_notify_posts_the_template_and_personalisation_with_a_signed_jwt(notify):
    receiver, service_id, secret = notify
    alert = queue_failures("referrals", 12, 10)
    assert Alerts.from_config(config(notify=receiver.url)).send(alert) == {"notify": None}

    [got] = receiver.requests
    assert got.path == "/v2/notifications/email"
    assert got.json() == {"email_address": "team@council.example", "template_id": TEMPLATE_ID,
                          "personalisation": {"subject": alert.subject, "body": alert.body}}
    scheme, token = got.headers["Authorization"].split(" ", 1)
    assert scheme == "Bearer"
    jwt = pytest.importorskip("jwt")
    claims = jwt.decode(token, key=secret, algorithms=["HS256"])
    assert claims["iss"] == service_id
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(token, key=str(uuid.uuid4()), algorithms=["HS256"])


def test_an_unreachable_notify_is_reported(closed_port, monkeypatch):
    secret = str(uuid.uuid4())
    monkeypatch.setenv("NIGHTSHIFT_NOTIFY_API_KEY", f"nightshift_test-{uuid.uuid4()}-{secret}")
    result = Alerts.from_config(config(notify=f"http://127.0.0.1:{closed_port}")).send(queue_failures("q", 10, 10))
    assert result["notify"].startswith(f"Notify at http://127.0.0.1:{closed_port} could not be reached")
    assert secret not in result["notify"]


def test_an_unreachable_smtp_server_fails_alone(closed_port, receiver, notify, secrets, caplog):
    # The webhook and Notify share one receiver; their paths tell them apart.
    alerts = Alerts.from_config({**config(smtp_port=closed_port, webhook=receiver.url, notify=receiver.url)})
    assert alerts.channels == ["email", "webhook", "notify"]
    with caplog.at_level(logging.WARNING, logger="nightshift.alerts"):
        result = alerts.send(run_failed(RUN))
    assert result["webhook"] is None and result["notify"] is None
    assert f"127.0.0.1:{closed_port}" in result["email"] and "refused" in result["email"].lower()
    assert "\n" not in result["email"] and SMTP_PASSWORD not in result["email"] + caplog.text
    assert "email" in caplog.text
    assert sorted(r.path for r in receiver.requests) == ["/nightshift", "/v2/notifications/email"]


# -- configuration -------------------------------------------------------------------------
def test_no_configuration_means_no_channels():
    for empty in (None, {}):
        alerts = Alerts.from_config(empty)
        assert (alerts.channels, alerts.on_run_failure, alerts.queue_threshold) == ([], True, 0)
        assert alerts.send(Alert("run_failed", "s", "b", {})) == {}


EMAIL = {"host": "127.0.0.1", "from": "nightshift@council.example", "to": "team@council.example"}
HOOK = {"url": "https://hooks.example/nightshift", "secret_env": "NIGHTSHIFT_WEBHOOK_SECRET"}
NOTIFY = {"api_key_env": "NIGHTSHIFT_NOTIFY_API_KEY", "template_id": TEMPLATE_ID, "email_addresses": ["a@b.example"]}


@pytest.mark.parametrize(("settings", "named"), [
    ({"emial": EMAIL}, "alerts.emial is not a setting"),
    ({"on_run_failure": "yes"}, "alerts.on_run_failure must be true or false"),
    ({"queue_failures": -1}, "alerts.queue_failures"),
    ({"email": {**EMAIL, "to": None}}, "alerts.email.to is missing: give one address or a list"),
    ({"email": {**EMAIL, "to": ["not an address"]}}, "alerts.email.to"),
    ({"email": {**EMAIL, "port": 70000}}, "alerts.email.port must be a port number"),
    ({"email": {**EMAIL, "port": "twenty-five"}}, "alerts.email.port"),
    ({"email": {**EMAIL, "starttls": "no"}}, "alerts.email.starttls must be true or false"),
    ({"email": {**EMAIL, "password": "x"}}, "alerts.email.password is not a setting"),
    ({"email": {**EMAIL, "username": "nightshift"}}, "alerts.email: give username and password_env together"),
    ({"email": {k: v for k, v in EMAIL.items() if k != "host"}}, "alerts.email.host is missing"),
    ({"email": None}, "alerts.email.host is missing"),
    ({"email": ["127.0.0.1"]}, "alerts.email must be a mapping"),
    ({"webhook": {**HOOK, "url": None}}, "alerts.webhook.url is missing"),
    ({"webhook": {**HOOK, "url": "ftp://hooks.example/"}}, "alerts.webhook.url must be an http:// or https://"),
    ({"webhook": {**HOOK, "secret_env": None}}, "alerts.webhook.secret_env is missing"),
    ({"webhook": {**HOOK, "timeout": 0}}, "alerts.webhook.timeout must be a number of seconds"),
    ({"notify": {**NOTIFY, "template_id": None}}, "alerts.notify.template_id is missing"),
    ({"notify": {**NOTIFY, "template_id": "welcome"}}, "alerts.notify.template_id 'welcome' is not a template id"),
    ({"notify": {**NOTIFY, "email_addresses": []}}, "alerts.notify.email_addresses is missing"),
    ({"notify": {**NOTIFY, "api_key_env": None}}, "alerts.notify.api_key_env is missing"),
])
def test_a_wrong_setting_is_named(settings, named):
    with pytest.raises(InvalidInput, match="^" + named.replace(".", r"\.").replace("(", r"\(")):
        Alerts.from_config(settings)


def test_a_secret_written_into_the_file_is_refused_without_being_echoed():
    with pytest.raises(InvalidInput) as raised:
        Alerts.from_config({"webhook": {**HOOK, "secret_env": "s3cr3t value!"}})
    assert "alerts.webhook.secret_env must name an environment variable" in str(raised.value)
    assert "s3cr3t" not in str(raised.value)

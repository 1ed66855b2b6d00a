"""Alerts: tell a person when a run fails or failed items pile up in a queue.

An alert goes out by any of three channels, set in an ``alerts:`` mapping (the caller
has already expanded ``${VAR}``)::

    alerts:
      on_run_failure: true          # a run ending FAIL, TIMEOUT or ERROR (default true)
      queue_failures: 10            # a queue holding at least this many FAILED items (0 = off)
      email:
        host: smtp.council.example
        port: 587                   # default 25
        starttls: true              # default false
        username: nightshift        # optional, with password_env
        password_env: NIGHTSHIFT_SMTP_PASSWORD   # the variable holding the password
        from: nightshift@council.example
        to: [team@council.example]  # one address or a list
      webhook:
        url: https://hooks.council.example/nightshift
        secret_env: NIGHTSHIFT_WEBHOOK_SECRET    # HMAC-SHA256 key: the body is signed
        timeout: 10                 # seconds (default 10)
      notify:                       # GOV.UK Notify
        base_url: https://api.notifications.service.gov.uk   # the default
        api_key_env: NIGHTSHIFT_NOTIFY_API_KEY
        template_id: 0b1b7c2e-4d0c-4f6a-9d65-3c1e7a2f9b10    # an e-mail template with ((subject)) and ((body))
        email_addresses: [team@council.example]

Secrets never sit in the file: it names the environment variables that hold them,
and they are read when an alert is sent. An alert carries process names, run ids,
statuses, counts, queue names and artifacts paths, never an item's payload.

A webhook receives ``alert.data`` with ``subject`` and ``body`` as compact JSON,
signed over ``b"<X-Nightshift-Timestamp>." + body``. A receiver checks it with
:func:`verify_signature` and rejects old timestamps, so a captured request cannot be
replayed::

    ok = verify_signature(secret, headers["X-Nightshift-Timestamp"], body,
                          headers["X-Nightshift-Signature"], max_age_s=300)

:meth:`Alerts.send` never raises for a channel that fails (an unreachable mail server
must not stop the worker): it logs a warning on ``nightshift.alerts`` and returns the
reason, per channel.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import re
import smtplib
import socket
import ssl
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid
from pathlib import Path
from typing import Any, ClassVar

from notifications_python_client.errors import APIError
from notifications_python_client.notifications import NotificationsAPIClient

from workitems import InvalidInput

log = logging.getLogger("nightshift.alerts")

FAILED_STATUSES = ("FAIL", "TIMEOUT", "ERROR")
SEND_TIMEOUT_S = 10
NOTIFY_URL = "https://api.notifications.service.gov.uk"
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_NOTIFY_KEY = re.compile(r".+-[0-9a-f-]{36}-[0-9a-f-]{36}")

_HINTS = {
    "TIMEOUT": "The step ran past its timeout and was stopped. Its items go back to the queue when their "
               "leases run out, and the next run retries them. If the step needs longer, raise its "
               "timeout in processes.yaml.",
    "FAIL": "A task of the robot failed. The step's log.html shows which keyword failed and why "
            "(a screenshot is attached to it when a page was open).",
    "ERROR": "The step could not be run as expected (the robot did not start, or its results could not "
             "be read). Its console.txt, beside the log, shows why.",
}


@dataclass(frozen=True)
class Alert:
    kind: str  # "run_failed" or "queue_failures"
    subject: str  # one line
    body: str  # plain text for a person
    data: dict[str, Any]  # JSON-safe facts, the webhook's payload


def _facts(kind: str, **facts: Any) -> dict[str, Any]:
    base = dict.fromkeys(("process", "run_id", "status", "queue", "failed", "threshold", "log"))
    return {**base, "kind": kind, "machine": socket.gethostname(),
            "at": datetime.now(UTC).isoformat(timespec="seconds"), **facts}


def run_failed(run: dict[str, Any]) -> Alert:
    """The alert for a run that ended FAIL, TIMEOUT or ERROR (a run record, as in ``run.json``).

    The status shown is the run's, or the first failed step's when that says more
    (``TIMEOUT`` rather than ``FAIL``). Missing keys are tolerated, extra ones ignored.
    """
    run_id, process = str(run.get("run_id") or "?"), str(run.get("process") or "?")
    steps = [s for s in run.get("steps") or [] if isinstance(s, dict)]
    failed_steps = [s for s in steps if s.get("status") not in ("PASS", "NOT RUN", None)]
    first = failed_steps[0] if failed_steps else None
    status = str(run.get("status") or "FAIL")
    if status == "FAIL" and first and first.get("status") in ("TIMEOUT", "ERROR"):
        status = str(first["status"])
    counts = {k: int(run.get(k) or 0) for k in ("done", "business_failures", "application_failures")}
    if steps and not any(k in run for k in counts):  # a run.json record keeps counts per step
        counts = {k: sum(int(s.get(k) or 0) for s in steps) for k in counts}
    artifacts = run.get("artifacts")
    log_path = _step_log(first) if first else None
    data = _facts("run_failed", process=process, run_id=run_id, status=status,
                  failed=counts["business_failures"] + counts["application_failures"],
                  log=log_path or (str(artifacts) if artifacts else None),
                  machine=str(run.get("machine") or socket.gethostname()),
                  trigger=str(run["trigger"]) if run.get("trigger") else None,
                  step=first.get("task") if first else None,
                  artifacts=str(artifacts) if artifacts else None, **counts)
    subject = f"nightshift: run {run_id} of {process} failed ({status})"
    lines = [f"The run {run_id} of the process {process} failed ({status}) on {data['machine']}"
             + (f", started by {data['trigger']}." if data["trigger"] else "."), "",
             (f"Items: {counts['done']} done, {_n(counts['business_failures'], 'business failure')}, "
              f"{_n(counts['application_failures'], 'application failure')}."), ""]
    if steps:
        lines.append("Steps:")
        for n, step in enumerate(steps, 1):
            code = step.get("exit_code")
            lines.append(f"  {n}. {step.get('task', '?')}: {step.get('status', '?')}"
                         + (f" (exit code {code})" if code is not None else ""))
            if step is first and log_path:
                lines.append(f"     log: {log_path}")
        lines.append("")
    lines.append(f"Artifacts: {artifacts or 'not recorded'}")
    lines += ["", "What to do:"]
    if log_path:
        lines.append(f"- Open the log of the step that failed: {log_path}")
    lines.append(f"- {_HINTS.get(str(first.get('status')) if first else status, _HINTS['FAIL'])}")
    queue = first.get("input_queue") if first else None
    if counts["business_failures"] or counts["application_failures"]:
        lines.append(f"- Failed items wait for a person: nightshift items list {queue or 'QUEUE'} --state failed")
    lines.append(f"- When the cause is fixed, run it again: nightshift run {process}")
    return Alert("run_failed", subject, "\n".join(lines) + "\n", data)


def _n(count: int, thing: str) -> str:
    return f"{count} {thing}" if count == 1 else f"{count} {thing}s"


def _step_log(step: dict[str, Any]) -> str | None:
    if step.get("log"):
        return str(step["log"])
    return str(Path(step["artifacts"]) / "log.html") if step.get("artifacts") else None


def queue_failures(queue: str, failed: int, threshold: int) -> Alert:
    """The alert for a queue holding ``failed`` FAILED items, at or past ``threshold``."""
    data = _facts("queue_failures", queue=queue, failed=int(failed), threshold=int(threshold))
    subject = f"nightshift: queue {queue} holds {failed} failed items (alert threshold {threshold})"
    body = (
        f"The queue {queue} holds {failed} failed work items, at or past the alert threshold of {threshold}.\n\n"
        "Failed items wait for a person. BUSINESS failures mean the input is wrong: correct it at the source "
        "and retry the item, or resolve it by hand. APPLICATION failures mean a system failed: once it works "
        "again, retry them.\n\n"
        "What to do:\n"
        f"- See what failed and why: nightshift items list {queue} --state failed\n"
        f"- Retry the system failures: nightshift items retry --all-failed {queue} --type APPLICATION\n"
    )
    return Alert("queue_failures", subject, body, data)


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The ``X-Nightshift-Signature`` value: ``sha256=`` and the HMAC of ``b"<timestamp>." + body``."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def verify_signature(secret: str, timestamp: str, body: bytes, signature: str, *,
                     max_age_s: float | None = None) -> bool:
    """True when ``signature`` is the webhook's signature of ``body`` at ``timestamp`` with ``secret``.

    Pass ``max_age_s`` (300 is usual) to also reject a timestamp older than that: a
    replayed request carries its old timestamp, which cannot be changed without the secret.
    """
    if not timestamp.isdigit():
        return False
    if max_age_s is not None and abs(time.time() - int(timestamp)) > max_age_s:
        return False
    expected = sign(secret, timestamp, body).encode()
    return hmac.compare_digest(expected, signature.encode("utf-8", "replace"))


class AlertNotSent(Exception):
    """A channel could not deliver; the message is one line, free of secrets."""


class Channel(ABC):
    """One way of sending alerts, made from its ``alerts.<name>`` settings.

    ``from_config`` raises :class:`InvalidInput` naming the setting at fault; ``send``
    raises :class:`AlertNotSent` (or anything else, which :class:`Alerts` reports too).
    Secrets are read from the environment at send time, never kept in the settings.
    """

    name: ClassVar[str]
    keys: ClassVar[tuple[str, ...]]  # the settings it accepts

    @classmethod
    @abstractmethod
    def from_config(cls, config: dict[str, Any]) -> Channel: ...

    @abstractmethod
    def send(self, alert: Alert) -> None: ...

    def secrets(self) -> list[str]:
        """The secret values currently in the environment for this channel: kept out of messages."""
        return []


class EmailChannel(Channel):
    name = "email"
    keys = ("host", "port", "starttls", "username", "password_env", "from", "to")

    def __init__(self, host: str, port: int, starttls: bool, username: str | None, password_env: str | None,
                 sender: str, to: list[str], where: str = "alerts.email"):
        self.host, self.port, self.starttls = host, port, starttls
        self.username, self.password_env, self.sender, self.to = username, password_env, sender, to
        self.where = where

    @classmethod
    def from_config(cls, config: dict[str, Any], *, where: str = "alerts.email",
                    recipients: bool = True) -> EmailChannel:
        """``recipients=False``: the settings name no ``to`` (each message says whom, see :meth:`deliver`)."""
        s = _Settings(where, config, cls.keys if recipients else tuple(k for k in cls.keys if k != "to"))
        username, password_env = s.text("username", required=False), s.env_name("password_env")
        if bool(username) != bool(password_env):
            raise InvalidInput(f"{where}: give username and password_env together (the server's login), "
                               "or neither")
        return cls(host=s.text("host", "the SMTP server's name or address"), port=s.port("port", 25),
                   starttls=s.flag("starttls", False),
                   username=username, password_env=password_env, sender=s.addresses("from", one=True)[0],
                   to=s.addresses("to") if recipients else [], where=where)

    def secrets(self) -> list[str]:
        return [os.environ.get(self.password_env, "")] if self.password_env else []

    def send(self, alert: Alert) -> None:
        self.deliver(alert.subject, alert.body, self.to, headers={"X-Nightshift-Event": alert.kind})

    def deliver(self, subject: str, body: str, to: list[str], *, headers: dict[str, str] | None = None,
                sender_name: str | None = None) -> str:
        """Send one plain-text message to ``to`` (from ``sender_name <from>`` when a name is given);
        returns its Message-ID. Raises :class:`AlertNotSent`."""
        password = _secret(self.password_env, f"{self.where}.password_env") if self.password_env else None
        msg = EmailMessage()
        msg["Subject"], msg["To"] = subject, ", ".join(to)
        msg["From"] = formataddr((sender_name, self.sender)) if sender_name else self.sender
        msg["Date"] = formatdate(localtime=False)
        msg["Message-ID"] = make_msgid(domain=self.sender.rpartition("@")[2] or "nightshift")
        for name, value in (headers or {}).items():
            msg[name] = value
        msg.set_content(body)
        where = f"the SMTP server {self.host}:{self.port}"
        try:
            with smtplib.SMTP(self.host, self.port, timeout=SEND_TIMEOUT_S) as smtp:
                if self.starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if self.username:
                    smtp.login(self.username, password or "")
                refused = smtp.send_message(msg)
        except smtplib.SMTPAuthenticationError as exc:
            raise AlertNotSent(f"{where} refused the login of {self.username!r} ({exc.smtp_code}): check "
                               f"the password in {self.password_env}") from None
        except smtplib.SMTPRecipientsRefused as exc:
            raise AlertNotSent(f"{where} refused every recipient ({', '.join(exc.recipients)}): check "
                               f"{self.where}.to") from None
        except smtplib.SMTPSenderRefused as exc:
            raise AlertNotSent(f"{where} refused the sender {self.sender} ({exc.smtp_code}): check "
                               f"{self.where}.from") from None
        except smtplib.SMTPNotSupportedError as exc:
            raise AlertNotSent(f"{where} cannot do what the settings ask: {_reason(str(exc))} (check "
                               f"{self.where}.starttls and username)") from None
        except smtplib.SMTPResponseException as exc:
            answer = _reason(exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes)
                             else str(exc.smtp_error))
            raise AlertNotSent(f"{where} answered {exc.smtp_code} {answer}") from None
        except (smtplib.SMTPException, OSError) as exc:
            raise AlertNotSent(f"{where} could not be reached: {_reason(exc)} (check {self.where}.host and "
                               "port, and that the server is up)") from None
        if refused:
            raise AlertNotSent(f"{where} refused {', '.join(refused)}: the other recipients got the message")
        return str(msg["Message-ID"])


class WebhookChannel(Channel):
    name = "webhook"
    keys = ("url", "secret_env", "timeout")

    def __init__(self, url: str, secret_env: str, timeout: float):
        self.url, self.secret_env, self.timeout = url, secret_env, timeout

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> WebhookChannel:
        s = _Settings("alerts.webhook", config, cls.keys)
        secret_env = s.env_name("secret_env")
        if not secret_env:
            raise InvalidInput("alerts.webhook.secret_env is missing: name the environment variable holding "
                               "the key that signs each request, so the receiver can tell it came from nightshift")
        return cls(url=s.url("url"), secret_env=secret_env, timeout=s.seconds("timeout", SEND_TIMEOUT_S))

    def secrets(self) -> list[str]:
        return [os.environ.get(self.secret_env, "")]

    def send(self, alert: Alert) -> None:
        secret = _secret(self.secret_env, "alerts.webhook.secret_env")
        body = json.dumps({**alert.data, "subject": alert.subject, "body": alert.body},
                          sort_keys=True, separators=(",", ":")).encode()
        timestamp = str(int(time.time()))
        request = urllib.request.Request(self.url, data=body, method="POST", headers={
            "Content-Type": "application/json", "User-Agent": "nightshift-alerts",
            "X-Nightshift-Event": alert.kind, "X-Nightshift-Timestamp": timestamp,
            "X-Nightshift-Signature": sign(secret, timestamp, body),
        })
        where = f"the webhook at {_origin(self.url)}"  # the path may hold a token: never shown
        try:
            with _NO_REDIRECTS.open(request, timeout=self.timeout) as response:
                response.read()
        except urllib.error.HTTPError as exc:
            hint = "give the final URL in alerts.webhook.url" if 300 <= exc.code < 400 else "check the receiver"
            raise AlertNotSent(f"{where} answered HTTP {exc.code} {exc.reason}: {hint}") from None
        except (urllib.error.URLError, OSError) as exc:
            reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
            raise AlertNotSent(f"{where} could not be reached: {_reason(reason)} "
                               "(check alerts.webhook.url and that the receiver is up)") from None


class _RefuseRedirects(urllib.request.HTTPRedirectHandler):
    # urllib would follow a redirect of a POST as a GET without the body, so the alert would vanish.
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_NO_REDIRECTS = urllib.request.build_opener(_RefuseRedirects)


class NotifyChannel(Channel):
    name = "notify"
    keys = ("base_url", "api_key_env", "template_id", "email_addresses")

    def __init__(self, base_url: str, api_key_env: str, template_id: str, email_addresses: list[str],
                 where: str = "alerts.notify"):
        self.base_url, self.api_key_env = base_url, api_key_env
        self.template_id, self.email_addresses = template_id, email_addresses
        self.where = where

    @classmethod
    def from_config(cls, config: dict[str, Any], *, where: str = "alerts.notify",
                    recipients: bool = True) -> NotifyChannel:
        """``recipients=False``: the settings name no ``email_addresses`` (see :meth:`deliver`)."""
        keys = cls.keys if recipients else tuple(k for k in cls.keys if k != "email_addresses")
        s = _Settings(where, config, keys)
        api_key_env = s.env_name("api_key_env")
        if not api_key_env:
            raise InvalidInput(f"{where}.api_key_env is missing: name the environment variable holding "
                               "the Notify API key")
        template_id = s.text("template_id", "the id of a Notify e-mail template with ((subject)) and ((body))")
        try:
            uuid.UUID(template_id)
        except ValueError:
            raise InvalidInput(f"{where}.template_id {template_id!r} is not a template id: copy the id "
                               "(a UUID) of an e-mail template from Notify's Templates page") from None
        return cls(base_url=s.url("base_url", NOTIFY_URL), api_key_env=api_key_env, template_id=template_id,
                   email_addresses=s.addresses("email_addresses") if recipients else [], where=where)

    def secrets(self) -> list[str]:
        key = os.environ.get(self.api_key_env, "")
        return [key, key[-36:]]  # the client signs with the key's last part alone

    def send(self, alert: Alert) -> None:
        self.deliver(alert.subject, alert.body, self.email_addresses)

    def deliver(self, subject: str, body: str, to: list[str], *, reference: str | None = None) -> str:
        """Send one e-mail through Notify to each of ``to``; returns the last notification's id."""
        api_key = _secret(self.api_key_env, f"{self.where}.api_key_env")
        if not _NOTIFY_KEY.fullmatch(api_key):
            raise AlertNotSent(f"{self.api_key_env} does not hold a Notify API key (KEYNAME-SERVICE_ID-SECRET): "
                               "create one under API integration in Notify")
        client = NotificationsAPIClient(api_key, base_url=self.base_url, timeout=SEND_TIMEOUT_S)
        failures, sent_id = [], ""
        for address in to:
            try:
                answer = client.send_email_notification(
                    email_address=address, template_id=self.template_id, reference=reference,
                    personalisation={"subject": subject, "body": body})
                sent_id = str((answer or {}).get("id", ""))
            except APIError as exc:
                if exc.response is None:  # no answer at all: say why, not Notify's generic "503 - Request failed"
                    raise AlertNotSent(f"Notify at {_origin(self.base_url)} could not be reached: "
                                       f"{type(exc.__cause__ or exc).__name__} (check {self.where}.base_url and "
                                       "the network)") from None
                failures.append(f"{address}: {_reason(str(exc))}")
        if failures:
            sent = len(to) - len(failures)
            raise AlertNotSent(f"Notify at {_origin(self.base_url)} sent {sent} of {len(to)}; "
                               + "; ".join(failures))
        return sent_id


CHANNELS: dict[str, type[Channel]] = {c.name: c for c in (EmailChannel, WebhookChannel, NotifyChannel)}


class Alerts:
    """The alert settings of a scheduler: when to alert, and the channels to alert by."""

    def __init__(self, channels: list[Channel] | None = None, *, on_run_failure: bool = True,
                 queue_threshold: int = 0):
        self._channels = list(channels or [])
        self.on_run_failure = on_run_failure
        self.queue_threshold = queue_threshold

    @classmethod
    def from_config(cls, config: dict[str, Any] | None) -> Alerts:
        """Alerts from the ``alerts:`` mapping; raises :class:`InvalidInput` naming a wrong setting."""
        s = _Settings("alerts", config or {}, ("on_run_failure", "queue_failures", *CHANNELS))
        threshold = s.config.get("queue_failures")
        if threshold is None or threshold == "":
            threshold = 0
        elif isinstance(threshold, str) and threshold.isdigit():
            threshold = int(threshold)  # a number from ${VAR} arrives as text
        if isinstance(threshold, bool) or not isinstance(threshold, int) or threshold < 0:
            raise InvalidInput(f"alerts.queue_failures must be a whole number of failed items, 0 for off "
                               f"(not {threshold!r})")
        channels = []
        for name, channel in CHANNELS.items():
            if name in s.config:
                sub = s.config[name] if s.config[name] is not None else {}
                if not isinstance(sub, dict):
                    raise InvalidInput(f"alerts.{name} must be a mapping of settings ({', '.join(channel.keys)})")
                channels.append(channel.from_config(sub))
        return cls(channels, on_run_failure=s.flag("on_run_failure", True), queue_threshold=threshold)

    @property
    def channels(self) -> list[str]:
        return [c.name for c in self._channels]

    def send(self, alert: Alert) -> dict[str, str | None]:
        """Send ``alert`` by every channel: channel name -> None when sent, or why it was not."""
        results: dict[str, str | None] = {}
        for channel in self._channels:
            try:
                channel.send(alert)
            except Exception as exc:  # noqa: BLE001 - one channel failing must stop neither the worker nor the others
                reason = str(exc) if isinstance(exc, AlertNotSent) else f"unexpected error: {_reason(exc)}"
                reason = _scrub(reason, channel.secrets())
                log.warning("alert %s not sent by %s: %s", alert.kind, channel.name, reason)
                results[channel.name] = reason
            else:
                log.info("alert %s sent by %s", alert.kind, channel.name)
                results[channel.name] = None
        return results


class _Settings:
    """One mapping of settings, checked key by key with messages naming ``where.key``."""

    def __init__(self, where: str, config: Any, keys: tuple[str, ...]):
        if not isinstance(config, dict):
            raise InvalidInput(f"{where} must be a mapping of settings ({', '.join(keys)})")
        unknown = sorted(str(k) for k in config if k not in keys)
        if unknown:
            raise InvalidInput(f"{where}.{unknown[0]} is not a setting: the settings are {', '.join(keys)}")
        self.where, self.config = where, config

    def missing(self, key: str, what: str) -> InvalidInput:
        return InvalidInput(f"{self.where}.{key} is missing: give {what}")

    def text(self, key: str, what: str = "a value", *, required: bool = True) -> str | None:
        value = self.config.get(key)
        if value is None or value == "":
            if required:
                raise self.missing(key, what)
            return None
        if not isinstance(value, str | int) or isinstance(value, bool):
            raise InvalidInput(f"{self.where}.{key} must be text")
        return str(value)

    def flag(self, key: str, default: bool) -> bool:
        value = self.config.get(key, default)
        if not isinstance(value, bool):
            raise InvalidInput(f"{self.where}.{key} must be true or false")
        return value

    def port(self, key: str, default: int) -> int:
        value = self.config.get(key, default)
        if isinstance(value, str) and value.isdigit():
            value = int(value)  # a port from ${VAR} arrives as text
        if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 65536:
            raise InvalidInput(f"{self.where}.{key} must be a port number from 1 to 65535 (not {value!r})")
        return value

    def seconds(self, key: str, default: float) -> float:
        value = self.config.get(key, default)
        try:
            seconds = float(value)
        except (TypeError, ValueError):
            seconds = 0.0
        if isinstance(value, bool) or not seconds > 0:
            raise InvalidInput(f"{self.where}.{key} must be a number of seconds above 0 (not {value!r})")
        return seconds

    def env_name(self, key: str) -> str | None:
        value = self.config.get(key)
        if value is None or value == "":
            return None
        if not isinstance(value, str) or not _ENV_NAME.fullmatch(value):
            # the value is not echoed: it may be the secret itself, put there by mistake
            raise InvalidInput(f"{self.where}.{key} must name an environment variable (such as "
                               f"NIGHTSHIFT_SECRET), never hold the secret itself")
        return value

    def addresses(self, key: str, *, one: bool = False) -> list[str]:
        value = self.config.get(key)
        what = "one address" if one else "one address or a list"
        if value is None or value == "" or value == []:
            raise self.missing(key, what)
        values = [value] if isinstance(value, str) else value
        if not isinstance(values, list) or (one and len(values) != 1):
            raise InvalidInput(f"{self.where}.{key} must be {what}")
        for address in values:
            if not isinstance(address, str) or not re.fullmatch(r"[^@\s<>,]+@[^@\s<>,]+", address):
                raise InvalidInput(f"{self.where}.{key}: {address!r} is not an e-mail address")
        return values

    def url(self, key: str, default: str | None = None) -> str:
        value = self.config.get(key) or default
        if not value:
            raise self.missing(key, "the http:// or https:// address to send to")
        parts = urllib.parse.urlsplit(str(value))
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise InvalidInput(f"{self.where}.{key} must be an http:// or https:// address "
                               f"(not {_origin(str(value))!r})")
        return str(value)


def _secret(env: str, setting: str) -> str:
    value = os.environ.get(env)
    if not value:
        raise AlertNotSent(f"the environment variable {env} (named by {setting}) is not set")
    return value


def _origin(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}" if parts.netloc else "an invalid address"


def _reason(exc: BaseException | str) -> str:
    text = " ".join(str(exc).split())
    if isinstance(exc, BaseException):
        text = f"{type(exc).__name__}: {text}" if text else type(exc).__name__
    return text[:300]


def _scrub(text: str, secrets: list[str]) -> str:
    for secret in secrets:
        if len(secret) >= 4:
            text = text.replace(secret, "***")
    return text

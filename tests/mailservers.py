"""Real servers on 127.0.0.1 for tests of what nightshift sends: SMTP (aiosmtpd) and HTTP receivers.

Import from a test module (``tests/`` is on ``sys.path`` through its conftest)::

    from mailservers import Mailbox, Receiver, free_port, http_receiver, notify_reply, smtp_server
"""

from __future__ import annotations

import json
import socket
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Mailbox:
    """What an SMTP server received: (envelope recipients, message) pairs."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], EmailMessage]] = []

    async def handle_DATA(self, server, session, envelope) -> str:
        self.messages.append((list(envelope.rcpt_tos), message_from_bytes(envelope.content, policy=policy.default)))
        return "250 OK"


@contextmanager
def smtp_server(authenticator: Callable | None = None) -> Iterator[tuple[Mailbox, int]]:
    mailbox = Mailbox()
    port = free_port()
    options: dict[str, Any] = {"authenticator": authenticator, "auth_require_tls": False} if authenticator else {}
    controller = Controller(mailbox, hostname="127.0.0.1", port=port, **options)
    controller.start()
    try:
        yield mailbox, port
    finally:
        controller.stop()


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> dict[str, Any]:
        return json.loads(self.body)


@dataclass
class Receiver:
    url: str
    status: int = 200
    reply: dict[str, Any] = field(default_factory=dict)
    requests: list[Received] = field(default_factory=list)


@contextmanager
def http_receiver() -> Iterator[Receiver]:
    """An HTTP server recording every POST and answering ``status`` with ``reply`` as JSON."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            got.requests.append(Received(self.path, dict(self.headers), body))
            answer = json.dumps(got.reply).encode()
            self.send_response(got.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    got = Receiver(url=f"http://127.0.0.1:{server.server_port}")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield got
    finally:
        server.shutdown()
        server.server_close()


def notify_reply(receiver: Receiver, template_id: str) -> tuple[str, str]:
    """Make ``receiver`` answer like GOV.UK Notify; returns a made-up service id and key secret."""
    service_id, secret = str(uuid.uuid4()), str(uuid.uuid4())
    receiver.status = 201
    receiver.reply = {
        "id": str(uuid.uuid4()), "reference": None, "uri": f"{receiver.url}/v2/notifications/x",
        "template": {"id": template_id, "version": 1, "uri": f"{receiver.url}/v2/template/{template_id}"},
        "content": {"subject": "subject", "body": "…", "from_email": "nightshift@notifications.service.gov.uk"},
    }
    return service_id, secret

"""The demo's invoice night: check and route the invoices, approve them through the portal, post them.

``invoice_night`` runs the ``invoices`` process (intake, checks, routing), then plays the
approvers: it starts the portal on a free port, signs in over HTTP as one scripted approver per
signing role of the approval matrix, and approves (signs) every invoice waiting for that
role, rejecting one with a reason, exactly as a person would with the portal's buttons.
Then the ``invoices-posting`` process posts what is fully signed. The scripted approvers are
disabled at the end: nobody signs in as them later.
"""

from __future__ import annotations

import http.cookiejar
import json
import secrets
import time
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path
from typing import Any

from rich.table import Table

from .common import console

APPROVER_PREFIX = "demo-signer-"


def invoice_night(store, manifest: dict[str, Any], inbox: Path, finance_url: str):
    """Returns the two runs (checks, posting)."""
    from keywords.invoices.approvals import APPROVAL_QUEUE
    from scheduler.processes import get_process
    from scheduler.runner import run_process
    from workitems import State

    from .run import print_summary

    _ensure_signing_setup()
    started = time.time()  # the score counts tonight's items only: the queues keep earlier nights'
    env = {"FINANCE_SYSTEM_URL": finance_url}
    with console.status("running the invoices process: read the invoices, check them against their purchase "
                        "orders in the finance system, route them for approval"):
        checks = run_process(get_process("invoices"), store, trigger="demo", trigger_payload={"inbox": str(inbox)},
                             extra_env=env)
    print_summary(checks)
    waiting = [i.id for i in store.list(APPROVAL_QUEUE, state=State.PENDING, limit=10_000)]
    with console.status(f"approving {len(waiting)} invoices in the portal as scripted approvers (real signatures)"):
        decided = _approve_through_portal(store, sorted(waiting))
    console.print(f"in the portal: {decided['approved']} signatures given, {decided['rejected']} invoice rejected "
                  f"({decided['signers']} scripted approvers)", highlight=False)
    with console.status("running the invoices-posting process: validate the signatures, upload, post for payment"):
        posting = run_process(get_process("invoices-posting"), store, trigger="demo", extra_env=env)
    print_summary(posting)
    _print_invoice_score(store, manifest, decided["rejected_refs"], since=started)
    return checks, posting


def _ensure_signing_setup() -> None:
    """The demo's signing certificate (``nightshift keys signing-cert``), made once."""
    from keywords.invoices.signing import SigningConfig

    config = SigningConfig.from_environment()
    if not config.cert.exists():
        from .night import _nightshift

        _nightshift("keys", "signing-cert", "--organisation", "Nightshift Demo Council")


def _approve_through_portal(store, item_ids: list[int]) -> dict[str, Any]:
    from keywords.invoices.matrix import load_matrix
    from portal.app import create_app
    from portal.users import Users

    from portal.serving import PortalThread

    matrix = load_matrix()
    roles = sorted({r.approver.role for r in matrix.rules if r.approver.role}
                   | ({matrix.second_approver.role} if matrix.second_approver and matrix.second_approver.role else set()))
    users = Users(store)
    logins: dict[str, tuple[str, str]] = {}
    for n, role in enumerate(roles, 1):
        name, password = f"{APPROVER_PREFIX}{n}", secrets.token_urlsafe(18)
        if users.get(name):
            users.set_password(name, password)
            users.set_disabled(name, False)
        else:
            users.add(name, "approver", password)
        users.set_signing(name, full_name=f"Demo Signer {n}", signs_as=[role])
        logins[role] = (name, password)
    result = {"approved": 0, "rejected": 0, "rejected_refs": [], "signers": len(logins)}
    try:
        with PortalThread(create_app(store)) as url:
            sessions = {role: _Session(url, *login) for role, login in logins.items()}
            first_single = None
            for item_id in item_ids:
                item = store.get(item_id)
                slots = item.payload.get("approvers_required") or []
                if first_single is None and len(slots) == 1:
                    first_single = item_id  # one invoice is turned down, to show it is never posted
                    sessions[slots[0]["role"]].post(f"/api/approvals/{item_id}/reject",
                                                    {"reason": "Goods not received yet (demo)"})
                    result["rejected"] += 1
                    result["rejected_refs"].append(item.reference)
                    continue
                for slot in slots:
                    sessions[slot["role"]].post(f"/api/approvals/{item_id}/approve", {"reason": "Approved (demo)"})
                    result["approved"] += 1
    finally:
        for name, _ in logins.values():
            users.set_disabled(name, True)
    return result


class _Session:
    """One signed-in approver talking to the portal over HTTP, as a browser would (cookie, CSRF token)."""

    def __init__(self, url: str, name: str, password: str):
        self.url = url
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()),
                                                  urllib.request.ProxyHandler({}))
        token = self._json("GET", "/api/login")["csrf"]
        self._json("POST", "/api/login", {"name": name, "password": password}, token)
        self.csrf = self._json("GET", "/api/login")["csrf"]

    def post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        return self._json("POST", path, body, self.csrf)

    def _json(self, method: str, path: str, body: dict[str, Any] | None = None, csrf: str | None = None):
        request = urllib.request.Request(f"{self.url}{path}", method=method,
                                         data=json.dumps(body).encode() if body is not None else None,
                                         headers={"Content-Type": "application/json",
                                                  **({"X-CSRF-Token": csrf} if csrf else {})})
        try:
            with self.opener.open(request, timeout=60) as response:
                return json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as exc:
            detail = json.loads(exc.read() or b"{}").get("error", exc.reason)
            raise RuntimeError(f"the portal refused {method} {path}: {exc.code} {detail}") from None


def _print_invoice_score(store, manifest: dict[str, Any], rejected: list[str], since: float = 0.0) -> None:
    from workitems import State

    entries = manifest["invoices"]
    expect = Counter(e["expect"] for e in entries)
    checked = [i for i in store.list("invoices", limit=100_000) if i.created_at >= since]
    posted = {i.reference for i in store.list("invoices-posted", limit=100_000) if i.created_at >= since}
    failures = Counter(i.exception.code for i in checked if i.state == State.FAILED and i.exception)
    good = {f"{e['supplier_name']} / {e['invoice_number']}" for e in entries if e["expect"] == "approve-route"}
    table = Table(title="invoices against the generator's manifest", title_justify="left")
    for col in ("", "expected", "got"):
        table.add_column(col, justify="left" if not col else "right")
    table.add_row("good invoices posted for payment (one rejected in the portal)", str(len(good - set(rejected))),
                  str(len(posted & good)))
    table.add_row("rejected invoices posted", "0", str(len(posted & set(rejected))))
    table.add_row("wrong purchase order (BUSINESS)", str(sum(1 for e in entries if e["defect"] == "wrong_po")),
                  str(failures["WRONG_PO"]))
    table.add_row("wrong amount (BUSINESS)", str(sum(1 for e in entries if e["defect"] == "wrong_amount")),
                  str(failures["WRONG_AMOUNT"]))
    table.add_row("duplicates (no second item, BUSINESS)", str(expect["duplicate"]), str(failures["DUPLICATE_INVOICE"]))
    table.add_row("posted that should not be", "0", str(len(posted - good)))
    console.print(table)

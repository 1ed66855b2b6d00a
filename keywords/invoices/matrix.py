"""The approval matrix: who must sign an invoice, by cost centre and amount, and who may fill which slot.

The matrix is a YAML file (``robots/invoices/approval-matrix.yaml``; ``NIGHTSHIFT_APPROVAL_MATRIX``
points at another)::

    schema_version: 1
    amount: net                      # which amount the bands compare: net or total
    rules:                           # the first rule that matches decides the first approver
      - cost_centres: [CS4102, CS4120]
        up_to: 1000.00               # inclusive; leave out for "any amount"
        approver: {role: Budget holder}
      - cost_centres: "*"
        approver: {role: Head of service}
    second_approver:                 # above this amount a second, different person signs too
      above: 10000.00
      approver: {role: Finance director}

An approver is a ``role`` (anyone holding it may sign) or a ``person`` (that person only), or
both. ``approvers_required`` — the list ``route_invoice`` returns and the approval item carries —
holds one slot per signature: ``{"slot": 1, "role": "Budget holder", "person": ""}``.
``approval_step`` tells the portal which slot a signed-in user may fill, or why they may not.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml

from .errors import InvoiceProblem

SCHEMA_VERSION = 1
MATRIX_SETTING = "NIGHTSHIFT_APPROVAL_MATRIX"
DEFAULT_MATRIX = Path(__file__).resolve().parents[2] / "robots" / "invoices" / "approval-matrix.yaml"


class MatrixError(ValueError):
    """The matrix file is missing or wrong; the message names the file and the rule."""


class NotAllowed(InvoiceProblem):
    """This user may not sign this invoice now; the message says why (for the portal to show)."""

    def __init__(self, message: str) -> None:
        super().__init__("NOT_ALLOWED", message)


@dataclass(frozen=True)
class Approver:
    role: str = ""
    person: str = ""

    def slot(self, number: int) -> dict[str, Any]:
        return {"slot": number, "role": self.role, "person": self.person}


@dataclass(frozen=True)
class Rule:
    cost_centres: frozenset[str] | None  # None: any cost centre
    up_to: Decimal | None
    approver: Approver


@dataclass(frozen=True)
class ApprovalMatrix:
    rules: tuple[Rule, ...]
    basis: str = "net"
    second_above: Decimal | None = None
    second_approver: Approver | None = None
    source: str = ""

    def route(self, *, cost_centre: str, net: str | Decimal, total: str | Decimal) -> list[dict[str, Any]]:
        """The slots to fill for an invoice of ``cost_centre`` and these amounts (``approvers_required``).

        ``InvoiceProblem`` (``NO_APPROVER``) when no rule matches: the matrix must be completed.
        """
        amount = Decimal(str(net if self.basis == "net" else total))
        for rule in self.rules:
            if rule.cost_centres is not None and cost_centre.upper() not in rule.cost_centres:
                continue
            if rule.up_to is not None and amount > rule.up_to:
                continue
            slots = [rule.approver.slot(1)]
            if self.second_approver is not None and self.second_above is not None and amount > self.second_above:
                slots.append(self.second_approver.slot(2))
            return slots
        raise InvoiceProblem("NO_APPROVER", f"the approval matrix ({self.source}) names no approver for cost centre "
                                            f"{cost_centre} at this amount: add a rule for it")


def load_matrix(path: Path | str | None = None) -> ApprovalMatrix:
    """Read the matrix (``path``, else ``NIGHTSHIFT_APPROVAL_MATRIX``, else the one in robots/invoices)."""
    path = Path(path or os.environ.get(MATRIX_SETTING, "").strip() or DEFAULT_MATRIX)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise MatrixError(f"the approval matrix {path} does not exist: set {MATRIX_SETTING} to the file") from None
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise MatrixError(f"the approval matrix {path} cannot be read: {exc}") from None
    if not isinstance(data, dict) or data.get("schema_version") != SCHEMA_VERSION:
        raise MatrixError(f"{path} is not an approval matrix of schema_version {SCHEMA_VERSION}")
    basis = data.get("amount", "net")
    if basis not in ("net", "total"):
        raise MatrixError(f"{path}: 'amount' must be net or total, not {basis!r}")
    raw_rules = data.get("rules")
    if not isinstance(raw_rules, list) or not raw_rules:
        raise MatrixError(f"{path}: 'rules' must list at least one rule")
    rules = []
    for number, raw in enumerate(raw_rules, start=1):
        where = f"{path}, rule {number}"
        if not isinstance(raw, dict):
            raise MatrixError(f"{where}: a rule is a mapping with cost_centres, up_to and approver")
        centres = raw.get("cost_centres", "*")
        if centres == "*":
            chosen = None
        elif isinstance(centres, list) and centres and all(isinstance(c, str) for c in centres):
            chosen = frozenset(c.strip().upper() for c in centres)
        else:
            raise MatrixError(f"{where}: cost_centres must be \"*\" or a list of cost centre codes")
        up_to = _money(raw["up_to"], f"{where}, up_to") if raw.get("up_to") is not None else None
        rules.append(Rule(chosen, up_to, _approver(raw.get("approver"), where)))
    second = data.get("second_approver")
    second_above = second_approver = None
    if second is not None:
        if not isinstance(second, dict) or "above" not in second:
            raise MatrixError(f"{path}: second_approver needs 'above' (an amount) and 'approver'")
        second_above = _money(second["above"], f"{path}, second_approver.above")
        second_approver = _approver(second.get("approver"), f"{path}, second_approver")
    return ApprovalMatrix(tuple(rules), basis, second_above, second_approver, str(path))


def _money(raw: Any, where: str) -> Decimal:
    try:
        value = Decimal(str(raw))
    except InvalidOperation:
        value = Decimal(-1)
    if value < 0:
        raise MatrixError(f"{where}: {raw!r} is not an amount in pounds such as 1000.00")
    return value


def _approver(raw: Any, where: str) -> Approver:
    if not isinstance(raw, dict) or not (raw.get("role") or raw.get("person")):
        raise MatrixError(f"{where}: approver needs a role or a person, e.g. {{role: Budget holder}}")
    return Approver(str(raw.get("role") or "").strip(), str(raw.get("person") or "").strip())


def _same(a: str, b: str) -> bool:
    return " ".join(a.casefold().split()) == " ".join(b.casefold().split())


def approval_step(item_payload: dict[str, Any], user_name: str, user_role: str) -> dict[str, Any]:
    """The slot of ``approvers_required`` that ``user_name`` (holding ``user_role``) may sign now.

    ``NotAllowed`` says why not: the invoice is already fully approved, this person has
    already signed it (two signatures must be two people), or no open slot is for their role
    or name. Slots may be filled in any order; the first open one the user fits is returned.

    | slot = approval_step(item.payload, "Jane Smith", "Budget holder")   # {"slot": 1, "role": …}
    """
    required = item_payload.get("approvers_required") or []
    approvals = item_payload.get("approvals") or []
    if not required:
        raise NotAllowed("this invoice has no approvers assigned: it has not been routed")
    number = item_payload.get("invoice_number", "this invoice")
    rejection = item_payload.get("rejection")
    if rejection:
        raise NotAllowed(f"invoice {number} was rejected by {rejection.get('name')}: it cannot be approved")
    done = {a.get("slot") for a in approvals}
    open_slots = [slot for slot in required if slot.get("slot") not in done]
    if not open_slots:
        raise NotAllowed(f"invoice {number} already has all the approvals it needs")
    if any(_same(a.get("name", ""), user_name) for a in approvals):
        raise NotAllowed(f"you have already approved invoice {number}: the next approval must be by another person")
    for slot in open_slots:
        if slot.get("person") and not _same(slot["person"], user_name):
            continue
        if slot.get("role") and not _same(slot["role"], user_role):
            continue
        return dict(slot)
    wanted = " or ".join(
        (f"{s['person']} ({s['role']})" if s.get("person") and s.get("role") else s.get("person") or s.get("role", ""))
        for s in open_slots)
    raise NotAllowed(f"invoice {number} is waiting for approval by {wanted}, not by {user_role or 'your role'}")

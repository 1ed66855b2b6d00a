"""PAdES signatures on invoices: signing, and validation.

An approver's approval is a real digital signature (pyHanko, PAdES baseline B-B, SHA-256) in a
signature field of its own, named after the approver, with a visible stamp giving their name,
role and the signing time. Each signature is appended as an incremental update, so a second
approver's signature leaves the first one intact: the first covers its revision, the last one
covers the whole file.

An invoice the supplier signed before sending it (many do) keeps the supplier's signatures:
they come first in the file, and ``read_supplier_signatures`` lists them at intake. At posting
``validate_signatures(…, supplier_signatures=n)`` requires the first ``n`` to be intact and
valid (the bytes the supplier signed are unchanged) but not to chain to our trust root, which
vouches for our approvers only; every later signature must be intact, valid and trusted. A
supplier who *certified* the PDF with "no changes allowed" leaves nothing to sign:
``LOCKED_INVOICE``. After a certification that allows signing, approvals are signed without a
visible stamp, because a new visible signature field after certification is a change the
certification does not permit (pyHanko's diff analysis, like Adobe's, says so).

The certificate, key and trust roots come from ``certificates.py`` (its docstring lists the
settings: ``NIGHTSHIFT_SIGNING_CERT``, ``NIGHTSHIFT_SIGNING_KEY``, ``NIGHTSHIFT_SIGNING_TRUST``, the
passphrase in the vault).
"""

from __future__ import annotations

import asyncio
import io
import logging
import re
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from asn1crypto import x509 as asn1_x509

from .certificates import (CERT_SETTING, DEFAULT_FILES, FOLDER, KEY_SETTING, PASSPHRASE_KEY, PASSPHRASE_SECRET,
                           TRUST_SETTING, SigningConfig, create_demo_certificate, load_certificates, load_signer)
from .errors import SignatureRefused, SigningSetupError

__all__ = ["CERT_SETTING", "DEFAULT_FILES", "FOLDER", "KEY_SETTING", "PASSPHRASE_KEY", "PASSPHRASE_SECRET",
           "TRUST_SETTING", "SignatureCheck", "SignatureReport", "SigningConfig", "create_demo_certificate",
           "load_certificates", "load_signer", "load_trust_roots", "read_supplier_signatures", "sign_pdf",
           "supplier_note", "validate_signatures"]

T = TypeVar("T")
# Where each approver's stamp goes on the first page: the invoice's free band above its footer.
STAMP_WIDTH, STAMP_HEIGHT, STAMP_BOTTOM, STAMP_LEFT, STAMP_GAP = 170, 52, 90, 40, 8


# --- signing -------------------------------------------------------------------------------------------------------

def field_name(slot: int, signer_name: str) -> str:
    """The signature field of approver ``slot`` (1, 2, …): ``Approval1-Jane-Smith`` (no dots: PDF forbids them)."""
    slug = re.sub(r"[^A-Za-z0-9]+", "-", signer_name).strip("-")[:40] or "approver"
    return f"Approval{slot}-{slug}"


def sign_pdf(pdf_bytes: bytes, *, signer_name: str, role: str, reason: str,
             config: SigningConfig | None = None, supplier_signatures: int = 0) -> bytes:
    """``pdf_bytes`` with one more approval signature: a new field named after ``signer_name``, a
    visible stamp (name, role, time) and a PAdES signature by the organisation's certificate.

    The signature's name is ``signer_name`` and its reason ``reason`` with the role after it
    (``Goods received (Budget holder)``; ``Approved (Budget holder)`` without a reason). Earlier
    signatures stay valid: the new one is an incremental update. ``supplier_signatures`` is how
    many of the PDF's signatures are the supplier's (they do not count as approval slots).
    ``config`` defaults to ``SigningConfig.from_environment()``. ``SigningSetupError`` when the
    set-up is wrong, ``InvoiceProblem`` when ``pdf_bytes`` is not a PDF that can be signed
    (``UNREADABLE_INVOICE``) or its supplier certified it with no changes allowed (``LOCKED_INVOICE``).
    """
    if not signer_name.strip() or not role.strip():
        raise ValueError("sign_pdf needs the approver's name and role")
    signer = load_signer(config or SigningConfig.from_environment())
    return _outside_event_loop(_sign, pdf_bytes, signer, signer_name, role, reason, supplier_signatures)


def _outside_event_loop(function: Callable[..., T], *args: Any) -> T:
    """``function(*args)`` where pyHanko's ``asyncio.run`` may run: on a thread of its own when this
    thread already runs an event loop (Playwright's sync API in a robot, an async web handler)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return function(*args)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="pyhanko") as pool:
        return pool.submit(function, *args).result()


def _sign(pdf_bytes: bytes, signer: Any, signer_name: str, role: str, reason: str,
          supplier_signatures: int) -> bytes:
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign import fields, signers
    from pyhanko.stamp import TextStampStyle

    from .errors import InvoiceProblem

    try:
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf_bytes), strict=False)
        existing = PdfFileReader(io.BytesIO(pdf_bytes), strict=False).embedded_signatures
        certified = _certification(existing, "the invoice PDF")
    except InvoiceProblem:
        raise
    except Exception as exc:  # pyHanko's PdfReadError and lower-level parse errors
        raise InvoiceProblem("UNREADABLE_INVOICE", f"the invoice PDF cannot be signed: it is not a readable PDF "
                                                   f"({type(exc).__name__})") from None
    slot = max(len(existing) - supplier_signatures, 0) + 1
    name = field_name(slot, signer_name)
    column, row = (slot - 1) % 3, (slot - 1) // 3
    left = STAMP_LEFT + column * (STAMP_WIDTH + STAMP_GAP)
    bottom = STAMP_BOTTOM + row * (STAMP_HEIGHT + STAMP_GAP)
    meta = signers.PdfSignatureMetadata(
        field_name=name, name=signer_name, reason=f"{reason} ({role})" if reason else f"Approved ({role})",
        subfilter=fields.SigSeedSubFilter.PADES, md_algorithm="sha256")
    style = TextStampStyle(stamp_text="Approved by %(approver)s\n%(role)s\n%(ts)s",
                           timestamp_format="%d/%m/%Y %H:%M:%S %Z")
    if certified:  # no stamp: see the module docstring
        pdf_signer = signers.PdfSigner(meta, signer, new_field_spec=fields.SigFieldSpec(name))
        return pdf_signer.sign_pdf(writer).getvalue()
    pdf_signer = signers.PdfSigner(
        meta, signer, stamp_style=style,
        new_field_spec=fields.SigFieldSpec(name, on_page=0,
                                           box=(left, bottom, left + STAMP_WIDTH, bottom + STAMP_HEIGHT)))
    out = pdf_signer.sign_pdf(writer, appearance_text_params={"approver": signer_name[:60], "role": role[:60]})
    return out.getvalue()


def _certification(embedded: Iterable[Any], name: str) -> bool:
    """Whether a signature of ``embedded`` certifies the document; ``LOCKED_INVOICE`` if it allows no change."""
    from pyhanko.sign.fields import MDPPerm

    from .errors import InvoiceProblem

    certified = False
    for sig in embedded:
        level = sig.docmdp_level
        if level is MDPPerm.NO_CHANGES:
            raise InvoiceProblem("LOCKED_INVOICE", f"{name} is certified by its supplier ({_common_name(sig)}) with "
                                                   "\"no changes allowed\", so our approvers cannot sign it without "
                                                   "breaking the supplier's signature: ask the supplier for a copy "
                                                   "that is signed but not locked against changes")
        certified = certified or level is not None
    return certified


def _common_name(sig: Any) -> str:
    """The subject common name of the certificate that made ``sig`` (an ``EmbeddedPdfSignature``)."""
    try:
        subject = sig.signer_cert.subject
    except Exception:  # a damaged signature: its certificate cannot be read
        return "an unreadable certificate"
    name = subject.native.get("common_name")
    return str(name[-1] if isinstance(name, list) else name) if name else subject.human_friendly


# --- validation ----------------------------------------------------------------------------------------------------

@dataclass
class SignatureCheck:
    """One signature as validation saw it."""

    field: str
    signer_name: str
    reason: str
    signed_at: datetime | None
    certificate: str
    intact: bool
    valid: bool
    trusted: bool
    coverage: str
    modification: str
    problem: str = ""
    by_supplier: bool = False  # one of the signatures the invoice arrived with: never checked for trust
    common_name: str = ""  # the certificate subject's common name

    @property
    def ok(self) -> bool:
        return not self.problem

    @property
    def summary(self) -> str:
        """One line for a log or a page: who signed, and what was checked."""
        if self.by_supplier:
            return f"{supplier_note(self.common_name)} ({'intact' if self.ok else self.problem})"
        return f"signed by {self.signer_name or self.common_name} ({self.common_name}): " + \
            ("intact, valid and trusted" if self.ok else self.problem)


def supplier_note(signed_by: str) -> str:
    """How a supplier's signature is described, on the approval page, in the log and on the posted item."""
    return f"signed by the supplier: {signed_by}, not checked against our trust root"


@dataclass
class SignatureReport:
    """Every signature of a PDF and what is wrong, if anything: ``ok`` only when nothing is."""

    signatures: list[SignatureCheck]
    problems: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems and bool(self.signatures)

    @property
    def signers(self) -> list[str]:
        """The names of our approvers' signatures (not the supplier's)."""
        return [s.signer_name for s in self.signatures if not s.by_supplier]

    @property
    def supplier(self) -> list[SignatureCheck]:
        """The supplier's signatures, the invoice's first ones."""
        return [s for s in self.signatures if s.by_supplier]

    def raise_if_refused(self, what: str = "the invoice PDF") -> None:
        """``SignatureRefused`` naming every problem, unless ``ok``."""
        if not self.ok:
            raise SignatureRefused(f"{what} is refused: " + "; ".join(self.problems or ["it carries no signature"]))


def load_trust_roots(trust_roots: Path | str | Iterable[Path | str | asn1_x509.Certificate] | SigningConfig
                     ) -> list[asn1_x509.Certificate]:
    """Certificates from a PEM file (or several), or a ``SigningConfig``'s trust file."""
    if isinstance(trust_roots, SigningConfig):
        return load_certificates(trust_roots.trust, TRUST_SETTING)
    if isinstance(trust_roots, (str, Path)):
        return load_certificates(Path(trust_roots), TRUST_SETTING)
    roots: list[asn1_x509.Certificate] = []
    for item in trust_roots:
        roots.extend([item] if isinstance(item, asn1_x509.Certificate) else load_certificates(Path(item),
                                                                                               TRUST_SETTING))
    if not roots:
        raise SigningSetupError(f"no trust roots given: set {TRUST_SETTING} to the root certificate's PEM file")
    return roots


def validate_signatures(pdf_bytes: bytes, *,
                        trust_roots: Path | str | Iterable[Path | str | asn1_x509.Certificate] | SigningConfig,
                        supplier_signatures: int = 0) -> SignatureReport:
    """Check every signature of ``pdf_bytes``: intact (the signed bytes are unchanged), valid
    (the cryptography holds), trusted (the certificate chains to one of ``trust_roots``), no
    change after it beyond adding later signatures, and the last one covering the whole file.

    The first ``supplier_signatures`` are the supplier's, as the invoice arrived (counted at
    intake): they must be there, intact and valid, but need not be trusted; at least one
    signature must follow them. Returns a ``SignatureReport`` (never raises for a bad PDF: the
    problem is in the report; call ``raise_if_refused()`` to stop on it). ``SigningSetupError``
    when the trust roots cannot be read.
    """
    roots = load_trust_roots(trust_roots)
    report = _quietly(_validate, pdf_bytes, roots, supplier_signatures)
    if report.signatures and len(report.signatures) <= supplier_signatures:
        found = len(report.signatures)
        report.problems.append(
            f"it carries only the supplier's signature{'s' if found > 1 else ''} and no approval signature"
            if found == supplier_signatures else
            f"it carries {found} signature(s) but the supplier's {supplier_signatures} were counted when it "
            "arrived: the PDF was replaced or damaged")
    return report


def read_supplier_signatures(pdf_bytes: bytes, name: str) -> list[dict[str, str]]:
    """The signatures an invoice PDF arrives with (the supplier's), for the work item's
    ``supplier_signatures``: ``[{"field", "signed_by", "signed_at"}]`` (``signed_by`` is the
    certificate's common name), ``[]`` for an unsigned PDF or one that cannot be read.

    Checked as far as can be without trusting the supplier's certificate (nobody vouches for it
    here): each signature intact and valid, nothing changed after the last. ``InvoiceProblem``
    naming ``name`` (the file) otherwise: ``BAD_SIGNATURE``, or ``LOCKED_INVOICE`` when the
    supplier certified it with "no changes allowed", which no approver could then sign.
    """
    from pyhanko.pdf_utils.reader import PdfFileReader

    from .errors import InvoiceProblem

    try:
        embedded = list(PdfFileReader(io.BytesIO(pdf_bytes), strict=False).embedded_regular_signatures)
    except Exception:  # extraction reports an unreadable file; nothing to say about signatures here
        return []
    if not embedded:
        return []
    _certification(embedded, name)
    report = _quietly(_validate, pdf_bytes, [], len(embedded))
    if report.problems:
        raise InvoiceProblem("BAD_SIGNATURE", f"{name} arrived with a supplier's signature that does not hold: "
                                              + "; ".join(report.problems)
                                              + ". Ask the supplier for a new copy")
    return [{"field": s.field, "signed_by": s.common_name,
             "signed_at": s.signed_at.isoformat(timespec="seconds") if s.signed_at else ""}
            for s in report.signatures]


def _quietly(function: Callable[..., T], *args: Any) -> T:
    """``function(*args)`` outside any event loop, with pyHanko's tracebacks for untrusted chains muted."""
    # pyHanko logs an untrusted chain as a warning with a traceback; the report says it in one line.
    quiet = logging.getLogger("pyhanko.sign.validation.generic_cms")
    muted = _BelowError()
    quiet.addFilter(muted)
    try:
        return _outside_event_loop(function, *args)
    finally:
        quiet.removeFilter(muted)


class _BelowError(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.ERROR


def _validate(pdf_bytes: bytes, roots: list[asn1_x509.Certificate], supplier_signatures: int) -> SignatureReport:
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.diff_analysis import ModificationLevel
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    try:
        reader = PdfFileReader(io.BytesIO(pdf_bytes), strict=False)
        embedded = list(reader.embedded_regular_signatures)
    except Exception as exc:  # a damaged file may fail anywhere in parsing
        return SignatureReport([], [f"it is not a readable PDF ({type(exc).__name__}): it may have been changed "
                                    "or damaged after signing"])
    if not embedded:
        return SignatureReport([], ["it carries no signature"])
    checks: list[SignatureCheck] = []
    problems: list[str] = []
    for index, sig in enumerate(embedded, start=1):
        sig_object = sig.sig_object
        signer_name = str(sig_object.get("/Name", "") or "")
        reason = str(sig_object.get("/Reason", "") or "")
        by_supplier = index <= supplier_signatures
        label = f"signature {index} ({sig.field_name}{', by ' + signer_name if signer_name else ''})"
        if by_supplier:
            label = f"the supplier's signature {index} ({sig.field_name}, by {_common_name(sig)})"
        context = ValidationContext(trust_roots=roots, allow_fetching=False)
        try:
            status = validate_pdf_signature(sig, signer_validation_context=context)
        except Exception as exc:  # a signature so damaged it cannot even be evaluated
            check = SignatureCheck(sig.field_name, signer_name, reason, None, "", False, False, False, "UNCLEAR",
                                   "OTHER", f"{label} cannot be checked ({_first_line(exc)}): the PDF was "
                                            "changed or damaged after signing", by_supplier)
            checks.append(check)
            problems.append(check.problem)
            continue
        modification = status.modification_level
        last = index == len(embedded)
        problem = ""
        if not status.intact:
            problem = f"{label} does not match the document: the PDF was changed after signing"
        elif not status.valid:
            problem = f"{label} is not a valid signature (its cryptographic check fails)"
        elif not status.trusted and not by_supplier:  # the supplier's chains to no root of ours
            subject = status.signing_cert.subject.human_friendly
            problem = (f"{label} is by a certificate that is not trusted ({subject}): it does not chain to the "
                       f"trusted root ({TRUST_SETTING})" + (", or it is revoked or expired" if status.revoked
                                                             else ""))
        elif last and status.coverage != SignatureCoverageLevel.ENTIRE_FILE:
            problem = f"{label} does not cover the whole file: the PDF was changed after signing"
        elif not last and (status.coverage.value < SignatureCoverageLevel.ENTIRE_REVISION.value
                           or modification not in (ModificationLevel.NONE, ModificationLevel.FORM_FILLING)):
            problem = (f"{label}: the PDF was changed after signing beyond adding further signatures "
                       f"({modification.name if modification else 'unknown change'})")
        elif status.docmdp_ok is False:
            problem = f"{label}: the document was changed in a way the signature does not permit"
        check = SignatureCheck(
            field=sig.field_name, signer_name=signer_name, reason=reason, signed_at=status.signer_reported_dt,
            certificate=status.signing_cert.subject.human_friendly, intact=bool(status.intact),
            valid=bool(status.valid), trusted=bool(status.trusted), coverage=status.coverage.name,
            modification=modification.name if modification else "UNKNOWN", problem=problem,
            by_supplier=by_supplier, common_name=_common_name(sig))
        checks.append(check)
        if problem:
            problems.append(problem)
    return SignatureReport(checks, problems)


def _first_line(exc: BaseException) -> str:
    """``TypeName: first line of the message``, short: enough to diagnose, never a whole dump."""
    text = str(exc).strip().splitlines()[0][:160] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__

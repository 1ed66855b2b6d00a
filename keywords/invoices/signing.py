"""PAdES signatures on invoices: signing, and validation.

An approver's approval is a real digital signature (pyHanko, PAdES baseline B-B, SHA-256) in a
signature field of its own, named after the approver, with a visible stamp giving their name,
role and the signing time. Each signature is appended as an incremental update, so a second
approver's signature leaves the first one intact: the first covers its revision, the last one
covers the whole file.

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
           "load_certificates", "load_signer", "load_trust_roots", "sign_pdf", "validate_signatures"]

T = TypeVar("T")
# Where each approver's stamp goes on the first page: the invoice's free band above its footer.
STAMP_WIDTH, STAMP_HEIGHT, STAMP_BOTTOM, STAMP_LEFT, STAMP_GAP = 170, 52, 90, 40, 8


# --- signing -------------------------------------------------------------------------------------------------------

def field_name(slot: int, signer_name: str) -> str:
    """The signature field of approver ``slot`` (1, 2, …): ``Approval1-Jane-Smith`` (no dots: PDF forbids them)."""
    slug = re.sub(r"[^A-Za-z0-9]+", "-", signer_name).strip("-")[:40] or "approver"
    return f"Approval{slot}-{slug}"


def sign_pdf(pdf_bytes: bytes, *, signer_name: str, role: str, reason: str,
             config: SigningConfig | None = None) -> bytes:
    """``pdf_bytes`` with one more approval signature: a new field named after ``signer_name``, a
    visible stamp (name, role, time) and a PAdES signature by the organisation's certificate.

    The signature's name is ``signer_name`` and its reason ``reason`` with the role after it
    (``Goods received (Budget holder)``; ``Approved (Budget holder)`` without a reason). Earlier
    signatures stay valid: the new one is an incremental update. ``config`` defaults to
    ``SigningConfig.from_environment()``. ``SigningSetupError`` when the set-up is wrong,
    ``InvoiceProblem`` (``UNREADABLE_INVOICE``) when ``pdf_bytes`` is not a PDF that can be signed.
    """
    if not signer_name.strip() or not role.strip():
        raise ValueError("sign_pdf needs the approver's name and role")
    signer = load_signer(config or SigningConfig.from_environment())
    return _outside_event_loop(_sign, pdf_bytes, signer, signer_name, role, reason)


def _outside_event_loop(function: Callable[..., T], *args: Any) -> T:
    """``function(*args)`` where pyHanko's ``asyncio.run`` may run: on a thread of its own when this
    thread already runs an event loop (Playwright's sync API in a robot, an async web handler)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return function(*args)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="pyhanko") as pool:
        return pool.submit(function, *args).result()


def _sign(pdf_bytes: bytes, signer: Any, signer_name: str, role: str, reason: str) -> bytes:
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign import fields, signers
    from pyhanko.stamp import TextStampStyle

    from .errors import InvoiceProblem

    try:
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf_bytes), strict=False)
        slot = len(PdfFileReader(io.BytesIO(pdf_bytes), strict=False).embedded_signatures) + 1
    except Exception as exc:  # pyHanko's PdfReadError and lower-level parse errors
        raise InvoiceProblem("UNREADABLE_INVOICE", f"the invoice PDF cannot be signed: it is not a readable PDF "
                                                   f"({type(exc).__name__})") from None
    name = field_name(slot, signer_name)
    column, row = (slot - 1) % 3, (slot - 1) // 3
    left = STAMP_LEFT + column * (STAMP_WIDTH + STAMP_GAP)
    bottom = STAMP_BOTTOM + row * (STAMP_HEIGHT + STAMP_GAP)
    meta = signers.PdfSignatureMetadata(
        field_name=name, name=signer_name, reason=f"{reason} ({role})" if reason else f"Approved ({role})",
        subfilter=fields.SigSeedSubFilter.PADES, md_algorithm="sha256")
    style = TextStampStyle(stamp_text="Approved by %(approver)s\n%(role)s\n%(ts)s",
                           timestamp_format="%d/%m/%Y %H:%M:%S %Z")
    pdf_signer = signers.PdfSigner(
        meta, signer, stamp_style=style,
        new_field_spec=fields.SigFieldSpec(name, on_page=0,
                                           box=(left, bottom, left + STAMP_WIDTH, bottom + STAMP_HEIGHT)))
    out = pdf_signer.sign_pdf(writer, appearance_text_params={"approver": signer_name[:60], "role": role[:60]})
    return out.getvalue()


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

    @property
    def ok(self) -> bool:
        return not self.problem


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
        return [s.signer_name for s in self.signatures]

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
                        trust_roots: Path | str | Iterable[Path | str | asn1_x509.Certificate] | SigningConfig
                        ) -> SignatureReport:
    """Check every signature of ``pdf_bytes``: intact (the signed bytes are unchanged), valid
    (the cryptography holds), trusted (the certificate chains to one of ``trust_roots``), no
    change after it beyond adding later signatures, and the last one covering the whole file.

    Returns a ``SignatureReport`` (never raises for a bad PDF: the problem is in the report; call
    ``raise_if_refused()`` to stop on it). ``SigningSetupError`` when the trust roots cannot be read.
    """
    roots = load_trust_roots(trust_roots)
    # pyHanko logs an untrusted chain as a warning with a traceback; the report says it in one line.
    quiet = logging.getLogger("pyhanko.sign.validation.generic_cms")
    muted = _BelowError()
    quiet.addFilter(muted)
    try:
        return _outside_event_loop(_validate, pdf_bytes, roots)
    finally:
        quiet.removeFilter(muted)


class _BelowError(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.ERROR


def _validate(pdf_bytes: bytes, roots: list[asn1_x509.Certificate]) -> SignatureReport:
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
        label = f"signature {index} ({sig.field_name}{', by ' + signer_name if signer_name else ''})"
        context = ValidationContext(trust_roots=roots, allow_fetching=False)
        try:
            status = validate_pdf_signature(sig, signer_validation_context=context)
        except Exception as exc:  # a signature so damaged it cannot even be evaluated
            check = SignatureCheck(sig.field_name, signer_name, reason, None, "", False, False, False, "UNCLEAR",
                                   "OTHER", f"{label} cannot be checked ({_first_line(exc)}): the PDF was "
                                            "changed or damaged after signing")
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
        elif not status.trusted:
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
            modification=modification.name if modification else "UNKNOWN", problem=problem)
        checks.append(check)
        if problem:
            problems.append(problem)
    return SignatureReport(checks, problems)


def _first_line(exc: BaseException) -> str:
    """``TypeName: first line of the message``, short: enough to diagnose, never a whole dump."""
    text = str(exc).strip().splitlines()[0][:160] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__

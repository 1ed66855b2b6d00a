"""A supplier who signs its invoice PDFs before sending them, for tests: ``sign_as_supplier(pdf)``.

The supplier's certificate is self-signed and made here with ``cryptography`` (synthetic name,
throw-away key): nothing of ours vouches for it, as for a real supplier. Import from a test
module (``tests/`` is on ``sys.path`` through its conftest)::

    from supplier_signing import SUPPLIER, sign_as_supplier
"""

from __future__ import annotations

import io
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from typing import Any

SUPPLIER = "Acme Supplies Ltd (test)"  # synthetic


@lru_cache(maxsize=1)
def supplier_signer() -> Any:
    """pyHanko's signer for the supplier: a self-signed EC certificate named ``SUPPLIER``."""
    from asn1crypto import keys as asn1_keys
    from asn1crypto import x509 as asn1_x509
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
    from pyhanko.sign.signers import SimpleSigner

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, SUPPLIER),
                      x509.NameAttribute(NameOID.COMMON_NAME, SUPPLIER)])
    now = datetime.now(timezone.utc) - timedelta(minutes=5)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now)
            .not_valid_after(now + timedelta(days=30)).sign(key, hashes.SHA256()))
    der = serialization.Encoding.DER
    return SimpleSigner(signing_cert=asn1_x509.Certificate.load(cert.public_bytes(der)),
                        signing_key=asn1_keys.PrivateKeyInfo.load(key.private_bytes(
                            der, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())),
                        cert_registry=None)


def sign_as_supplier(pdf: bytes, *, certify: str = "") -> bytes:
    """``pdf`` signed by the supplier (an invisible PAdES signature in a field ``SupplierSignature``).

    ``certify`` certifies the document instead: ``"no changes"`` or ``"fill forms"`` (DocMDP 1 or 2).
    """
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    permissions = {"": fields.MDPPerm.FILL_FORMS, "no changes": fields.MDPPerm.NO_CHANGES,
                   "fill forms": fields.MDPPerm.FILL_FORMS}[certify]
    meta = signers.PdfSignatureMetadata(field_name="SupplierSignature", reason="Invoice issued",
                                        md_algorithm="sha256", subfilter=fields.SigSeedSubFilter.PADES,
                                        certify=bool(certify), docmdp_permissions=permissions)
    # pyHanko's sign_pdf calls asyncio.run(): in a worker where Playwright's loop runs, a thread of its own.
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: signers.sign_pdf(IncrementalPdfFileWriter(io.BytesIO(pdf)), meta,
                                                    signer=supplier_signer()).getvalue()).result()

"""The organisation's signing set-up: its certificate, key and trust roots, and a demo one.

Three PEM files, each named by a setting (an environment variable); the defaults are those
``nightshift keys signing-cert`` writes for the demo under ``NIGHTSHIFT_HOME/signing/``:

| setting                       | what it holds                                              | default
| ``NIGHTSHIFT_SIGNING_CERT``   | the signing certificate, then any intermediate certificates | ``signing/signing-cert.pem``
| ``NIGHTSHIFT_SIGNING_KEY``    | its private key (PKCS#8, encrypted with a passphrase)       | ``signing/signing-key.pem``
| ``NIGHTSHIFT_SIGNING_TRUST``  | the root certificate(s) a signature must chain to           | ``signing/trust-roots.pem``

The key's passphrase is a secret, so it lives in the nightshift vault, never in a file beside
the key: the secret ``signing_key``, key ``passphrase`` (``nightshift secrets set signing_key
--prompt passphrase``, or ``NIGHTSHIFT_SECRET_SIGNING_KEY='{"passphrase": "…"}'``). A key
without a passphrase is accepted only when no passphrase is stored. An organisation with a
real certificate points the three settings at its own files and stores its passphrase.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

from asn1crypto import keys as asn1_keys
from asn1crypto import pem as asn1_pem
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from .errors import SigningSetupError

CERT_SETTING, KEY_SETTING, TRUST_SETTING = "NIGHTSHIFT_SIGNING_CERT", "NIGHTSHIFT_SIGNING_KEY", "NIGHTSHIFT_SIGNING_TRUST"
PASSPHRASE_SECRET, PASSPHRASE_KEY = "signing_key", "passphrase"
FOLDER = "signing"
DEFAULT_FILES = {CERT_SETTING: "signing-cert.pem", KEY_SETTING: "signing-key.pem", TRUST_SETTING: "trust-roots.pem"}


@dataclass(frozen=True)
class SigningConfig:
    """Where the organisation's signing certificate, key and trust roots are, and the key's passphrase."""

    cert: Path
    key: Path
    trust: Path
    passphrase: bytes | None = field(default=None, repr=False)  # never shown in a repr or a log

    @classmethod
    def from_environment(cls, home: Path | None = None, *, passphrase: str | None = None) -> SigningConfig:
        """The settings (see the module docstring); the passphrase from the vault unless given."""
        if home is None:
            from workitems import config

            home = config.home()
        paths = {name: Path(os.environ.get(name, "").strip() or home / FOLDER / default)
                 for name, default in DEFAULT_FILES.items()}
        if passphrase is None:
            passphrase = _stored_passphrase()
        return cls(paths[CERT_SETTING], paths[KEY_SETTING], paths[TRUST_SETTING],
                   passphrase.encode() if passphrase else None)


def _stored_passphrase() -> str | None:
    """The key's passphrase from the nightshift vault (environment first, then the encrypted file)."""
    import keywords.vault as vault

    try:
        values = vault.from_environment(PASSPHRASE_SECRET)
        if values is None:
            values = vault.load_all().get(PASSPHRASE_SECRET)
    except vault.SecretsError as exc:
        raise SigningSetupError(f"cannot read the signing key's passphrase: {exc}") from None
    return (values or {}).get(PASSPHRASE_KEY) or None


# --- the demo certificate ---------------------------------------------------------------------------------------

def create_demo_certificate(folder: Path, *, organisation: str, passphrase: str, days: int = 825,
                            overwrite: bool = False) -> dict[str, Path]:
    """Write a demo signing set-up into ``folder``: a root certificate (``trust-roots.pem``), a
    signing certificate it issued (``signing-cert.pem``, with the root after it) and the signing
    key (``signing-key.pem``, PKCS#8 encrypted with ``passphrase``, readable by its owner only).

    The root's own key is thrown away once it has signed: nothing else can be issued under it,
    which is what a demo wants. ``FileExistsError`` if the files exist and not ``overwrite``.
    """
    if not passphrase:
        raise SigningSetupError("the signing key needs a passphrase to be stored encrypted")
    folder = Path(folder)
    paths = {name: folder / file for name, file in DEFAULT_FILES.items()}
    present = [str(p) for p in paths.values() if p.exists()]
    if present and not overwrite:
        raise FileExistsError(f"a signing set-up already exists ({', '.join(present)}); use --force to replace it")
    now = datetime.now(timezone.utc) - timedelta(minutes=5)  # a little slack for clocks that differ
    root_key = ec.generate_private_key(ec.SECP256R1())
    root_name = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
                           x509.NameAttribute(NameOID.COMMON_NAME, f"{organisation} Demo Signing Root")])
    root = (x509.CertificateBuilder().subject_name(root_name).issuer_name(root_name)
            .public_key(root_key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now).not_valid_after(now + timedelta(days=days + 1))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                         crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(root_key.public_key()), critical=False)
            .sign(root_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
                      x509.NameAttribute(NameOID.COMMON_NAME, f"{organisation} Invoice Approvals")])
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(root_name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now).not_valid_after(now + timedelta(days=days))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=True, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=False,
                                         crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()), critical=False)
            .sign(root_key, hashes.SHA256()))
    folder.mkdir(parents=True, exist_ok=True)
    pem = serialization.Encoding.PEM
    _write(paths[TRUST_SETTING], root.public_bytes(pem))
    _write(paths[CERT_SETTING], cert.public_bytes(pem) + root.public_bytes(pem))
    _write(paths[KEY_SETTING], key.private_bytes(pem, serialization.PrivateFormat.PKCS8,
                                                 serialization.BestAvailableEncryption(passphrase.encode())),
           private=True)
    return {"cert": paths[CERT_SETTING], "key": paths[KEY_SETTING], "trust": paths[TRUST_SETTING]}


def _write(path: Path, data: bytes, *, private: bool = False) -> None:
    """Write ``data`` whole (a temporary file renamed), owner-only when ``private``."""
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600 if private else 0o644)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.replace(tmp, path)


# --- loading the set-up ------------------------------------------------------------------------------------------

def load_certificates(path: Path, setting: str) -> list[asn1_x509.Certificate]:
    """Every certificate in the PEM (or DER) file ``path``; ``SigningSetupError`` naming ``setting`` otherwise."""
    data = _read(path, setting, "certificate")
    try:
        if asn1_pem.detect(data):
            certs = [asn1_x509.Certificate.load(der) for kind, _, der in asn1_pem.unarmor(data, multiple=True)
                     if kind == "CERTIFICATE"]
        else:
            certs = [asn1_x509.Certificate.load(data)]
        for cert in certs:
            cert.native  # noqa: B018 - parse it now, so that a damaged file fails here and not while signing
    except Exception:  # asn1crypto raises several types for a damaged file
        certs = []
    if not certs:
        raise SigningSetupError(f"{path} ({setting}) holds no readable certificate: give a PEM file with "
                                "'-----BEGIN CERTIFICATE-----' blocks")
    return certs


def _read(path: Path, setting: str, what: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except FileNotFoundError:
        raise SigningSetupError(f"the signing {what} {path} does not exist: set {setting} to the file, or run "
                                "'nightshift keys signing-cert' to make a demo one") from None
    except OSError as exc:
        raise SigningSetupError(f"the signing {what} {path} ({setting}) cannot be read: {exc.strerror}") from None


def load_signer(config: SigningConfig):  # noqa: ANN201 - pyhanko's SimpleSigner, imported late
    """pyHanko's signer for ``config``, after checking that the key opens and fits the certificate."""
    from pyhanko.sign.signers import SimpleSigner
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    certs = load_certificates(config.cert, CERT_SETTING)
    data = _read(config.key, KEY_SETTING, "key")
    loader = serialization.load_pem_private_key if b"-----BEGIN" in data else serialization.load_der_private_key
    try:
        key = loader(data, password=config.passphrase)
    except TypeError:
        if config.passphrase:
            raise SigningSetupError(f"the signing key {config.key} ({KEY_SETTING}) is not encrypted but a "
                                    f"passphrase is stored in the secret '{PASSPHRASE_SECRET}': encrypt the key, or "
                                    f"delete the secret") from None
        raise SigningSetupError(f"the signing key {config.key} ({KEY_SETTING}) is encrypted: store its passphrase "
                                f"with 'nightshift secrets set {PASSPHRASE_SECRET} --prompt {PASSPHRASE_KEY}'") from None
    except ValueError:
        raise SigningSetupError(f"the signing key {config.key} ({KEY_SETTING}) cannot be opened: the passphrase in the "
                                f"secret '{PASSPHRASE_SECRET}' is wrong, or the file is not a private key") from None
    der = serialization.PublicFormat.SubjectPublicKeyInfo
    leaf = x509.load_der_x509_certificate(certs[0].dump())
    if key.public_key().public_bytes(serialization.Encoding.DER, der) != \
            leaf.public_key().public_bytes(serialization.Encoding.DER, der):
        raise SigningSetupError(f"the signing key {config.key} ({KEY_SETTING}) does not match the certificate "
                                f"{config.cert} ({CERT_SETTING}): give the key that belongs to that certificate")
    private = asn1_keys.PrivateKeyInfo.load(key.private_bytes(serialization.Encoding.DER,
                                                              serialization.PrivateFormat.PKCS8,
                                                              serialization.NoEncryption()))
    registry = SimpleCertificateStore()
    registry.register_multiple(certs[1:])
    return SimpleSigner(signing_cert=certs[0], signing_key=private, cert_registry=registry)

"""``nightshift keys signing-cert`` as an administrator runs it: a demo set-up the bots can sign with."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def _nightshift(*args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NIGHTSHIFT_SECRET_")}
    return subprocess.run([sys.executable, "-m", "nightshift", *args], env=env, cwd=ROOT, capture_output=True,
                          text=True, timeout=120)


def test_signing_cert_makes_a_set_up_whose_passphrase_stays_in_the_vault(nightshift_home, invoice_pdf):
    made = _nightshift("keys", "signing-cert", "--organisation", "Riverside Test Council")
    assert made.returncode == 0, made.stderr
    folder = nightshift_home / "signing"
    assert "signing_key/passphrase" in made.stdout and str(folder / "signing-key.pem") in made.stdout.replace("\n", "")
    key = (folder / "signing-key.pem").read_bytes()
    assert key.startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
    assert oct((folder / "signing-key.pem").stat().st_mode & 0o777) == "0o600"

    from keywords.invoices.signing import SigningConfig, sign_pdf, validate_signatures
    from keywords.vault import load_all

    passphrase = load_all()["signing_key"]["passphrase"]
    assert passphrase.encode() not in key and passphrase not in made.stdout + made.stderr
    config = SigningConfig.from_environment()  # the passphrase comes from the vault
    signed = sign_pdf(invoice_pdf, signer_name="Priya Shah", role="Budget holder", reason="", config=config)
    report = validate_signatures(signed, trust_roots=config)
    assert report.ok and "Riverside Test Council" in report.signatures[0].certificate

    again = _nightshift("keys", "signing-cert")
    assert again.returncode == 2 and "already exists" in again.stderr and "--force" in again.stderr
    assert (folder / "signing-key.pem").read_bytes() == key  # nothing replaced

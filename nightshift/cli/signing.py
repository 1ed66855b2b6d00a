"""``nightshift keys signing-cert``: a demo signing certificate and key for the invoice approvals.

The key is written as encrypted PKCS#8; its passphrase is random and goes into the nightshift
vault (secret ``signing_key``, key ``passphrase``), so neither the command line, the shell's
history nor a file beside the key holds it. An organisation with a real certificate does not
run this: it points NIGHTSHIFT_SIGNING_CERT / _KEY / _TRUST at its own files.
"""

from __future__ import annotations

import secrets as random_secrets
from pathlib import Path
from typing import Optional

import typer

from .common import console, fail
from .keys import keys_app


@keys_app.command("signing-cert")
def signing_cert(
    organisation: str = typer.Option("Nightshift Demo Council", "--organisation", metavar="NAME",
                                     help="The organisation named in the certificates."),
    days: int = typer.Option(825, "--days", min=1, max=3650, help="How long the signing certificate is valid."),
    folder: Optional[Path] = typer.Option(None, "--folder", help="Where to write (default NIGHTSHIFT_HOME/signing)."),
    force: bool = typer.Option(False, "--force", help="Replace an existing demo set-up (old signatures stay "
                                                      "valid only while their root stays trusted)."),
) -> None:
    """Create a demo signing set-up for invoice approvals (root, signing certificate, encrypted key).

    The key's passphrase is random and kept in the secrets vault as signing_key/passphrase.
    Approvals in the portal sign invoice PDFs with it; the posting bot trusts the root.
    """
    import keywords.vault as vault
    from keywords.invoices.errors import SigningSetupError
    from keywords.invoices.signing import DEFAULT_FILES, FOLDER, PASSPHRASE_KEY, PASSPHRASE_SECRET, \
        create_demo_certificate
    from workitems import config

    if not organisation.strip() or len(organisation) > 64:
        fail("--organisation must be a name of 1 to 64 characters")
    target = folder or config.home() / FOLDER
    existing = [str(target / name) for name in DEFAULT_FILES.values() if (target / name).exists()]
    if existing and not force:
        fail(f"a signing set-up already exists ({', '.join(existing)}): use --force to replace it")
    try:
        # A passphrase given in the environment wins when the vault is read, so the key must use it.
        given = vault.from_environment(PASSPHRASE_SECRET)
        passphrase = (given or {}).get(PASSPHRASE_KEY) or ""
        if not passphrase:
            passphrase = random_secrets.token_urlsafe(32)
            stored = vault.load_all()
            stored[PASSPHRASE_SECRET] = {**stored.get(PASSPHRASE_SECRET, {}), PASSPHRASE_KEY: passphrase}
            vault.save_all(stored)
        paths = create_demo_certificate(target, organisation=organisation.strip(), passphrase=passphrase, days=days,
                                        overwrite=force)
    except (vault.SecretsError, SigningSetupError, OSError) as exc:
        fail(str(exc))
    where = "the environment (NIGHTSHIFT_SECRET_SIGNING_KEY)" if given else f"the secrets vault ({vault.secrets_path()})"
    console.print(f"signing certificate: {paths['cert']}\nsigning key (encrypted): {paths['key']}\n"
                  f"trust root: {paths['trust']}\nthe key's passphrase is kept in {where} as "
                  f"{PASSPHRASE_SECRET}/{PASSPHRASE_KEY}\n"
                  "this is a demo set-up: for real approvals set NIGHTSHIFT_SIGNING_CERT, NIGHTSHIFT_SIGNING_KEY and "
                  "NIGHTSHIFT_SIGNING_TRUST to the organisation's own files", markup=False, highlight=False)

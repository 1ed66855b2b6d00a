"""``nightshift secrets``: credentials for the bots, kept encrypted in ``NIGHTSHIFT_HOME/secrets.enc``.

Robots read them through ``RPA.Robocorp.Vault`` with ``RPA_SECRET_MANAGER=keywords.vault.NightshiftSecrets``.
No command ever prints a secret's values.
"""

from __future__ import annotations

import json
from typing import Optional

import typer

from .common import app, console, fail

secrets_app = typer.Typer(
    help="Credentials for the bots (encrypted in NIGHTSHIFT_HOME/secrets.enc; values are never shown).",
    no_args_is_help=True,
)
app.add_typer(secrets_app, name="secrets")


def _vault():  # noqa: ANN202 - the module, imported late so that other commands stay fast
    import keywords.vault as vault

    return vault


@secrets_app.command("set")
def set_secret(
    name: str = typer.Argument(..., help="The secret's name, e.g. case_system."),
    values: Optional[list[str]] = typer.Argument(None, metavar="[KEY=VALUE]...",
                                                 help="Values to store; other keys of the secret are kept."),
    prompt: Optional[list[str]] = typer.Option(None, "--prompt", metavar="KEY",
                                               help="Ask for KEY's value with hidden input (use it for passwords)."),
) -> None:
    """Store values of a secret, e.g. `nightshift secrets set case_system username=robot --prompt password`.

    A value on the command line stays in the shell's history: give passwords with --prompt.
    """
    vault = _vault()
    try:
        vault.check_name(name)
        given: dict[str, str] = {}
        for assignment in values or []:
            key, sep, value = assignment.partition("=")
            if not sep:
                fail(f"{assignment.split('=')[0]!r} needs a value: write KEY=VALUE, or --prompt KEY to type it hidden")
            given[vault.check_name(key.strip(), "key")] = value
        asked = [vault.check_name(k.strip(), "key") for k in prompt or []]
        if not given and not asked:
            fail("nothing to store: give KEY=VALUE pairs or --prompt KEY")
        for key in asked:
            if key in given:
                fail(f"{key!r} is given both as KEY=VALUE and with --prompt: choose one")
        secrets = vault.load_all()
    except vault.SecretsError as exc:
        fail(str(exc))
    for key in asked:
        given[key] = typer.prompt(f"{name} {key}", hide_input=True, confirmation_prompt=True)
    secret = {**secrets.get(name, {}), **given}
    secrets[name] = secret
    vault.save_all(secrets)
    console.print(f"secret {name} stored with keys: {', '.join(sorted(secret))}", markup=False, highlight=False)


@secrets_app.command("list")
def list_secrets(json_out: bool = typer.Option(False, "--json", help="Print JSON: [{name, keys, source}].")) -> None:
    """List the secrets' names and keys (never their values), from the file and the environment."""
    import os

    vault = _vault()
    try:
        stored = vault.load_all()
    except vault.SecretsError as exc:
        fail(str(exc))
    rows = [{"name": n, "keys": sorted(v), "source": "file"} for n, v in sorted(stored.items())]
    known = {vault.env_name(r["name"]): r for r in rows}
    for variable in sorted(v for v in os.environ if v.startswith(vault.ENV_PREFIX)):
        try:
            keys = sorted(vault.from_environment(variable[len(vault.ENV_PREFIX):]) or {})
        except vault.SecretsError:
            keys = []
        if variable in known:  # the environment overrides the file for this name
            known[variable].update(keys=keys, source=f"environment {variable}")
        else:
            rows.append({"name": variable[len(vault.ENV_PREFIX):].lower(), "keys": keys,
                         "source": f"environment {variable}"})
    if json_out:
        typer.echo(json.dumps(rows, indent=2))
        return
    if not rows:
        console.print("no secrets stored (add one with: nightshift secrets set NAME KEY=VALUE… --prompt KEY)",
                      markup=False, highlight=False)
        return
    from rich.table import Table

    table = Table("name", "keys", "source")
    for row in rows:
        table.add_row(row["name"], ", ".join(row["keys"]), row["source"])
    console.print(table)


@secrets_app.command("delete")
def delete_secret(name: str = typer.Argument(..., help="The secret to delete.")) -> None:
    """Delete a secret from the encrypted file (a NIGHTSHIFT_SECRET_… variable is not touched)."""
    vault = _vault()
    try:
        secrets = vault.load_all()
    except vault.SecretsError as exc:
        fail(str(exc))
    if name not in secrets:
        fail(f"there is no secret named {name!r} in {vault.secrets_path()} (see 'nightshift secrets list')")
    del secrets[name]
    vault.save_all(secrets)
    console.print(f"secret {name} deleted", markup=False, highlight=False)

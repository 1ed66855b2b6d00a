"""``nightshift keys``: encryption keys for payloads and files at rest (``NIGHTSHIFT_KEY``)."""

import typer

from .common import app, err_console

keys_app = typer.Typer(
    help="Encryption keys for work-item payloads and files (NIGHTSHIFT_KEY).",
    no_args_is_help=True,
)
app.add_typer(keys_app, name="keys")


@keys_app.command("generate")
def generate() -> None:
    """Print a new random key for NIGHTSHIFT_KEY (only the key goes to stdout).

    Keep it in a vault, apart from the data: without it nothing stored with it
    can be read. To rotate, put the new key first: NIGHTSHIFT_KEY=NEW,OLD.
    """
    from workitems.crypto import generate_key

    key = generate_key()
    # stdout carries the key alone, so KEY=$(nightshift keys generate) works;
    # the hint goes to the terminal (stderr), and nothing is written anywhere else.
    typer.echo(key)
    err_console.print(
        f"use it with: export NIGHTSHIFT_KEY={key}  (keep it secret; without it stored items cannot be read)",
        markup=False, highlight=False, soft_wrap=True,
    )


from . import signing  # noqa: E402,F401  - registers "keys signing-cert" on keys_app

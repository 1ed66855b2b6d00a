"""``nightshift portal`` and ``nightshift users``: the supervisor portal and who may use it."""

from __future__ import annotations

import os
import sys
from typing import Annotated, Optional

import typer
from rich.table import Table

from .common import app, console
from .support import actor, fail, print_json, say, store_session, when

users_app = typer.Typer(help="Portal users and their roles (viewer, approver, supervisor, admin).",
                        no_args_is_help=True)
app.add_typer(users_app, name="users")

DEFAULT_PORT = 8600


def _password(name: str, stdin: bool) -> str:
    """From stdin (scripts) or prompted twice (people); never from an argument, where ps would show it."""
    if stdin:
        password = sys.stdin.readline().rstrip("\n")
    elif os.environ.get("NIGHTSHIFT_USER_PASSWORD"):
        password = os.environ["NIGHTSHIFT_USER_PASSWORD"]
    else:
        password = typer.prompt(f"password for {name}", hide_input=True, confirmation_prompt=True)
    return password


@users_app.command("add")
def users_add(
    name: Annotated[str, typer.Argument(help="The sign-in name, e.g. ann.smith")],
    role: Annotated[str, typer.Option("--role", help="viewer, approver, supervisor or admin")] = "viewer",
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="Read the password from the first line of stdin.")] = False,
    full_name: Annotated[Optional[str], typer.Option("--full-name", help="The name shown in signatures, e.g. 'Ann Smith'.")] = None,
    signs_as: Annotated[Optional[list[str]], typer.Option(
        "--signs-as", help="An approval role this person signs invoices as (the approval matrix's, e.g. 'Team manager'); repeat for more.")] = None,
) -> None:
    """Add a portal user; the password is prompted for (or read with --password-stdin) and kept as an Argon2 hash."""
    from portal.audit import Audit
    from portal.users import Users, check_name, check_role

    with store_session() as store:
        check_name(name)
        check_role(role)
        if Users(store).get(name.strip()):
            fail(f"a user named {name.strip()!r} exists already: 'nightshift users set-password' or 'set-role' change it")
        user = Users(store).add(name, role, _password(name, password_stdin))
        Users(store).set_signing(user.name, full_name=full_name, signs_as=signs_as)
        Audit(store).record(f"cli:{actor()}", "user-add", f"user {user.name}",
                            {"role": user.role, "full_name": full_name, "signs_as": signs_as})
    say(f"added {user.name} ({user.role})" + (f", signs as {', '.join(signs_as)}" if signs_as else ""))


@users_app.command("list")
def users_list(as_json: Annotated[bool, typer.Option("--json", help="Print the users as JSON.")] = False) -> None:
    """Every portal user with their role."""
    from portal.users import Users

    with store_session() as store:
        users = Users(store).list()
    if as_json:
        print_json([{"name": u.name, "role": u.role, "disabled": u.disabled, "created_at": u.created_at,
                     "full_name": u.full_name, "signs_as": list(u.signs_as)} for u in users])
        return
    if not users:
        say("no users yet: add one with 'nightshift users add NAME --role admin'")
        return
    table = Table(title="portal users", title_justify="left")
    for col in ("name", "role", "full name", "signs as", "since", "disabled"):
        table.add_column(col)
    for u in users:
        table.add_row(u.name, u.role, u.full_name, ", ".join(u.signs_as), when(u.created_at), "yes" if u.disabled else "")
    console.print(table)


@users_app.command("set-role")
def users_set_role(name: str, role: Annotated[str, typer.Argument(help="viewer, approver, supervisor or admin")]) -> None:
    """Change a user's role (it applies from their next page)."""
    from portal.audit import Audit
    from portal.users import Users

    with store_session() as store:
        Users(store).set_role(name, role)
        Audit(store).record(f"cli:{actor()}", "user-role", f"user {name}", {"role": role})
    say(f"{name} is now {role}")


@users_app.command("set-signing")
def users_set_signing(
    name: str,
    full_name: Annotated[Optional[str], typer.Option("--full-name", help="The name shown in signatures.")] = None,
    signs_as: Annotated[Optional[list[str]], typer.Option(
        "--signs-as", help="An approval role (the approval matrix's); repeat for more. Replaces the roles held.")] = None,
    no_signing: Annotated[bool, typer.Option("--none", help="Take away every approval role.")] = False,
) -> None:
    """Set who a user signs as: their full name and the approval roles of the invoice approval matrix."""
    from portal.audit import Audit
    from portal.users import Users

    if no_signing and signs_as:
        fail("give --signs-as or --none, not both")
    with store_session() as store:
        if Users(store).get(name) is None:
            fail(f"no user named {name!r} (see 'nightshift users list')")
        Users(store).set_signing(name, full_name=full_name, signs_as=[] if no_signing else signs_as)
        user = Users(store).get(name)
        Audit(store).record(f"cli:{actor()}", "user-signing", f"user {name}",
                            {"full_name": user.full_name, "signs_as": list(user.signs_as)})
    say(f"{name} signs as {', '.join(user.signs_as) or 'nobody (no approval roles)'}"
        + (f", named {user.full_name}" if user.full_name else ""))


@users_app.command("set-password")
def users_set_password(
    name: str,
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="Read the password from the first line of stdin.")] = False,
) -> None:
    """Set a new password for a user."""
    from portal.audit import Audit
    from portal.users import Users

    with store_session() as store:
        if Users(store).get(name) is None:
            fail(f"no user named {name!r} (see 'nightshift users list')")
        Users(store).set_password(name, _password(name, password_stdin))
        Audit(store).record(f"cli:{actor()}", "user-password", f"user {name}")
    say(f"password of {name} changed")


@users_app.command("disable")
def users_disable(name: str, enable: Annotated[bool, typer.Option("--enable", help="Enable again.")] = False) -> None:
    """Stop a user signing in (their open sessions end at their next page); --enable undoes it."""
    from portal.audit import Audit
    from portal.users import Users

    with store_session() as store:
        Users(store).set_disabled(name, not enable)
        Audit(store).record(f"cli:{actor()}", "user-enable" if enable else "user-disable", f"user {name}")
    say(f"{name} {'enabled' if enable else 'disabled'}")


@app.command("portal")
def portal_command(
    host: Annotated[str, typer.Option("--host", help="Address to listen on (127.0.0.1: this machine only).")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on.")] = DEFAULT_PORT,
    secure_cookies: Annotated[bool, typer.Option("--secure-cookies", help="Mark the session cookie Secure (behind HTTPS).")] = False,
) -> None:
    """Run the supervisor portal alone (nightshift serve runs it too)."""
    import uvicorn

    from portal.app import create_app

    with store_session() as store:
        say(f"nightshift portal on http://{host}:{port}/ (database {store.url}); Ctrl-C stops it")
        uvicorn.run(create_app(store, secure_cookies=secure_cookies), host=host, port=port, log_level="warning")

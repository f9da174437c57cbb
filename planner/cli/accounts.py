"""``virtplan org|user|token create``: bootstrap an empty database from a script;
``virtplan user set-password|disable|enable``: look after a user (each ends
the user's signed-in sessions, but enable)."""

from __future__ import annotations

import sys
from contextlib import contextmanager

import click

from models import ROLES
from models.database import make_engine, make_session_factory
from planner.config import Settings
from planner.core.text import plural
from planner.services import accounts
from planner.services.errors import ServiceError


@contextmanager
def use_case():
    """One transaction against VIRTPLAN_DATABASE_URL; a ServiceError exits 2 with its message."""
    engine = make_engine(Settings.from_env(env="development").database_url)
    session = make_session_factory(engine)()
    try:
        yield session
        session.commit()
    except ServiceError as exc:
        session.rollback()
        click.echo(f"error: {exc.message}", err=True)
        for problem in exc.problems:
            click.echo(f"  {problem['path'] or '(document)'}: {problem['message']}", err=True)
        sys.exit(2)
    finally:
        session.close()
        engine.dispose()


@click.group()
def org() -> None:
    """Organizations."""


@org.command("create")
@click.argument("name")
def org_create(name: str) -> None:
    """Create organization NAME."""
    with use_case() as s:
        created = accounts.create_organization(s, name)
    click.echo(f"organization {created.name!r} created", err=True)


@click.group()
def user() -> None:
    """Users."""


@user.command("create")
@click.argument("username")
@click.option("--org", "org_name", required=True, help="the organization the user belongs to")
@click.option("--role", type=click.Choice(ROLES), required=True)
def user_create(username: str, org_name: str, role: str) -> None:
    """Create USERNAME; the password is read from standard input when it is not
    a terminal, else prompted for twice."""
    password = _read_password()
    with use_case() as s:
        accounts.create_user(s, username, password, accounts.organization_named(s, org_name), role)
    click.echo(f"user {username!r} created in {org_name!r} as {role}", err=True)


@user.command("set-password")
@click.argument("username")
def user_set_password(username: str) -> None:
    """Give USERNAME a new password (read as for ``user create``); every session
    they have signed in ends."""
    password = _read_password()
    with use_case() as s:
        accounts.set_password(s, username, password)
    click.echo(f"password of {username!r} changed; their sessions have ended", err=True)


@user.command("disable")
@click.argument("username")
def user_disable(username: str) -> None:
    """Stop USERNAME signing in; their sessions end and the API tokens they issued are revoked at once."""
    with use_case() as s:
        _user, revoked = accounts.set_disabled(s, username, True)
    click.echo(
        f"user {username!r} disabled; their sessions have ended and {plural(revoked, 'API token')} they issued revoked",
        err=True,
    )


@user.command("enable")
@click.argument("username")
def user_enable(username: str) -> None:
    """Let a disabled USERNAME sign in again."""
    with use_case() as s:
        accounts.set_disabled(s, username, False)
    click.echo(f"user {username!r} enabled", err=True)


def _read_password() -> str:
    if sys.stdin.isatty():
        return click.prompt("Password", hide_input=True, confirmation_prompt=True)
    return sys.stdin.readline().rstrip("\r\n")


@click.group()
def token() -> None:
    """API tokens."""


@token.command("create")
@click.option("--org", "org_name", required=True, help="the organization the token acts for")
@click.option(
    "--scope", type=click.Choice(["read", "write"]), required=True, help="read: GET only; write: read and change"
)
@click.option("--name", default="", help="a label to recognise the token by")
def token_create(org_name: str, scope: str, name: str) -> None:
    """Create a token and print it, alone, on standard output. It is shown only once."""
    with use_case() as s:
        _row, secret = accounts.create_token(s, accounts.organization_named(s, org_name), scope, name)
    click.echo(secret)


COMMANDS = [org, user, token]

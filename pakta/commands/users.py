"""`pakta users ...`: admin and operator accounts."""

import sys

import click
from flask.cli import AppGroup

from pakta.commands import cli_actor, fail
from pakta.db import get_session


@click.group("users", cls=AppGroup, help="Admin and operator accounts.")
def users_group() -> None:
    pass


@users_group.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice(["admin", "operator"]), required=True)
@click.option("--unit", "unit_code", help="The operator's unit code.")
@click.option("--name", default="", help="Full name (defaults to the email).")
def users_create(email: str, role: str, unit_code: str | None, name: str) -> None:
    """Create an account; the password is read from a prompt or standard input."""
    from pakta.services import accounts, audit

    if sys.stdin.isatty():
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    session = get_session()
    try:
        user = accounts.create_user(
            session, email=email, name=name, role=role, password=password, unit_code=unit_code
        )
    except accounts.AccountError as error:
        fail(str(error))
    audit.record(
        session,
        actor=cli_actor(),
        action="user.create",
        target_type="user",
        target_id=user.id,
        role=role,
        unit=unit_code,
    )
    session.commit()
    click.echo(f"created {role} {user.email}")


@users_group.command("list")
def users_list() -> None:
    from sqlalchemy import select

    from pakta.models import User

    for user in get_session().scalars(select(User).order_by(User.email)):
        unit = user.unit.code if user.unit else "-"
        state = "active" if user.active else "inactive"
        click.echo(f"{user.email}\t{user.role.value}\t{unit}\t{state}")


def _account(email: str):
    from pakta.services import accounts

    user = accounts.find_user(get_session(), email)
    if user is None:
        fail(f"no account with email {email}")
    return user


@users_group.command("reset-mfa")
@click.argument("email")
def users_reset_mfa(email: str) -> None:
    """Turn off an account's two-step login (a lost phone) and log it out everywhere; an
    admin sets it up again at the next login."""
    from pakta.services import audit, login_sessions, mfa

    session = get_session()
    user = _account(email)
    mfa.reset(session, user)
    login_sessions.end_all(session, user)
    audit.record(
        session, actor=cli_actor(), action="user.mfa_reset", target_type="user", target_id=user.id
    )
    session.commit()
    click.echo(f"two-step login reset for {user.email}")


@users_group.command("end-sessions")
@click.argument("email")
def users_end_sessions(email: str) -> None:
    """Log an account out of every browser."""
    from pakta.services import audit, login_sessions

    session = get_session()
    user = _account(email)
    count = login_sessions.end_all(session, user)
    audit.record(
        session,
        actor=cli_actor(),
        action="user.sessions_ended",
        target_type="user",
        target_id=user.id,
        count=count,
    )
    session.commit()
    click.echo(f"{count} session(s) of {user.email} ended")


@users_group.command("disable")
@click.argument("email")
def users_disable(email: str) -> None:
    """Stop an account from logging in, and end its sessions."""
    from pakta.services import accounts, audit

    session = get_session()
    user = _account(email)
    accounts.set_active(session, user, False)
    audit.record(
        session, actor=cli_actor(), action="user.disable", target_type="user", target_id=user.id
    )
    session.commit()
    click.echo(f"{user.email} disabled")

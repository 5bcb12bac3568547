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


def _audited_change(email: str, action: str, change) -> dict:
    """Applies ``change(session, user)`` to the account of ``email``, audits it with the
    details it returns, commits; returns the details."""
    from pakta.services import accounts, audit

    session = get_session()
    user = accounts.find_user(session, email)
    if user is None:
        fail(f"no account with email {email}")
    details = change(session, user) or {}
    audit.record(
        session, actor=cli_actor(), action=action, target_type="user", target_id=user.id, **details
    )
    session.commit()
    return details


@users_group.command("reset-mfa")
@click.argument("email")
def users_reset_mfa(email: str) -> None:
    """Turn off an account's two-step login (a lost phone) and log it out everywhere; an
    admin sets it up again at the next login."""
    from pakta.services import mfa

    _audited_change(email, "user.mfa_reset", mfa.reset)
    click.echo(f"two-step login reset for {email}")


@users_group.command("end-sessions")
@click.argument("email")
def users_end_sessions(email: str) -> None:
    """Log an account out of every browser."""
    from pakta.services import login_sessions

    def end(session, user) -> dict:
        return {"count": login_sessions.end_all(session, user)}

    details = _audited_change(email, "user.sessions_ended", end)
    click.echo(f"{details['count']} session(s) of {email} ended")


@users_group.command("disable")
@click.argument("email")
def users_disable(email: str) -> None:
    """Stop an account from logging in, and end its sessions."""
    from pakta.services import accounts

    _audited_change(
        email, "user.disable", lambda session, user: accounts.set_active(session, user, False)
    )
    click.echo(f"{email} disabled")

"""`pakta tokens ...`: API tokens from the command line.

`create` prints the token alone on standard output, so a script can capture it
(`TOKEN=$(pakta tokens create --name bawaslu)`); everything else goes to
standard error.
"""

import getpass
import sys

import click
from flask.cli import AppGroup

from pakta.db import get_session
from pakta.i18n import _


def _actor() -> str:
    return f"cli:{getpass.getuser()}"


def _fail(message: str) -> None:
    click.secho(str(message), fg="red", err=True)
    sys.exit(1)


@click.group("tokens", cls=AppGroup, help="Bearer tokens for the API.")
def tokens_group() -> None:
    pass


@tokens_group.command("create")
@click.option("--name", required=True, help="Who or what uses the token.")
@click.option("--unit", "unit_code", help="Limit it to this unit and the units below it.")
def tokens_create(name: str, unit_code: str | None) -> None:
    """Create a token and print it, once: only its hash is kept."""
    from pakta.services import api_tokens

    db = get_session()
    try:
        token, raw = api_tokens.create(db, name=name, unit_code=unit_code, creator=_actor())
    except api_tokens.TokenError as error:
        _fail(str(error))
    db.commit()
    click.echo(
        _("Created token {prefix} ({name}), scope {scope}. It is shown only this once:").format(
            prefix=api_tokens.display_prefix(token),
            name=token.name,
            scope=api_tokens.scope_label(token),
        ),
        err=True,
    )
    click.echo(raw)


@tokens_group.command("list")
def tokens_list() -> None:
    """Every token: prefix, name, scope (* is the whole Pemda), created, last used, status."""
    from pakta.services import api_tokens
    from pakta.timeutil import format_local

    for token in api_tokens.list_tokens(get_session()):
        last_used = format_local(token.last_used_at) if token.last_used_at else "-"
        status = f"revoked {format_local(token.revoked_at)}" if token.revoked_at else "active"
        click.echo(
            f"{api_tokens.display_prefix(token)}\t{token.name}\t{api_tokens.scope_label(token)}\t"
            f"{format_local(token.created_at)}\t{last_used}\t{status}"
        )


# A prefix may begin with "-" (base64url): taken as the argument, not as an unknown option.
@tokens_group.command("revoke", context_settings={"ignore_unknown_options": True})
@click.argument("prefix")
def tokens_revoke(prefix: str) -> None:
    """Revoke the token starting with PREFIX (as `pakta tokens list` shows it)."""
    from pakta.services import api_tokens

    db = get_session()
    try:
        token = api_tokens.by_prefix(db, prefix)
        api_tokens.revoke(db, token, _actor())
    except api_tokens.TokenError as error:
        _fail(str(error))
    db.commit()
    click.echo(
        _("Revoked token {prefix} ({name}).").format(
            prefix=api_tokens.display_prefix(token), name=token.name
        )
    )

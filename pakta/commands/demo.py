"""`pakta demo`: a realistic small Pemda for a first look."""

from pathlib import Path

import click
from flask.cli import with_appcontext

from pakta.commands import fail
from pakta.db import get_session
from pakta.files import write_atomic
from pakta.i18n import _


@click.command("demo", help="Load a realistic small Pemda (only into an empty database).")
@click.option("--if-empty", is_flag=True, help="Skip quietly when data exists; show the logins.")
@with_appcontext
def demo_command(if_empty: bool) -> None:
    from flask import current_app

    from pakta.services import demo

    # The passwords are random; keep them beside the database so `make run` can show them again.
    logins_file = Path(current_app.instance_path) / "demo-logins.txt"
    session = get_session()
    if not demo.database_is_empty(session):
        if not if_empty:
            fail(_("The database already has data: demo data goes only into an empty database."))
        if logins_file.exists():
            click.echo(logins_file.read_text(), nl=False)
        return
    logins = demo.load(session)
    session.commit()
    text = "demo data loaded; log in at /masuk with:\n" + "".join(
        f"  {login.role:<9} {login.email}  password: {login.password}\n" for login in logins
    )
    logins_file.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(logins_file, text, mode=0o600)
    click.echo(text, nl=False)

"""Dumping and restoring the database: SQLite's online backup API, or PostgreSQL's own
``pg_dump`` and ``pg_restore`` in their custom format."""

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy import Engine, text

from pakta.i18n import _l
from pakta.services.backups.errors import BackupError

# pg_dump refuses a server newer than itself, and Debian installs each major version's tools
# side by side here while /usr/bin holds only one of them.
POSTGRES_TOOLS = Path("/usr/lib/postgresql")


def _sqlite_path(engine: Engine) -> Path:
    database = engine.url.database
    if not database or database == ":memory:":
        raise BackupError(_l("An in-memory SQLite database cannot be backed up or restored."))
    return Path(database)


def _copy_sqlite(source: sqlite3.Connection, target: sqlite3.Connection) -> None:
    try:
        source.backup(target)
    finally:
        source.close()
        target.close()


def postgres_tool(engine: Engine, name: str) -> Path | None:
    """``pg_dump`` or ``pg_restore`` of the server's major version, else the one on PATH."""
    with engine.connect() as connection:
        version = int(connection.execute(text("SHOW server_version_num")).scalar_one())
    matching = POSTGRES_TOOLS / str(version // 10000) / "bin" / name
    if matching.is_file():
        return matching
    found = shutil.which(name)
    return Path(found) if found else None


def _run_postgres_tool(engine: Engine, name: str, arguments: list[str]) -> None:
    tool = postgres_tool(engine, name)
    if tool is None:
        raise BackupError(str(_l("{tool} is not installed.")).format(tool=name))
    url = engine.url
    # The password goes through the environment, never the command line others can read.
    environment = dict(os.environ)
    if url.password:
        environment["PGPASSWORD"] = str(url.password)
    connection = [f"--dbname={url.database}"]
    if url.host:
        connection.append(f"--host={url.host}")
    if url.port:
        connection.append(f"--port={url.port}")
    if url.username:
        connection.append(f"--username={url.username}")
    finished = subprocess.run(  # noqa: S603 (a fixed program and arguments, no shell)
        [str(tool), "--no-password", *connection, *arguments],
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    if finished.returncode != 0:
        raise BackupError(
            str(_l("{tool} failed: {message}")).format(tool=name, message=finished.stderr.strip())
        )


def dump(engine: Engine, target: Path) -> None:
    if engine.dialect.name == "sqlite":
        source = sqlite3.connect(_sqlite_path(engine))
        _copy_sqlite(source, sqlite3.connect(target))
    else:
        _run_postgres_tool(engine, "pg_dump", ["--format=custom", f"--file={target}"])


def restore(engine: Engine, source: Path) -> None:
    """Replaces the configured database's content with the dump's, all or nothing."""
    engine.dispose()  # no pooled connection of ours holds the old database open
    if engine.dialect.name == "sqlite":
        _copy_sqlite(sqlite3.connect(source), sqlite3.connect(_sqlite_path(engine)))
    else:
        _run_postgres_tool(
            engine,
            "pg_restore",
            ["--clean", "--if-exists", "--no-owner", "--single-transaction", "--exit-on-error"]
            + [str(source)],
        )
    engine.dispose()

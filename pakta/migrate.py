"""Alembic, configured from the app instead of an alembic.ini."""

import functools
from collections.abc import Iterator
from contextlib import contextmanager

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine

from pakta import ROOT

MIGRATIONS = ROOT / "migrations"


def _scripts_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def alembic_config(engine: Engine) -> Config:
    config = _scripts_config()
    config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    config.set_main_option("file_template", "%%(rev)s_%%(slug)s")
    config.set_main_option("truncate_slug_length", "40")
    return config


@contextmanager
def _migrating(engine: Engine) -> Iterator[Connection]:
    """One connection and transaction for the migrations.

    On SQLite, batch mode alters a table by copying it and dropping the original, which
    rows of other tables may refer to (revocation events and certificates refer to
    signatures): as SQLite's own procedure for altering tables says, foreign keys are
    switched off outside the transaction, and checked before it commits.
    """
    with engine.connect() as connection:
        driver = (
            connection.connection.driver_connection if engine.dialect.name == "sqlite" else None
        )
        if driver is not None:
            driver.execute("PRAGMA foreign_keys=OFF")  # a no-op inside a transaction
        try:
            with connection.begin():
                yield connection
                if driver is not None:
                    dangling = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if dangling:
                        raise RuntimeError(f"the migration left dangling references: {dangling}")
        finally:
            if driver is not None:
                driver.execute("PRAGMA foreign_keys=ON")


def upgrade(engine: Engine, revision: str = "head") -> None:
    config = alembic_config(engine)
    with _migrating(engine) as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def downgrade(engine: Engine, revision: str) -> None:
    config = alembic_config(engine)
    with _migrating(engine) as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


def revision(engine: Engine, message: str, autogenerate: bool = True) -> None:
    command.revision(alembic_config(engine), message=message, autogenerate=autogenerate)


def check(engine: Engine) -> None:
    """Raises alembic.util.CommandError when the models need a new migration."""
    command.check(alembic_config(engine))


@functools.cache
def head_revisions() -> frozenset[str]:
    """The revisions this code expects; read once, as a running process's code never changes."""
    return frozenset(ScriptDirectory.from_config(_scripts_config()).get_heads())


def current_revisions(engine: Engine) -> frozenset[str]:
    with engine.connect() as connection:
        return frozenset(MigrationContext.configure(connection).get_current_heads())


def is_current(engine: Engine) -> bool:
    return current_revisions(engine) == head_revisions()

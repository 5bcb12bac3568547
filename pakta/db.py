"""Engine and one SQLAlchemy session per request.

The view owns the transaction: services only add and flush, the view (or the
CLI command) commits. The session is closed, and anything uncommitted rolled
back, when the request or CLI app context ends.
"""

import logging
from dataclasses import dataclass

from flask import Flask, current_app, g, has_request_context, request
from sqlalchemy import Engine, create_engine, event, exc
from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger(__name__)

# SQLSTATE 25006: a write in a read-only transaction (a standby in recovery, or
# default_transaction_read_only set for maintenance).
READ_ONLY_TRANSACTION = "25006"

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass
class Database:
    engine: Engine
    sessionmaker: sessionmaker[Session]


def make_engine(url: str, echo: bool = False) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, echo=echo, connect_args={"timeout": 15})
        _tune_sqlite(engine)
        return engine
    return create_engine(url, echo=echo, pool_pre_ping=True, pool_size=10, max_overflow=10)


def _tune_sqlite(engine: Engine) -> None:
    """WAL for concurrent readers, enforced foreign keys, and real transactions.

    pysqlite's own transaction handling breaks SAVEPOINT (used by the tests and
    by nested transactions), so SQLAlchemy is told to emit BEGIN itself.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=15000")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        mode = connection.get_execution_options().get("sqlite_begin", "")
        connection.exec_driver_sql(f"BEGIN {mode}".rstrip())


def init_app(app: Flask) -> None:
    engine = make_engine(app.config["DATABASE_URL"], echo=app.config["SQL_ECHO"])
    app.extensions["pakta.db"] = Database(engine, sessionmaker(engine, expire_on_commit=False))
    app.teardown_appcontext(close_session)


def database(app: Flask | None = None) -> Database:
    return (app or current_app).extensions["pakta.db"]


def get_session() -> Session:
    if "db_session" not in g:
        session = database().sessionmaker()
        if has_request_context() and request.method not in SAFE_METHODS:
            begin_write(session)
        g.db_session = session
    return g.db_session


def close_session(_error: BaseException | None = None) -> None:
    """Close the request's session; never raises.

    A teardown that raises is answered by the WSGI server's own bare 500, after
    the response was already decided (a signer's done page included). A
    connection that died with the database fails its rollback here: it is
    dropped by the pool either way, so one line is logged and nothing raised.
    """
    session = g.pop("db_session", None)
    if session is None:
        return
    try:
        session.close()
    except Exception as error:
        if not g.get("database_failure_logged"):
            log.warning("closing the database session failed: %s", describe(error))


def is_unavailable(error: BaseException) -> bool:
    """Whether ``error`` says the database cannot serve now (down, restarting, read-only),
    rather than that the request or the code is wrong."""
    if isinstance(error, exc.OperationalError | exc.DisconnectionError | exc.TimeoutError):
        return True
    if isinstance(error, exc.DBAPIError):
        if error.connection_invalidated:
            return True
        return getattr(error.orig, "sqlstate", None) == READ_ONLY_TRANSACTION
    return False


def describe(error: BaseException) -> str:
    """The error's kind and the first line of its message, for a one-line log."""
    cause = getattr(error, "orig", None) or error
    first_line = (str(cause).strip().splitlines() or [""])[0]
    return f"{type(cause).__name__}: {first_line[:200]}"


def begin_write(session: Session) -> None:
    """Start the session's transaction as a writer, before its first query.

    SQLite cannot turn a read transaction into a write one once another writer
    has committed (it answers "database is locked" at once), so a request that
    will write takes the write lock up front; PostgreSQL needs nothing.
    """
    if session.get_bind().dialect.name == "sqlite" and not session.in_transaction():
        session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})

"""Whether signatures can be written now, or signing is paused.

Signing pauses for maintenance (``PAKTA_READ_ONLY=1``) and whenever the database
itself refuses writes: a PostgreSQL standby in recovery, or
``default_transaction_read_only`` set. Reading (verification, dashboards) goes on.
"""

from sqlalchemy.orm import Session

# Parameters PostgreSQL (14 and later) reports to its clients whenever they change, so
# reading them costs no query: signing pages are the busiest there are.
READ_ONLY_PARAMETERS = ("default_transaction_read_only", "in_hot_standby")


def database_read_only(session: Session) -> bool:
    """Whether the database refuses writes: a PostgreSQL standby in recovery, or
    ``default_transaction_read_only`` on. SQLite always takes writes."""
    if session.get_bind().dialect.name != "postgresql":
        return False
    info = session.connection().connection.dbapi_connection.info
    return any(info.parameter_status(name) == "on" for name in READ_ONLY_PARAMETERS)


def signing_paused(session: Session, *, maintenance: bool) -> bool:
    """Whether signing must wait: the maintenance switch is on, or the database is read-only."""
    return maintenance or database_read_only(session)

"""Whether signatures can be written now, or signing is paused.

Signing pauses for maintenance (``PAKTA_READ_ONLY=1``) and whenever the database
itself refuses writes: a PostgreSQL standby in recovery, or
``default_transaction_read_only`` set. Reading (verification, dashboards) goes on.
"""

from sqlalchemy import text
from sqlalchemy.orm import Session


def database_read_only(session: Session) -> bool:
    """Whether the session's transaction may not write (PostgreSQL only; SQLite always may)."""
    if session.get_bind().dialect.name != "postgresql":
        return False
    return session.scalar(text("SHOW transaction_read_only")) == "on"


def signing_paused(session: Session, *, maintenance: bool) -> bool:
    """Whether signing must wait: the maintenance switch is on, or the database is read-only."""
    return maintenance or database_read_only(session)

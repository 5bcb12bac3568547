"""Server-side login sessions: started at login, checked on each staff request, ended by
logout, a password change, disabling the account or an admin.

The browser's cookie carries a random token; the table keeps its SHA-256 (the token has
256 bits, so a plain hash cannot be reversed), and a copied cookie dies with its row.
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from pakta.models import LoginSession, User

# last_seen_at is written at most this often: a write per request would cost every page.
TOUCH_EVERY = timedelta(minutes=1)


@dataclass(frozen=True)
class Timeouts:
    idle: timedelta
    absolute: timedelta


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start(
    session: Session,
    user: User,
    *,
    now: datetime,
    ip_address: str = "",
    timeouts: Timeouts | None = None,
) -> str:
    """A new session for ``user``; returns the token for the cookie (never stored). With
    ``timeouts``, the user's sessions that have run out go (a closed browser never returns
    to end its own)."""
    if timeouts is not None:
        session.execute(
            delete(LoginSession)
            .where(LoginSession.user_id == user.id)
            .where(
                (LoginSession.last_seen_at < now - timeouts.idle)
                | (LoginSession.created_at < now - timeouts.absolute)
            )
        )
    token = secrets.token_urlsafe(32)
    session.add(
        LoginSession(
            id_hash=_hash(token),
            user_id=user.id,
            created_at=now,
            last_seen_at=now,
            ip_address=(ip_address or "")[:45],
        )
    )
    session.flush()
    return token


def resume(
    session: Session, token: str, user_id: int, *, now: datetime, timeouts: Timeouts
) -> tuple[User | None, bool]:
    """The user of a live session, and whether the row was written (the caller commits).

    A session idle too long or older than the absolute limit is deleted, not resumed.
    """
    row = session.execute(
        select(LoginSession, User)
        .join(User, User.id == LoginSession.user_id)
        .where(LoginSession.id_hash == _hash(token))
    ).first()
    if row is None:
        return None, False
    login, user = row
    if user.id != user_id or not user.active:
        return None, False
    if now - login.last_seen_at > timeouts.idle or now - login.created_at > timeouts.absolute:
        session.delete(login)
        return None, True
    if now - login.last_seen_at >= TOUCH_EVERY:
        login.last_seen_at = now
        return user, True
    return user, False


def end(session: Session, token: str) -> None:
    session.execute(delete(LoginSession).where(LoginSession.id_hash == _hash(token)))


def end_all(session: Session, user: User, *, keep: str | None = None) -> int:
    """Ends every session of ``user`` but the one whose token is ``keep``; returns how many."""
    query = delete(LoginSession).where(LoginSession.user_id == user.id)
    if keep:
        query = query.where(LoginSession.id_hash != _hash(keep))
    return session.execute(query).rowcount


def count_by_user(session: Session) -> dict[int, int]:
    return dict(
        session.execute(
            select(LoginSession.user_id, func.count()).group_by(LoginSession.user_id)
        ).all()
    )

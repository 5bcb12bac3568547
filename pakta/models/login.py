"""What a login leaves on the server: its session, and an account's recovery codes."""

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pakta.models.base import Base, UTCDateTime, utcnow
from pakta.models.user import User


class LoginSession(Base):
    """One logged-in browser. The cookie holds a random id; only its keyed hash is stored,
    so a copy of the table opens no session. Deleting the row logs the browser out."""

    __tablename__ = "login_session"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ip_address: Mapped[str] = mapped_column(String(45), default="")

    user: Mapped[User] = relationship()


class RecoveryCode(Base):
    """A single-use code that stands in for a TOTP code; stored as a keyed hash."""

    __tablename__ = "recovery_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pakta.models.base import Base, UTCDateTime, utcnow
from pakta.models.org import Unit


class ApiToken(Base):
    """A bearer token for the API, scoped like a user: the whole Pemda, or one unit's sub-tree.

    Only the SHA-256 of the token is stored; it is shown once, when created.
    """

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(128))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # A short, non-secret prefix so people can tell their tokens apart in lists.
    prefix: Mapped[str] = mapped_column(String(12))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    unit: Mapped[Unit | None] = relationship()

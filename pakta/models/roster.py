from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from pakta.models.base import Base, UTCDateTime, utcnow


class RosterUpload(Base):
    """An uploaded roster or unit-tree file waiting between preview and confirmation.

    Kept in the database rather than on one node's disk, so that the confirming
    request may land on any app process.
    """

    __tablename__ = "roster_upload"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(43), unique=True)
    # "roster" or "units": a token is only ever previewed and applied as the kind it was
    # uploaded as.
    kind: Mapped[str] = mapped_column(String(16), default="roster", server_default="roster")
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    filename: Mapped[str] = mapped_column(String(255))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    applied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

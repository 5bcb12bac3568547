"""The Pemda running this instance, as its admins describe it (services.pemda)."""

from datetime import datetime

from sqlalchemy import CheckConstraint, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from pakta.models.base import Base, UTCDateTime


class PemdaProfile(Base):
    """The one row of the instance's settings: the Pemda's name and logo.

    Empty values fall back to ``PAKTA_PEMDA_NAME`` and ``PAKTA_PEMDA_LOGO``. The migration
    creates the row, so saving never races another admin to insert it.
    """

    __tablename__ = "pemda_profile"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(255), default="", server_default="")
    # A PNG re-encoded by services.logos.clean; None: the environment's logo, if any.
    logo: Mapped[bytes | None] = mapped_column(LargeBinary)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

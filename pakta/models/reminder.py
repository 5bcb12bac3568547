from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from pakta.models.base import Base, UTCDateTime, utcnow


class Reminder(Base):
    """One reminder email sent to an employee who had not signed yet."""

    __tablename__ = "reminder"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id"), index=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employee.id"), index=True)
    sent_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    channel: Mapped[str] = mapped_column(String(16), default="email")
    address: Mapped[str] = mapped_column(String(255))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Empty when delivered to the SMTP server; the error otherwise.
    error: Mapped[str] = mapped_column(String(500), default="")

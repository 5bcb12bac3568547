from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pakta.models.base import Base, UTCDateTime, utcnow
from pakta.models.campaign import Campaign
from pakta.models.org import Employee


class SigningLink(Base):
    """A personal signing link for one employee in one campaign.

    Only the SHA-256 of the token is stored. Regenerating a link voids this row
    and adds one with the next version; the token itself is derived from the
    instance's link key and (campaign, employee, version), see services.links.
    """

    __tablename__ = "signing_link"
    # The unique constraint's index also serves lookups by (campaign, employee).
    __table_args__ = (UniqueConstraint("campaign_id", "employee_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id"))
    employee_id: Mapped[int] = mapped_column(ForeignKey("employee.id"))
    version: Mapped[int] = mapped_column(default=1)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    voided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    campaign: Mapped[Campaign] = relationship()
    employee: Mapped[Employee] = relationship()

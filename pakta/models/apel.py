"""Apel mode: the big screen after the morning assembly, and the signing it invites."""

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pakta.models.base import Base, UTCDateTime, utcnow
from pakta.models.campaign import Campaign
from pakta.models.org import Unit


class ApelSession(Base):
    """One apel on the projector: a campaign and a unit (with its sub-units).

    The QR code on screen carries a token derived from this session and the
    current minute (see pakta.keys.apel_token), so a photo of the screen goes stale.
    """

    __tablename__ = "apel_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    opened_by_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    campaign: Mapped[Campaign] = relationship()
    unit: Mapped[Unit] = relationship()


class VerificationAttempt(Base):
    """A failed identity check at the apel entry, counted per NIP and per address.

    Kept in the database so that every app process sees the same count.
    """

    __tablename__ = "verification_attempt"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Keyed hashes: the table must not become a list of NIPs and addresses.
    nip_key: Mapped[str] = mapped_column(String(64), index=True)
    address_key: Mapped[str] = mapped_column(String(64), index=True)
    attempted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

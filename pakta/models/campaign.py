"""A signing round and the versioned text of the pact it asks people to sign."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, LargeBinary, String, Text, UniqueConstraint, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pakta.models.base import Base, UTCDateTime, utcnow


class Campaign(Base):
    """One signing round, for example "Pilkada Serentak 2024 — Pemerintah Kota Sukabumi"."""

    __tablename__ = "campaign"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(255))
    issuing_authority: Mapped[str] = mapped_column(String(255))
    place: Mapped[str] = mapped_column(String(128))
    official_name: Mapped[str] = mapped_column(String(255), default="")
    official_title: Mapped[str] = mapped_column(String(255), default="")
    opens_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The issuing authority's logo for certificates, re-encoded on upload.
    logo: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    logo_type: Mapped[str | None] = mapped_column(String(16))
    # Units below this sign-up rate are flagged on the dashboard.
    alert_threshold: Mapped[int] = mapped_column(default=80, server_default="80")
    # The public transparency page (rates per OPD, no names) can be switched off.
    public_rollup: Mapped[bool] = mapped_column(default=True, server_default=true())

    pact_versions: Mapped[list["PactText"]] = relationship(
        back_populates="campaign", order_by="PactText.version", cascade="all, delete-orphan"
    )

    @property
    def pact(self) -> "PactText":
        """The version people sign now (the newest)."""
        return self.pact_versions[-1]

    def is_open(self, at: datetime) -> bool:
        return self.opens_at <= at < self.closes_at

    def __repr__(self) -> str:
        return f"<Campaign {self.slug}>"


class PactText(Base):
    """One version of the pact's wording. Rows are never edited: an edit adds a version.

    Once anyone has signed, the campaign's text is frozen (see services.campaigns).
    """

    __tablename__ = "pact_text"
    __table_args__ = (UniqueConstraint("campaign_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id", ondelete="CASCADE"))
    version: Mapped[int]
    heading: Mapped[str] = mapped_column(String(255))
    preamble: Mapped[str] = mapped_column(Text, default="")
    points: Mapped[list[str]] = mapped_column(JSON)
    legal_basis: Mapped[list[str]] = mapped_column(JSON)
    # SHA-256 of the canonical text (services.campaigns.canonical_pact_text).
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    campaign: Mapped[Campaign] = relationship(back_populates="pact_versions")

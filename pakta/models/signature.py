"""A signature on the pact: an append-only record with its evidence.

Signatures are never edited or deleted; a revocation is a separate event.
The unit, name and position are copied as they were at signing, so history
stays put when an employee later moves or is renamed.
"""

import enum
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pakta.models.base import Base, UTCDateTime, enum_type, utcnow
from pakta.models.campaign import Campaign, PactText
from pakta.models.org import Employee, Unit


class SignatureMethod(enum.StrEnum):
    PERSONAL_LINK = "personal_link"
    KIOSK = "kiosk"
    APEL = "apel"


class Signature(Base):
    __tablename__ = "signature"
    __table_args__ = (
        UniqueConstraint("campaign_id", "employee_id"),
        # The history view of the rollups counts signatures per unit at signing from this index.
        Index(
            "ix_signature_campaign_id_unit_id_employee_id", "campaign_id", "unit_id", "employee_id"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    certificate_number: Mapped[str] = mapped_column(String(32), unique=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id"), index=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employee.id"), index=True)
    pact_text_id: Mapped[int] = mapped_column(ForeignKey("pact_text.id"))
    pact_sha256: Mapped[str] = mapped_column(String(64))
    acknowledged_points: Mapped[list[int]] = mapped_column(JSON)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    unit_name: Mapped[str] = mapped_column(String(255))
    signer_name: Mapped[str] = mapped_column(String(255))
    signer_position: Mapped[str] = mapped_column(String(255), default="")
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    method: Mapped[SignatureMethod] = mapped_column(enum_type(SignatureMethod, "signature_method"))
    witness_user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    ip_address: Mapped[str] = mapped_column(String(45), default="")
    user_agent: Mapped[str] = mapped_column(String(512), default="")
    # The drawn signature as re-encoded PNG, or the typed full name without JavaScript.
    signature_png: Mapped[bytes | None] = mapped_column(LargeBinary)
    typed_name: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    campaign: Mapped[Campaign] = relationship()
    employee: Mapped[Employee] = relationship()
    unit: Mapped[Unit] = relationship()
    pact_text: Mapped[PactText] = relationship()

"""What certificates stand on: signing keys, issued PDFs, and revocation events."""

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pakta.models.base import Base, UTCDateTime, enum_type, utcnow
from pakta.models.signature import Signature


class SigningKey(Base):
    """A published Ed25519 public key. Private keys never enter the database.

    The newest key that is not retired signs new certificates; retired keys stay
    published so that every certificate they signed still verifies.
    """

    __tablename__ = "signing_key"

    kid: Mapped[str] = mapped_column(String(16), primary_key=True)
    algorithm: Mapped[str] = mapped_column(String(16), default="Ed25519")
    public_key: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class IssuedCertificate(Base):
    """The PDF as first produced, kept so that every download is that same file."""

    __tablename__ = "issued_certificate"

    id: Mapped[int] = mapped_column(primary_key=True)
    signature_id: Mapped[int] = mapped_column(ForeignKey("signature.id"), unique=True)
    token: Mapped[str] = mapped_column(Text)
    kid: Mapped[str] = mapped_column(ForeignKey("signing_key.kid"))
    pdf: Mapped[bytes] = mapped_column(LargeBinary)
    pdf_sha256: Mapped[str] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    signature: Mapped[Signature] = relationship()


class RevocationReason(enum.StrEnum):
    SIGNED_IN_ERROR = "signed_in_error"
    WRONG_IDENTITY = "wrong_identity"
    SANCTION = "sanction"
    OTHER = "other"


class RevocationAction(enum.StrEnum):
    REVOKE = "revoke"
    REINSTATE = "reinstate"


class RevocationEvent(Base):
    """An append-only event: a certificate revoked, or reinstated. The newest one counts."""

    __tablename__ = "revocation_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    signature_id: Mapped[int] = mapped_column(ForeignKey("signature.id"), index=True)
    action: Mapped[RevocationAction] = mapped_column(
        enum_type(RevocationAction, "revocation_action")
    )
    reason: Mapped[RevocationReason | None] = mapped_column(
        enum_type(RevocationReason, "revocation_reason")
    )
    note: Mapped[str] = mapped_column(Text, default="")
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    actor: Mapped[str] = mapped_column(String(255))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    signature: Mapped[Signature] = relationship()

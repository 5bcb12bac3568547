"""The Pemda's organisation: units in a tree and the employees on their rosters."""

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pakta.models.base import Base, UTCDateTime, enum_type, utcnow


class EmploymentType(enum.StrEnum):
    PNS = "PNS"
    PPPK = "PPPK"
    NON_ASN = "NON_ASN"


class Unit(Base):
    """A work unit: the Pemda itself, an OPD, or a bidang, UPT or school below it."""

    __tablename__ = "unit"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), index=True)
    # As the unit-tree file gives them (SIASN's eselon_id and jenis_unor): shown, not interpreted.
    eselon: Mapped[str | None] = mapped_column(String(16))
    kind: Mapped[str | None] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    parent: Mapped["Unit | None"] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list["Unit"]] = relationship(back_populates="parent")

    def __repr__(self) -> str:
        return f"<Unit {self.code}>"


class Employee(Base):
    """A person on a unit's roster, identified by NIP, NI PPPK or the Pemda's own id.

    The employment type is data from the roster: PNS and PPPK numbers share a
    length and can share digits, so it is never inferred from the number.
    """

    __tablename__ = "employee"
    __table_args__ = (
        # The compliance rollups count the active roster per unit and type from this index
        # alone (services.rollups; 4x faster on SQLite, see bench/rollups.py).
        Index("ix_employee_active_unit_id_employment_type", "active", "unit_id", "employment_type"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    identity_number: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    position: Mapped[str] = mapped_column(String(255), default="")
    employment_type: Mapped[EmploymentType] = mapped_column(
        enum_type(EmploymentType, "employment_type")
    )
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    email: Mapped[str | None] = mapped_column(String(255))
    phone: Mapped[str | None] = mapped_column(String(32))
    # A keyed hash (see pakta.keys), never the code itself.
    verification_code_hash: Mapped[str | None] = mapped_column(String(128))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    unit: Mapped[Unit] = relationship()

    def __repr__(self) -> str:
        return f"<Employee {self.identity_number}>"

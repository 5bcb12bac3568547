"""Running counts behind the compliance rollups, one row per campaign, unit and type.

A tally is derived data: every number in it can be recounted from the roster and
the signatures (``services.tallies.recount``), and is kept current in the same
transaction as the change that moves it. The dashboard then reads a few hundred
small rows instead of grouping the whole roster against every signature.
"""

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from pakta.models.base import Base


class UnitTally(Base):
    __tablename__ = "unit_tally"

    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("campaign.id", ondelete="CASCADE"), primary_key=True
    )
    unit_id: Mapped[int] = mapped_column(
        ForeignKey("unit.id", ondelete="CASCADE"), primary_key=True
    )
    # The employment type as stored on Employee (PNS, PPPK, NON_ASN); plain text so
    # the tally can be written without loading the enum.
    employment_type: Mapped[str] = mapped_column(String(16), primary_key=True)
    # Active employees now in the unit with this type...
    roster: Mapped[int] = mapped_column(default=0)
    # ...how many of them have signed the campaign, wherever they signed...
    signed: Mapped[int] = mapped_column(default=0)
    # ...and the signatures collected in this unit (Signature.unit_id), by the signer's
    # current type, inactive or moved signers included: the history view.
    collected: Mapped[int] = mapped_column(default=0)

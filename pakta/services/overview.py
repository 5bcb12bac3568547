"""The counts on the admin home page, over the units the user may see."""

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pakta.models import Campaign, Employee, Signature, Unit


@dataclass(frozen=True)
class Counts:
    units: int
    employees: int
    signatures: int
    campaigns: int


def counts(session: Session, scope: set[int] | None) -> Counts:
    """Active units and employees and valid signatures in ``scope`` (unit ids; None for
    every unit, as an admin sees). Campaigns are the Pemda's, the same for everyone."""

    def count(model, *conditions, unit_column=None) -> int:
        query = select(func.count()).select_from(model).where(*conditions)
        if scope is not None and unit_column is not None:
            query = query.where(unit_column.in_(scope))
        return session.scalar(query)

    return Counts(
        units=count(Unit, Unit.active, unit_column=Unit.id),
        employees=count(Employee, Employee.active, unit_column=Employee.unit_id),
        signatures=count(Signature, Signature.is_valid, unit_column=Signature.unit_id),
        campaigns=count(Campaign),
    )

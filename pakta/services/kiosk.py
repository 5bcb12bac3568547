"""The supervised kiosk: an operator's tablet where signers find themselves."""

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from pakta.models import Employee

MIN_QUERY = 3


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def find_signers(
    session: Session, query: str, unit_ids: set[int] | None, limit: int = 20
) -> list[Employee]:
    """Active employees in the units whose number starts with, or name contains, the query."""
    text = " ".join(query.split())
    if len(text) < MIN_QUERY:
        return []
    compact = text.replace(" ", "")
    if compact.isascii() and compact.isalnum() and any(ch.isdigit() for ch in compact):
        condition = Employee.identity_number.startswith(compact.upper(), autoescape=True)
    else:
        condition = Employee.name.ilike("%" + _escape_like(text) + "%", escape="\\")
    statement = (
        select(Employee)
        .options(selectinload(Employee.unit))
        .where(Employee.active, condition)
        .order_by(Employee.name)
        .limit(limit)
    )
    if unit_ids is not None:
        statement = statement.where(Employee.unit_id.in_(unit_ids))
    return list(session.scalars(statement))

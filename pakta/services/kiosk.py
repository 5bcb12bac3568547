"""The supervised kiosk: an operator's tablet where signers find themselves.

Anyone at the tablet can search, so a search finds a person, not a list: a few letters of a
name or the NIP's first eight digits (a birth date), at most a handful of matches.
"""

from sqlalchemy import select
from sqlalchemy.orm import Session

from pakta.models import Employee

MIN_QUERY = 4
MIN_NUMBER_QUERY = 8
MAX_RESULTS = 10


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _as_number(text: str) -> str | None:
    compact = text.replace(" ", "")
    if compact.isascii() and compact.isalnum() and any(ch.isdigit() for ch in compact):
        return compact.upper()
    return None


def specific_enough(query: str) -> bool:
    """Whether a query is long enough to be searched: a person, not a list."""
    text = " ".join(query.split())
    number = _as_number(text)
    return len(number) >= MIN_NUMBER_QUERY if number else len(text) >= MIN_QUERY


def find_signers(
    session: Session, query: str, unit_ids: set[int] | None, limit: int = MAX_RESULTS
) -> list[Employee]:
    """Active employees in the units whose number starts with, or name contains, the query."""
    if not specific_enough(query):
        return []
    text = " ".join(query.split())
    if number := _as_number(text):
        condition = Employee.identity_number.startswith(number, autoescape=True)
    else:
        condition = Employee.name.ilike("%" + _escape_like(text) + "%", escape="\\")
    statement = (
        select(Employee).where(Employee.active, condition).order_by(Employee.name).limit(limit)
    )
    if unit_ids is not None:
        statement = statement.where(Employee.unit_id.in_(unit_ids))
    return list(session.scalars(statement))

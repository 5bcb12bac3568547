"""The unit tree: sub-trees and who may see what."""

from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.orm import Session

from pakta.models import Unit, User


def children_by_parent(session: Session) -> dict[int | None, list[int]]:
    tree: dict[int | None, list[int]] = defaultdict(list)
    for unit_id, parent_id in session.execute(select(Unit.id, Unit.parent_id)):
        tree[parent_id].append(unit_id)
    return tree


def subtree_ids(session: Session, unit_id: int) -> set[int]:
    """The unit and every unit below it (a Pemda has hundreds of units, not millions)."""
    tree = children_by_parent(session)
    found, stack = set(), [unit_id]
    while stack:
        current = stack.pop()
        if current not in found:
            found.add(current)
            stack.extend(tree.get(current, ()))
    return found


def visible_unit_ids(session: Session, user: User) -> set[int] | None:
    """None means every unit (an admin); an operator sees their unit's sub-tree."""
    if user.is_admin:
        return None
    if user.unit_id is None:
        return set()
    return subtree_ids(session, user.unit_id)


def get_unit(session: Session, code: str) -> Unit | None:
    return session.scalar(select(Unit).where(Unit.code == code))

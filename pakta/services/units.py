"""The unit tree: sub-trees and who may see what."""

from collections import defaultdict
from collections.abc import Hashable, Mapping
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from pakta.models import Unit, User

Key = TypeVar("Key", bound=Hashable)


def children_by_parent(session: Session) -> dict[int | None, list[int]]:
    tree: dict[int | None, list[int]] = defaultdict(list)
    for unit_id, parent_id in session.execute(select(Unit.id, Unit.parent_id)):
        tree[parent_id].append(unit_id)
    return tree


def subtree_ids(session: Session, unit_id: int) -> set[int]:
    """The unit and every unit below it (a Pemda has hundreds of units, not millions)."""
    return _below(children_by_parent(session), unit_id)


def _below(children: Mapping[Key, list[Key]], top: Key) -> set[Key]:
    """``top`` and every unit under it in ``children``."""
    found, stack = set(), [top]
    while stack:
        current = stack.pop()
        if current not in found:
            found.add(current)
            stack.extend(children.get(current, ()))
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


def stray_top_units(parent_of: Mapping[Key, Key | None]) -> list[Key]:
    """The top-level units other than the root, which is the one with the most units under it.

    A Pemda's tree has one top, the Pemda itself; another unit without a parent is left out
    of every rollup of the Pemda, usually because its parent was never given.
    """
    children: dict[Key, list[Key]] = defaultdict(list)
    for key, parent in parent_of.items():
        if parent is not None:
            children[parent].append(key)
    tops = [key for key, parent in parent_of.items() if parent is None]
    sizes = {top: len(_below(children, top)) for top in tops}
    root = max(tops, key=lambda top: sizes[top], default=None)
    return [top for top in tops if top != root]

"""Rollups over a unit tree that came from imports stay exact, whatever the trees and moves."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pakta.models import Employee
from pakta.services import tallies
from pakta.services.rollups import View, overall, unit_rollups
from pakta.services.roster import apply_import, plan_import, read_table
from tests.services.roster.conftest import nip, pppk_number, to_csv
from tests.services.test_rollups import TYPES, brute_force, subtree, total_of
from tests.services.test_tallies import sign
from tests.services.unit_tree.conftest import import_tree


def trees(size):
    """A tree over units 0..size-1 rooted at 0: each unit's parent comes earlier in a
    random order of the others."""

    @st.composite
    def tree(draw):
        order = [0, *draw(st.permutations(range(1, size)))]
        parents = [None] * size
        for position, unit in enumerate(order[1:], start=1):
            parents[unit] = order[draw(st.integers(0, position - 1))]
        return parents

    return tree()


@st.composite
def histories(draw):
    size = draw(st.integers(1, 10))
    people = draw(
        st.lists(
            st.fixed_dictionaries(
                {
                    "unit": st.integers(0, size - 1),  # where they are in the end
                    "kind": st.sampled_from(TYPES),
                    "active": st.booleans(),
                    "signed_in": st.one_of(st.none(), st.integers(0, size - 1)),
                    "revoked": st.just(False),
                    "again_in": st.none(),
                }
            ),
            max_size=25,
        )
    )
    return {
        "size": size,
        "first": draw(trees(size)),
        "second": draw(trees(size)),
        "order": draw(st.permutations(range(size))),  # the rows' order in the tree files
        "renamed": draw(st.sets(st.integers(0, size - 1))),
        "people": people,
    }


def code(i):
    return f"U{i:02d}"


def tree_rows(parents, order, renamed=frozenset()):
    return [
        {
            "kode": code(i),
            "nama": f"Unit {i}" + (" (baru)" if i in renamed else ""),
            "kode_induk": code(parents[i]) if parents[i] is not None else "",
        }
        for i in order
    ]


def number(index, kind):
    return {"PNS": nip, "PPPK": pppk_number}.get(kind, lambda i: f"THL{i:05d}")(index)


def import_roster(session, people, where):
    rows = [
        {"nip": number(i, p["kind"]), "nama": f"Pegawai {i}", "unit_kode": code(where(p))}
        | {"jenis": p["kind"]}
        for i, p in enumerate(people)
    ]
    if rows:
        plan = plan_import(session, read_table(to_csv(rows), "roster.csv"))
        assert plan.problems == []
        apply_import(session, plan)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(history=histories())
def test_rollups_over_an_imported_and_reimported_tree_match_a_recount(session, campaign, history):
    people, parents = history["people"], history["second"]
    nested = session.begin_nested()
    try:
        import_tree(session, tree_rows(history["first"], history["order"]))
        # People join where they will sign (or where they end up), sign, then move.
        import_roster(
            session, people, lambda p: p["signed_in"] if p["signed_in"] is not None else p["unit"]
        )
        employees = {e.name: e for e in session.query(Employee)}
        for i, p in enumerate(people):
            if p["signed_in"] is not None:
                sign(session, campaign, employees[f"Pegawai {i}"])
        import_roster(session, people, lambda p: p["unit"])
        for i, p in enumerate(people):
            employees[f"Pegawai {i}"].active = p["active"]
        # The second tree moves and renames units; rows in another order.
        import_tree(session, tree_rows(parents, history["order"], history["renamed"]))
        session.flush()

        assert tallies.differences(session, campaign.id) == {}
        for view in View:
            rollups = {r.code: r for r in unit_rollups(session, campaign.id, view=view)}
            assert set(rollups) == {code(i) for i in range(history["size"])}
            for i in range(history["size"]):
                below = brute_force(people, subtree(i, parents), view)
                assert rollups[code(i)].by_type == below
                assert rollups[code(i)].total == total_of(below)
                assert rollups[code(i)].parent_code == (
                    code(parents[i]) if parents[i] is not None else None
                )
            assert overall(list(rollups.values())) == total_of(
                brute_force(people, set(range(history["size"])), view)
            )
    finally:
        nested.rollback()

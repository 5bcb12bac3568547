import pytest
from sqlalchemy import select

from pakta.models import Unit
from pakta.services.rollups import View, unit_rollups
from pakta.services.unit_tree import apply_unit_tree
from tests.conftest import add_people
from tests.services.unit_tree.conftest import import_tree, plan_tree


def test_a_container_unit_exists_with_its_parent_and_its_childrens_counts_reach_it(
    session, units, campaign
):
    # A Sekretariat Daerah has no staff of its own, only its Bagian.
    import_tree(
        session,
        [
            {"kode": "BAG-HUKUM", "nama": "Bagian Hukum", "kode_induk": "SETDA"},
            {"kode": "SETDA", "nama": "Sekretariat Daerah", "kode_induk": "PEMDA", "eselon": "21"},
            {"kode": "BAG-UMUM", "nama": "Bagian Umum", "kode_induk": "SETDA"},
        ],
    )
    created = {u.code: u for u in session.scalars(select(Unit))}
    assert created["SETDA"].parent is units["PEMDA"] and created["SETDA"].eselon == "21"
    add_people(session, created["BAG-HUKUM"], 3, 2, campaign, "HKM")
    add_people(session, created["BAG-UMUM"], 2, 1, campaign, "UMM")
    rollups = {r.code: r for r in unit_rollups(session, campaign.id, view=View.ROSTER)}
    assert (rollups["SETDA"].own.roster, rollups["SETDA"].total.roster) == (0, 5)
    assert rollups["SETDA"].total.signed == 3
    assert rollups["PEMDA"].total.roster == 5


def test_a_moved_unit_takes_its_counts_to_its_new_parent_without_a_recount(
    session, units, staffed, campaign
):
    from pakta.services import tallies

    import_tree(session, [{"kode": "DINKES-P2P", "nama": "Bidang P2P", "kode_induk": "DISDIK"}])
    session.commit()
    rollups = {r.code: r for r in unit_rollups(session, campaign.id, view=View.ROSTER)}
    assert rollups["DINKES"].total.roster == 0
    assert (rollups["DISDIK"].total.roster, rollups["DISDIK"].total.signed) == (9, 4)
    assert tallies.differences(session, campaign.id) == {}


def test_apply_renames_moves_and_sets_eselon_and_kind(session, units):
    plan, result = import_tree(
        session,
        [
            {"kode": "DINKES", "nama": "Dinkes KB", "kode_induk": "PEMDA", "jenis": "Dinas"},
            {"kode": "DINKES-P2P", "nama": "Bidang P2P", "kode_induk": "DISDIK", "eselon": "III"},
        ],
    )
    assert result.as_details() == {
        "created": 0,
        "updated": 2,
        "renamed": 1,
        "moved": 1,
        "unchanged": 0,
    }
    assert (units["DINKES"].name, units["DINKES"].kind) == ("Dinkes KB", "Dinas")
    assert units["DINKES-P2P"].parent is units["DISDIK"]
    assert units["DINKES-P2P"].eselon == "III"


def test_reimporting_the_same_tree_changes_nothing(session, units, statements):
    rows = [
        {"kode": "PEMDA", "nama": "Pemerintah Kota Contoh"},
        {"kode": "DINKES", "nama": "Dinas Kesehatan", "kode_induk": "PEMDA", "eselon": "21"},
    ]
    import_tree(session, rows)
    statements.clear()
    plan, result = import_tree(session, rows)
    assert not plan.has_changes and result.unchanged == 2
    writes = [s for s in statements if s.lstrip().upper().startswith(("INSERT", "UPDATE"))]
    assert writes == []


def test_a_plan_with_problems_is_not_applied_at_all(session, units):
    plan = plan_tree(
        session,
        [
            {"kode": "SETDA", "nama": "Sekretariat Daerah", "kode_induk": "PEMDA"},
            {"kode": "X", "nama": "X", "kode_induk": "NOWHERE"},
        ],
    )
    assert plan.problems and plan.creates == []
    with pytest.raises(ValueError):
        apply_unit_tree(session, plan)
    assert session.scalar(select(Unit).where(Unit.code == "SETDA")) is None


def test_two_units_that_swap_places_are_both_moved(session, units):
    # DINKES-P2P was under DINKES; now DINKES goes under DINKES-P2P.
    import_tree(
        session,
        [
            {"kode": "DINKES", "nama": "Dinas Kesehatan", "kode_induk": "DINKES-P2P"},
            {"kode": "DINKES-P2P", "nama": "Bidang P2P", "kode_induk": "PEMDA"},
        ],
    )
    assert units["DINKES"].parent is units["DINKES-P2P"]
    assert units["DINKES-P2P"].parent is units["PEMDA"]
    assert units["DINKES"] in units["DINKES-P2P"].children

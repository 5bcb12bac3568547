from pakta.models import Unit
from tests.services.roster.conftest import only_problem
from tests.services.unit_tree.conftest import plan_tree, problems_by_row

SETDA = [
    {"kode": "BAG-HUKUM", "nama": "Bagian Hukum", "kode_induk": "SETDA", "eselon": "31"},
    {"kode": "SETDA", "nama": "Sekretariat Daerah", "kode_induk": "PEMDA", "eselon": "21"},
    {"kode": "BAG-UMUM", "nama": "Bagian Umum", "kode_induk": "setda"},
]


def test_new_units_are_planned_parents_first_whatever_the_file_order(session, units):
    plan = plan_tree(session, SETDA)
    assert plan.problems == []
    assert [(c.code, c.parent_code, c.eselon) for c in plan.creates] == [
        ("SETDA", "PEMDA", "21"),
        ("BAG-HUKUM", "SETDA", "31"),
        ("BAG-UMUM", "SETDA", None),
    ]
    assert plan.counts()["created"] == 3


def test_renamed_moved_and_retyped_units_are_planned_with_before_and_after(session, units):
    rows = [
        {"kode": "PEMDA", "nama": "Pemerintah Kota Contoh"},
        {"kode": "DINKES", "nama": "Dinas Kesehatan dan KB", "kode_induk": "PEMDA"},
        {"kode": "DINKES-P2P", "nama": "Bidang P2P", "kode_induk": "DISDIK", "jenis": "Bidang"},
        {"kode": "DISDIK", "nama": "Dinas Pendidikan", "kode_induk": "PEMDA"},
    ]
    plan = plan_tree(session, rows)
    assert plan.problems == []
    assert [(u.code, u.changes) for u in plan.updates] == [
        ("DINKES", {"name": ("Dinas Kesehatan", "Dinas Kesehatan dan KB")}),
        ("DINKES-P2P", {"parent": ("DINKES", "DISDIK"), "kind": (None, "Bidang")}),
    ]
    assert (len(plan.renames), len(plan.moves), plan.unchanged) == (1, 1, 2)


def test_an_unknown_parent_is_reported_with_its_row(session, units):
    rows = [*SETDA, {"kode": "UPT-X", "nama": "UPT X", "kode_induk": "DINSOS"}]
    message = only_problem(plan_tree(session, rows), 5, "kode_induk").message
    assert "DINSOS is neither in this file nor in Pakta" in message


def test_a_duplicate_code_is_reported_naming_the_first_row(session, units):
    rows = [*SETDA, {"kode": "Setda", "nama": "Setda lagi", "kode_induk": "PEMDA"}]
    assert only_problem(plan_tree(session, rows), 5, "kode").message == "Same unit code as row 3."


def test_a_cycle_in_the_file_is_reported_on_every_row_in_it(session, units):
    rows = [
        {"kode": "A", "nama": "A", "kode_induk": "B"},
        {"kode": "B", "nama": "B", "kode_induk": "C"},
        {"kode": "C", "nama": "C", "kode_induk": "A"},
        {"kode": "D", "nama": "D", "kode_induk": "A"},
    ]
    plan = plan_tree(session, rows)
    assert problems_by_row(plan) == {2: ["kode_induk"], 3: ["kode_induk"], 4: ["kode_induk"]}
    assert "inside itself" in plan.problems[0].message
    assert plan.creates == []  # all or nothing


def test_a_unit_that_would_become_its_own_ancestor_is_reported(session, units):
    rows = [{"kode": "PEMDA", "nama": "Pemerintah Kota Contoh", "kode_induk": "DINKES-P2P"}]
    message = only_problem(plan_tree(session, rows), 2, "kode_induk").message
    assert "put PEMDA inside itself" in message


def test_a_unit_that_is_its_own_parent_is_reported(session, units):
    rows = [{"kode": "X", "nama": "X", "kode_induk": "x"}]
    assert "inside itself" in only_problem(plan_tree(session, rows), 2, "kode_induk").message


def test_missing_and_bad_cells_are_reported_column_by_column(session, units):
    rows = [
        {"kode": "", "nama": "Tanpa kode", "kode_induk": "PEMDA"},
        {"kode": "A B", "nama": "", "kode_induk": "PEM DA", "eselon": "x" * 17},
    ]
    assert problems_by_row(plan_tree(session, rows)) == {
        2: ["kode"],
        3: ["kode", "nama", "kode_induk", "eselon"],
    }


def test_the_plan_lists_top_level_units_other_than_the_root(session, units):
    rows = [*SETDA, {"kode": "LEPAS", "nama": "Unit lepas", "kode_induk": ""}]
    plan = plan_tree(session, rows)
    assert plan.problems == [] and plan.stray_units == ["LEPAS"]
    assert plan_tree(session, SETDA).stray_units == []


def test_planning_changes_nothing(session, units):
    plan_tree(session, [*SETDA, {"kode": "DINKES", "nama": "Baru", "kode_induk": "DISDIK"}])
    session.flush()
    assert session.query(Unit).filter_by(code="SETDA").count() == 0
    assert units["DINKES"].name == "Dinas Kesehatan"


# -- an operator's import: their unit and the units below it --------------------------------


def scope(units, *codes):
    return {units[code].id for code in codes}


DINKES_SCOPE = ("DINKES", "DINKES-P2P")


def test_an_operator_adds_and_renames_units_inside_their_sub_tree(session, units):
    rows = [
        {"kode": "DINKES", "nama": "Dinas Kesehatan", "kode_induk": "PEMDA"},
        {"kode": "PKM-1", "nama": "Puskesmas 1", "kode_induk": "DINKES-P2P"},
        {"kode": "PKM-1-PUSTU", "nama": "Pustu", "kode_induk": "PKM-1"},
        {"kode": "DINKES-P2P", "nama": "Bidang Pencegahan", "kode_induk": "DINKES"},
    ]
    plan = plan_tree(session, rows, within=scope(units, *DINKES_SCOPE))
    assert plan.problems == []
    assert [c.code for c in plan.creates] == ["PKM-1", "PKM-1-PUSTU"]
    assert [u.code for u in plan.renames] == ["DINKES-P2P"]


def test_an_operators_rows_outside_their_sub_tree_are_refused_row_by_row(session, units):
    rows = [
        {"kode": "DISDIK", "nama": "Dinas Pendidikan", "kode_induk": "PEMDA"},
        {"kode": "UPT-X", "nama": "UPT X", "kode_induk": "DISDIK"},
        {"kode": "DINKES-P2P", "nama": "Bidang P2P", "kode_induk": "PEMDA"},
        {"kode": "DINKES", "nama": "Dinas Kesehatan", "kode_induk": "DISDIK"},
        {"kode": "LEPAS", "nama": "Lepas", "kode_induk": ""},
    ]
    plan = plan_tree(session, rows, within=scope(units, *DINKES_SCOPE))
    assert problems_by_row(plan) == {
        2: ["kode"],
        3: ["kode_induk"],
        4: ["kode_induk"],
        5: ["kode_induk"],
        6: ["kode_induk"],
    }
    messages = [problem.message for problem in plan.problems]
    assert "not under your unit" in messages[0]
    assert "needs a parent unit (kode_induk) under your unit" in messages[1]
    assert "cannot be moved out of your unit" in messages[2]

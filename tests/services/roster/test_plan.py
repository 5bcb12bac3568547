import pytest
from sqlalchemy import select

from pakta.models import EmploymentType, Unit
from tests.services.roster.conftest import (
    add_employee,
    employee,
    import_rows,
    nip,
    only_problem,
    plan_rows,
    pppk_number,
    problems_at,
    roster_rows,
)

# -- bad rows -----------------------------------------------------------------------------


def test_a_bad_nip_is_reported_with_its_row_and_the_failing_part(session, units):
    rows = roster_rows(3)
    rows[1]["nip"] = nip(2)[:8] + "201513" + nip(2)[14:]  # month 13
    problem = only_problem(plan_rows(session, rows), 3, "nip")
    assert "Digits 9–14" in problem.message
    assert "13" in problem.message


def test_a_nip_with_the_wrong_length_is_reported(session, units):
    rows = roster_rows(2)
    rows[0]["nip"] = nip(0)[:17]
    assert "found 17" in only_problem(plan_rows(session, rows), 2, "nip").message


def test_a_missing_name_is_reported(session, units):
    rows = roster_rows(3)
    rows[2]["nama"] = "   "
    assert "name is missing" in only_problem(plan_rows(session, rows), 4, "nama").message


def test_a_missing_unit_code_is_reported(session, units):
    rows = roster_rows(2)
    rows[1]["unit_kode"] = ""
    assert "unit code is missing" in only_problem(plan_rows(session, rows), 3, "unit_kode").message


def test_a_unit_code_longer_than_64_characters_is_reported(session, units):
    rows = roster_rows(2)
    rows[0]["unit_kode"] = "D" * 65
    problem = only_problem(plan_rows(session, rows), 2, "unit_kode")
    assert "longer than 64" in problem.message


@pytest.mark.parametrize("code", ["DINAS KESEHATAN", "DINKES/P2P", "DİNKES", "DINKES;"])
def test_a_unit_code_with_other_characters_than_letters_digits_and_dashes_is_reported(
    session, units, code
):
    rows = roster_rows(2)
    rows[1]["unit_kode"] = code
    message = only_problem(plan_rows(session, rows), 3, "unit_kode").message
    assert "may contain only letters, digits" in message


def test_a_bad_parent_unit_code_is_reported_against_unit_induk(session, units):
    rows = roster_rows(1)
    rows[0]["unit_induk"] = "PEMDA KOTA"
    only_problem(plan_rows(session, rows), 2, "unit_induk")


def test_an_unknown_employee_type_is_reported(session, units):
    rows = roster_rows(2)
    rows[0]["jenis"] = "Kontrak"
    message = only_problem(plan_rows(session, rows), 2, "jenis").message
    assert "Unknown employee type Kontrak" in message


def test_a_duplicate_number_in_the_file_is_reported_naming_the_first_row(session, units):
    rows = roster_rows(4)
    rows[3]["nip"] = (
        f" {rows[1]['nip'][:8]} {rows[1]['nip'][8:14]} {rows[1]['nip'][14]} "
        + (rows[1]["nip"][15:])
    )
    plan = plan_rows(session, rows)
    assert only_problem(plan, 5, "nip").message == "Same number as row 3."
    assert [create.row for create in plan.creates] == [2, 3, 4]


@pytest.mark.parametrize(
    "email", ["siti", "siti@@contoh.go.id", "siti @contoh.go.id", "siti@localhost", "a@b."]
)
def test_a_bad_email_is_reported(session, units, email):
    rows = roster_rows(1)
    rows[0]["email"] = email
    assert "not an email address" in only_problem(plan_rows(session, rows), 2, "email").message


def test_an_email_longer_than_255_characters_is_reported(session, units):
    rows = roster_rows(1)
    rows[0]["email"] = "a" * 250 + "@contoh.go.id"
    only_problem(plan_rows(session, rows), 2, "email")


@pytest.mark.parametrize("phone", ["0812", "0812-3456-7890-1234", "0812abc7890", "++6281234567"])
def test_a_bad_phone_number_is_reported(session, units, phone):
    rows = roster_rows(1)
    rows[0]["telepon"] = phone
    message = only_problem(plan_rows(session, rows), 2, "telepon").message
    assert "8 to 15 digits" in message


@pytest.mark.parametrize("code", ["123", "x" * 33, "12 34", "12-34", "kode!"])
def test_a_bad_verification_code_is_reported_without_echoing_it(session, units, code):
    rows = roster_rows(1)
    rows[0]["kode_verifikasi"] = code
    message = only_problem(plan_rows(session, rows), 2, "kode_verifikasi").message
    assert "4 to 32" in message
    assert code not in message


def test_a_name_longer_than_255_characters_is_reported(session, units):
    rows = roster_rows(2)
    rows[1]["nama"] = "Siti " * 60
    assert "longer than 255" in only_problem(plan_rows(session, rows), 3, "nama").message


def test_a_parent_that_would_make_a_cycle_in_the_unit_tree_is_reported(session, units):
    rows = roster_rows(2)
    rows[1].update(unit_kode="PEMDA", unit_induk="DINKES-P2P")  # P2P is below PEMDA
    message = only_problem(plan_rows(session, rows), 3, "unit_induk").message
    assert "inside itself" in message
    assert "DINKES-P2P" in message


def test_a_unit_that_is_its_own_parent_is_reported(session, units):
    rows = roster_rows(1, units=("BARU",))
    rows[0].update(unit_nama="Baru", unit_induk="baru")
    assert "inside itself" in only_problem(plan_rows(session, rows), 2, "unit_induk").message


def test_a_cycle_among_new_units_of_one_file_is_reported_and_places_neither(session, units):
    rows = roster_rows(2, units=("UPT-A", "UPT-B"))
    rows[0].update(unit_nama="UPT A", unit_induk="UPT-B")
    rows[1].update(unit_nama="UPT B", unit_induk="UPT-A")
    plan = plan_rows(session, rows)
    assert "inside itself" in only_problem(plan, 3, "unit_induk").message
    # With row 3 refused, nothing places UPT-B: row 2 cannot make it a unit without a parent.
    assert "UPT-B" in only_problem(plan, 2, "unit_induk").message
    assert plan.new_units == []


def test_two_rows_naming_one_unit_differently_is_reported(session, units):
    rows = roster_rows(3, units=("PUSKESMAS-1",))
    names = ["Puskesmas Cikole", "Puskesmas Cikole", "Puskesmas Cibeureum"]
    for row, name in zip(rows, names, strict=True):
        row.update(unit_nama=name, unit_induk="DINKES")
    message = only_problem(plan_rows(session, rows), 4, "unit_nama").message
    assert "Row 2" in message
    assert "Puskesmas Cikole" in message


def test_a_row_with_several_problems_reports_each(session, units):
    rows = roster_rows(1)
    rows[0].update(nip="123", nama="", unit_kode="A B", email="x", telepon="1", jenis="PNS")
    plan = plan_rows(session, rows)
    assert [problem.column for problem in problems_at(plan, 2)] == [
        "nip",
        "nama",
        "unit_kode",
        "email",
        "telepon",
    ]
    assert plan.bad_rows == [2]
    assert plan.counts()["problems"] == 5


# -- importing ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "kind"),
    [
        ("PNS", EmploymentType.PNS),
        ("cpns", EmploymentType.PNS),
        ("PPPK", EmploymentType.PPPK),
        ("NON ASN", EmploymentType.NON_ASN),
        ("non_asn", EmploymentType.NON_ASN),
        ("NONASN", EmploymentType.NON_ASN),
        ("tkk", EmploymentType.NON_ASN),
        ("PTT", EmploymentType.NON_ASN),
    ],
)
def test_employee_types_are_accepted_in_their_usual_spellings(session, units, written, kind):
    number = pppk_number(1) if kind is EmploymentType.PPPK else nip(1)
    rows = [{"nip": number, "nama": "Siti", "unit_kode": "DINKES", "jenis": written}]
    plan = plan_rows(session, rows)
    assert plan.problems == []
    assert plan.creates[0].values["employment_type"] is kind


def test_blank_optional_cells_keep_what_is_stored(session, units):
    add_employee(
        session,
        units["DINKES"],
        nip(1),
        name="Siti",
        position="Perawat",
        email="siti@contoh.go.id",
        phone="081234567890",
    )
    rows = [{"nip": nip(1), "nama": "Siti", "unit_kode": "DINKES", "jabatan": "", "email": ""}]
    assert plan_rows(session, rows).unchanged == 1


def test_planning_changes_nothing_in_the_database(session, units):
    add_employee(session, units["DINKES"], nip(1), active=False)
    rows = [
        row | {"unit_nama": "New", "unit_induk": "PEMDA"}
        for row in roster_rows(5, units=("NEW-UNIT",))
    ] + [{"nip": nip(1), "nama": "X", "unit_kode": "DINKES", "unit_nama": "Renamed"}]
    plan = plan_rows(session, rows, deactivate_missing=True)
    assert plan.has_changes
    session.flush()
    assert session.scalar(select(Unit).where(Unit.code == "NEW-UNIT")) is None
    assert units["DINKES"].name == "Dinas Kesehatan"
    assert not employee(session, nip(1)).active


# -- an operator's import: their unit and the units below it ---------------------------------


def scope(units, *codes):
    return {units[code].id for code in codes}


def test_an_operators_rows_for_their_own_sub_tree_are_planned(session, units):
    rows = roster_rows(4, units=("DINKES", "DINKES-P2P"))
    plan = plan_rows(session, rows, within=scope(units, "DINKES", "DINKES-P2P"))
    assert plan.problems == [] and len(plan.creates) == 4


def test_an_operators_row_for_another_unit_is_bad(session, units):
    rows = roster_rows(2, units=("DINKES", "DISDIK"))
    plan = plan_rows(session, rows, within=scope(units, "DINKES", "DINKES-P2P"))
    assert [(p.row, p.column) for p in plan.problems] == [(3, "unit_kode")]
    assert len(plan.creates) == 1


def test_an_operator_creates_a_new_unit_only_under_their_own(session, units):
    rows = roster_rows(3, units=("PUSKESMAS-1",))
    for row in rows:
        row.update(unit_nama="Puskesmas", unit_induk="DINKES-P2P")
    rows[2].update(unit_kode="UPT-LAIN", unit_induk="DISDIK")
    within = scope(units, "DINKES", "DINKES-P2P")
    plan = plan_rows(session, rows, within=within)
    assert [(p.row, p.column) for p in plan.problems] == [(4, "unit_induk")]
    assert [unit.code for unit in plan.new_units] == ["PUSKESMAS-1"]


def test_an_operator_cannot_move_their_unit_or_a_sub_unit_out_of_it(session, units):
    rows = roster_rows(2, units=("DINKES", "DINKES-P2P"))
    rows[0]["unit_induk"] = "DISDIK"
    rows[1]["unit_induk"] = "PEMDA"
    plan = plan_rows(session, rows, within=scope(units, "DINKES", "DINKES-P2P"))
    assert [(p.row, p.column) for p in plan.problems] == [(2, "unit_induk"), (3, "unit_induk")]
    assert plan.unit_reparents == []


def test_an_operator_cannot_take_over_someone_on_another_units_roster_nor_learn_which(
    session, units
):
    import_rows(session, roster_rows(1, units=("DISDIK",)))
    rows = roster_rows(1, units=("DINKES",))
    plan = plan_rows(session, rows, within=scope(units, "DINKES", "DINKES-P2P"))
    assert [(p.row, p.column) for p in plan.problems] == [(2, "nip")]
    assert "DISDIK" not in plan.problems[0].message  # which unit is not the operator's to know
    assert "outside your units" in plan.problems[0].message
    assert plan.updates == []


def test_an_operators_deactivation_of_missing_people_stays_in_their_sub_tree(session, units):
    import_rows(session, roster_rows(4, units=("DINKES", "DISDIK")))
    newcomer = roster_rows(1, units=("DINKES",), start=10)
    plan = plan_rows(
        session, newcomer, within=scope(units, "DINKES", "DINKES-P2P"), deactivate_missing=True
    )
    assert {d.identity_number for d in plan.deactivations} == {nip(0), nip(2)}


# -- units the roster does not know ---------------------------------------------------------


def test_a_row_whose_unit_is_unknown_is_refused_with_its_row_number(session, units):
    rows = roster_rows(4, units=("DINKES", "PKM-BARU"))
    rows[3]["unit_nama"] = "Puskesmas Baru"  # a name alone does not say where the unit belongs
    plan = plan_rows(session, rows)
    for row in (3, 5):
        message = only_problem(plan, row, "unit_kode").message
        assert "PKM-BARU is not in Pakta" in message and "unit_induk" in message
    assert plan.new_units == [] and [create.row for create in plan.creates] == [2, 4]


def test_a_row_naming_its_new_unit_and_the_units_parent_creates_the_unit(session, units):
    rows = roster_rows(1, units=("PKM-BARU",))
    rows[0].update(unit_nama="Puskesmas Baru", unit_induk="DINKES")
    plan = plan_rows(session, rows)
    assert plan.problems == []
    assert [(u.code, u.name, u.parent_code) for u in plan.new_units] == [
        ("PKM-BARU", "Puskesmas Baru", "DINKES")
    ]


def test_a_parent_unit_no_row_places_is_not_created_without_a_parent(session, units):
    # The container-unit bug: SETDA, named only as the Bagian's parent, became a top unit.
    rows = roster_rows(2, units=("BAGIAN-HUKUM", "DINKES"))
    rows[0].update(unit_nama="Bagian Hukum", unit_induk="SETDA")
    plan = plan_rows(session, rows)
    message = only_problem(plan, 2, "unit_induk").message
    assert "SETDA" in message and "import the unit tree first" in message
    assert plan.new_units == []
    assert [create.row for create in plan.creates] == [3]


def test_a_parent_placed_by_another_row_of_the_file_is_accepted(session, units):
    rows = roster_rows(2, units=("BAGIAN-HUKUM", "SETDA"))
    rows[0].update(unit_nama="Bagian Hukum", unit_induk="SETDA")
    rows[1].update(unit_nama="Sekretariat Daerah", unit_induk="PEMDA")
    plan = plan_rows(session, rows)
    assert plan.problems == []
    assert [(u.code, u.parent_code) for u in plan.new_units] == [
        ("SETDA", "PEMDA"),
        ("BAGIAN-HUKUM", "SETDA"),
    ]


def test_the_plan_lists_top_level_units_other_than_the_root(session, units):
    session.add(Unit(code="LEPAS", name="Unit tanpa induk"))
    session.flush()
    assert plan_rows(session, roster_rows(1)).stray_units == ["LEPAS"]
    rows = roster_rows(1, units=("LEPAS",))
    rows[0].update(unit_nama="Unit tanpa induk", unit_induk="PEMDA")
    assert plan_rows(session, rows).stray_units == []

import json
import time

from sqlalchemy import select

from pakta import keys
from pakta.models import Employee, EmploymentType, Signature, SignatureMethod, Unit
from pakta.services.roster import apply_import, plan_import, read_table
from tests.conftest import make_campaign
from tests.services.roster.conftest import (
    add_employee,
    employee,
    import_rows,
    nip,
    plan_rows,
    pppk_number,
    roster_rows,
    to_csv,
)


def test_apply_imports_only_the_good_rows_and_counts_the_skipped(session, units):
    rows = roster_rows(3)
    rows[1]["nama"] = ""
    rows[2].update(unit_kode="BARU", unit_nama="Unit Baru", unit_induk="PEMDA")
    bad_unit = {"nip": nip(9), "nama": "X", "unit_kode": "LAIN", "jabatan": "", "jenis": "??"}
    plan, result = import_rows(session, [*rows, bad_unit])
    assert plan.bad_rows == [3, 5]
    assert result.created == 2
    assert result.skipped_rows == 2
    assert [new.code for new in plan.new_units] == ["BARU"]  # not LAIN: its row is bad
    assert session.scalar(select(Employee).where(Employee.identity_number == nip(1))) is None


def test_new_employees_are_created_with_cleaned_and_normalised_values(session, units):
    rows = [
        {
            "nip": f" {nip(1)} ",
            "nama": "  Dewi   Ayu\tLestari ",
            "unit_kode": "dinkes",
            "jabatan": " Analis  Kebijakan ",
            "jenis": "",
            "email": " Dewi.Ayu@Contoh.GO.ID ",
            "telepon": "0812-3456-7890",
            "kode_verifikasi": "",
        },
        {"nip": pppk_number(2), "nama": "Rina", "unit_kode": "DISDIK", "jenis": " p3k "},
        {"nip": "HNR0042", "nama": "Asep", "unit_kode": "DISDIK", "jenis": "Non-ASN"},
        {"nip": "THL7", "nama": "Ujang", "unit_kode": "DISDIK", "jenis": "honorer"},
        {"nip": nip(5), "nama": "Tono", "unit_kode": "DISDIK", "telepon": "+62 (812) 555.1234"},
    ]
    plan, result = import_rows(session, rows)
    assert plan.problems == []
    assert result.created == 5
    dewi = employee(session, nip(1))
    assert (dewi.name, dewi.position, dewi.email, dewi.phone) == (
        "Dewi Ayu Lestari",
        "Analis Kebijakan",
        "dewi.ayu@contoh.go.id",
        "081234567890",
    )
    assert dewi.employment_type is EmploymentType.PNS  # blank jenis: the roster's default
    assert dewi.unit_id == units["DINKES"].id
    assert dewi.verification_code_hash is None
    assert dewi.active
    assert dewi.created_at == dewi.updated_at
    assert employee(session, pppk_number(2)).employment_type is EmploymentType.PPPK
    assert employee(session, "HNR0042").employment_type is EmploymentType.NON_ASN
    assert employee(session, "THL7").employment_type is EmploymentType.NON_ASN
    assert employee(session, nip(5)).phone == "+628125551234"


def test_reimporting_an_unchanged_file_changes_nothing(session, units, statements):
    rows = roster_rows(20, units=("UPT-BARU", "DINKES", "DISDIK"))
    for row in rows[::3]:
        row.update(unit_nama="UPT Baru", unit_induk="DINKES")
    rows[0].update(kode_verifikasi="A1B2C3")
    rows[1].update(email="x@contoh.go.id", telepon="081234567890")
    import_rows(session, rows)
    stamps = dict(session.execute(select(Employee.identity_number, Employee.updated_at)).all())

    statements.clear()
    plan, result = import_rows(session, rows)
    session.flush()

    assert plan.unchanged == 20
    assert not plan.has_changes
    assert result.as_details() | {"unchanged": 0} == dict.fromkeys(result.as_details(), 0)
    writes = [s for s in statements if s.lstrip().upper().startswith(("INSERT", "UPDATE"))]
    assert writes == []
    after = dict(session.execute(select(Employee.identity_number, Employee.updated_at)).all())
    assert after == stamps


def test_a_moved_employee_moves_while_an_earlier_signature_keeps_its_unit(session, units):
    person = add_employee(session, units["DINKES"], nip(1), name="Siti Aminah")
    campaign = make_campaign(
        session,
    )
    signature = Signature(
        public_id="sig-1",
        certificate_number="PAKTA/2024/000001",
        campaign_id=campaign.id,
        employee_id=person.id,
        pact_text_id=campaign.pact.id,
        pact_sha256=campaign.pact.sha256,
        acknowledged_points=[1, 2, 3, 4],
        unit_id=units["DINKES"].id,
        unit_name="Dinas Kesehatan",
        signer_name="Siti Aminah",
        method=SignatureMethod.KIOSK,
    )
    session.add(signature)
    session.flush()

    rows = [{"nip": nip(1), "nama": "Siti Aminah", "unit_kode": "DISDIK"}]
    plan, result = import_rows(session, rows)

    assert [(m.identity_number, m.old_unit_code, m.new_unit_code) for m in plan.moves] == [
        (nip(1), "DINKES", "DISDIK")
    ]
    assert (result.updated, result.moved) == (1, 1)
    assert employee(session, nip(1)).unit_id == units["DISDIK"].id
    session.refresh(signature)
    assert signature.unit_id == units["DINKES"].id
    assert signature.unit_name == "Dinas Kesehatan"


def test_new_units_are_created_under_their_parents_whatever_the_row_order(session, units):
    rows = [
        # The child comes before the row that places its parent under DISDIK.
        {
            "nip": nip(1),
            "nama": "A",
            "unit_kode": "SD-1",
            "unit_nama": "SDN 1",
            "unit_induk": "UPTD",
        },
        {
            "nip": nip(2),
            "nama": "B",
            "unit_kode": "UPTD",
            "unit_nama": "UPTD Pendidikan",
            "unit_induk": "disdik",
        },
        {
            "nip": nip(3),
            "nama": "C",
            "unit_kode": "uptd",
            "unit_nama": "UPTD Pendidikan",
            "unit_induk": "DISDIK",
        },
        {
            "nip": nip(4),
            "nama": "D",
            "unit_kode": "PKM-1",
            "unit_nama": "PKM",
            "unit_induk": "dinkes",
        },
    ]
    plan, result = import_rows(session, rows)
    assert plan.problems == []
    assert [(u.code, u.name, u.parent_code) for u in plan.new_units] == [
        ("UPTD", "UPTD Pendidikan", "DISDIK"),
        ("SD-1", "SDN 1", "UPTD"),
        ("PKM-1", "PKM", "DINKES"),
    ]
    assert result.units_created == 3
    created = {unit.code: unit for unit in session.scalars(select(Unit))}
    assert created["SD-1"].parent.code == "UPTD"
    assert created["UPTD"].parent is units["DISDIK"]
    assert created["PKM-1"].parent is units["DINKES"]
    assert employee(session, nip(3)).unit_id == created["UPTD"].id


def test_a_unit_name_or_parent_that_differs_renames_or_reparents_the_unit(session, units):
    rows = [
        {"nip": nip(1), "nama": "A", "unit_kode": "DINKES", "unit_nama": "Dinas Kesehatan Kota"},
        {"nip": nip(2), "nama": "B", "unit_kode": "DINKES-P2P", "unit_induk": "PEMDA"},
        {"nip": nip(3), "nama": "C", "unit_kode": "DISDIK", "unit_nama": "Dinas Pendidikan"},
    ]
    plan, result = import_rows(session, rows)
    assert [(r.code, r.old_name, r.new_name) for r in plan.unit_renames] == [
        ("DINKES", "Dinas Kesehatan", "Dinas Kesehatan Kota")
    ]
    assert [(r.code, r.old_parent_code, r.new_parent_code) for r in plan.unit_reparents] == [
        ("DINKES-P2P", "DINKES", "PEMDA")
    ]
    assert (result.units_renamed, result.units_reparented) == (1, 1)
    session.refresh(units["DINKES-P2P"])
    assert units["DINKES"].name == "Dinas Kesehatan Kota"
    assert units["DINKES-P2P"].parent_id == units["PEMDA"].id


def test_deactivate_missing_deactivates_employees_absent_from_the_file_but_never_deletes(
    session, units
):
    staying = add_employee(session, units["DINKES"], nip(1))
    leaving = add_employee(session, units["DINKES"], nip(2), name="Pensiun")
    already_gone = add_employee(session, units["DINKES"], nip(3), active=False)
    bad_row_person = add_employee(session, units["DINKES"], nip(4))
    rows = [
        {"nip": nip(1), "nama": "Budi Santoso", "unit_kode": "DINKES"},
        {"nip": nip(4), "nama": "", "unit_kode": "DINKES"},  # bad, but clearly present
    ]

    assert plan_rows(session, rows).deactivations == []
    plan, result = import_rows(session, rows, deactivate_missing=True)

    assert [gone.identity_number for gone in plan.deactivations] == [nip(2)]
    assert result.deactivated == 1
    for person, active in ((staying, True), (leaving, False), (already_gone, False)):
        session.refresh(person)
        assert person.active is active
    session.refresh(bad_row_person)
    assert bad_row_person.active


def test_an_inactive_employee_in_the_file_is_reactivated(session, units):
    person = add_employee(session, units["DINKES"], nip(1), active=False)
    plan, result = import_rows(
        session, [{"nip": nip(1), "nama": person.name, "unit_kode": "DINKES"}]
    )
    assert [change.changes for change in plan.reactivations] == [{"active": (False, True)}]
    assert (result.updated, result.reactivated) == (1, 1)
    session.refresh(person)
    assert person.active


def test_the_verification_code_is_stored_hashed_and_a_blank_code_keeps_it(session, units):
    rows = [{"nip": nip(1), "nama": "Siti", "unit_kode": "DINKES", "kode_verifikasi": "Ab12Cd"}]
    import_rows(session, rows)
    stored = employee(session, nip(1)).verification_code_hash
    assert stored == keys.verification_code_digest("Ab12Cd")
    assert "Ab12Cd" not in stored
    assert keys.verification_code_matches("Ab12Cd", stored)

    rows[0]["kode_verifikasi"] = ""
    plan, _ = import_rows(session, rows)
    assert plan.unchanged == 1
    assert employee(session, nip(1)).verification_code_hash == stored

    rows[0]["kode_verifikasi"] = "998877"
    plan, result = import_rows(session, rows)
    assert [change.changes for change in plan.updates] == [{"verification_code": (None, None)}]
    assert result.updated == 1
    assert keys.verification_code_matches(
        "998877", employee(session, nip(1)).verification_code_hash
    )


def test_changed_fields_are_listed_with_before_and_after(session, units):
    add_employee(session, units["DINKES"], nip(1), name="Siti", position="Perawat")
    rows = [
        {
            "nip": nip(1),
            "nama": "Siti Aminah",
            "unit_kode": "DINKES",
            "jabatan": "Perawat Ahli",
            "jenis": "PNS",
            "email": "siti@contoh.go.id",
        }
    ]
    plan, result = import_rows(session, rows)
    assert plan.updates[0].changes == {
        "name": ("Siti", "Siti Aminah"),
        "position": ("Perawat", "Perawat Ahli"),
        "email": (None, "siti@contoh.go.id"),
    }
    person = employee(session, nip(1))
    assert (person.name, person.position, person.email) == (
        "Siti Aminah",
        "Perawat Ahli",
        "siti@contoh.go.id",
    )
    assert person.updated_at > person.created_at
    assert (result.updated, result.moved) == (1, 0)


def test_orm_objects_already_in_the_session_see_the_bulk_changes(session, units):
    person = add_employee(session, units["DINKES"], nip(1), name="Siti")
    import_rows(session, [{"nip": nip(1), "nama": "Siti Aminah", "unit_kode": "DISDIK"}])
    assert person.name == "Siti Aminah"
    assert person.unit is units["DISDIK"]


def test_the_summary_is_one_line_of_counts_and_the_details_are_json(session, units):
    add_employee(session, units["DINKES"], nip(1), name="Lama")
    rows = roster_rows(3, start=1) + [{"nip": "1", "nama": "X", "unit_kode": "BARU"}]
    plan, result = import_rows(session, rows)
    assert plan.summary() == (
        "New: 2; updated: 1 (moved: 1, reactivated: 0); unchanged: 0; deactivated: 0; "
        "new units: 0; units renamed or moved: 0; rows with problems: 1."
    )
    assert "\n" not in plan.summary()
    assert json.loads(json.dumps(result.as_details())) == {
        "created": 2,
        "updated": 1,
        "moved": 1,
        "reactivated": 0,
        "unchanged": 0,
        "deactivated": 0,
        "units_created": 0,
        "units_renamed": 0,
        "units_reparented": 0,
        "skipped_rows": 1,
    }


def test_a_2000_row_roster_imports_and_reimports_unchanged(session, units):
    rows = roster_rows(2000, units=("DINKES", "DISDIK", "PKM-1", "PKM-2"))
    for i in range(0, len(rows), 10):
        rows[i].update(jenis="NON ASN", nip=f"THL{i:05d}")
    for row in rows:
        if row["unit_kode"].startswith("PKM"):
            row.update(unit_nama=f"Puskesmas {row['unit_kode']}", unit_induk="DINKES")
    data = to_csv(rows, delimiter=";")
    started = time.perf_counter()
    plan = plan_import(session, read_table(data, "roster.csv"))
    assert plan.problems == []
    result = apply_import(session, plan)
    print(f"2,000 rows imported in {time.perf_counter() - started:.2f}s")
    assert (result.created, result.units_created, result.updated) == (2000, 2, 0)
    assert session.scalar(select(Employee.id).where(Employee.identity_number == nip(1999)))

    for row in rows[:100]:
        row["unit_kode"] = "DISDIK"
        row.pop("unit_nama", None), row.pop("unit_induk", None)
    again = plan_import(session, read_table(to_csv(rows), "roster.csv"))
    assert (again.counts()["created"], again.counts()["moved"], again.unchanged) == (0, 75, 1925)
    apply_import(session, again)
    assert plan_import(session, read_table(to_csv(rows), "roster.csv")).unchanged == 2000

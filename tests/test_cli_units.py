from sqlalchemy import select

from pakta.models import AuditEvent, Unit

TREE = (
    "kode,nama,kode_induk,eselon\n"
    "BAG-HUKUM,Bagian Hukum,SETDA,31\n"
    "SETDA,Sekretariat Daerah,PEMDA,21\n"
)


def unit(session, code):
    return session.scalar(select(Unit).where(Unit.code == code))


def test_units_import_creates_the_tree_and_audits_it(runner, session, units, tmp_path):
    path = tmp_path / "unor.csv"
    path.write_text(TREE)
    result = runner.invoke(args=["units", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert unit(session, "BAG-HUKUM").parent.code == "SETDA"
    assert unit(session, "SETDA").parent.code == "PEMDA"
    assert session.scalar(select(AuditEvent).where(AuditEvent.action == "units.import"))


def test_units_import_dry_run_changes_nothing(runner, session, units, tmp_path):
    path = tmp_path / "unor.csv"
    path.write_text(TREE)
    result = runner.invoke(args=["units", "import", "--dry-run", str(path)])
    assert result.exit_code == 0, result.output
    assert unit(session, "SETDA") is None


def test_units_import_refuses_the_whole_file_naming_each_bad_row(runner, session, units, tmp_path):
    path = tmp_path / "unor.csv"
    path.write_text(TREE + "UPT-X,UPT X,DINSOS,\nLEPAS,Unit Lepas,,\n")
    result = runner.invoke(args=["units", "import", str(path)])
    assert result.exit_code == 1
    assert "4" in result.output and "DINSOS" in result.output
    assert unit(session, "SETDA") is None


def test_units_import_warns_about_top_level_units_besides_the_root(
    runner, session, units, tmp_path
):
    path = tmp_path / "unor.csv"
    path.write_text(TREE + "LEPAS,Unit Lepas,,\n")
    result = runner.invoke(args=["units", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "LEPAS" in result.output


def test_units_import_refuses_an_unreadable_file(runner, session, tmp_path):
    path = tmp_path / "unor.csv"
    path.write_text("kode,nama\nA,B\n")
    result = runner.invoke(args=["units", "import", str(path)])
    assert result.exit_code == 1
    assert "kode_induk" in result.output

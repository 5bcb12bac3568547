"""Backups round trip a database, with a certificate that still verifies, and restores
refuse what they cannot restore safely, changing nothing."""

import pytest
from sqlalchemy import inspect
from sqlalchemy.orm import Session

from pakta import migrate
from pakta.db import database
from pakta.services import backups
from pakta.services.backups import archive, dumps
from pakta.services.certificates import verification
from tests.services.backups.conftest import member_names, rewrite_manifest


def engine_of(instance):
    return database(instance.app).engine


def restore_into(instance, backup, **options):
    return backups.restore(engine_of(instance), instance.app.instance_path, backup, **options)


def verdict(instance, token) -> verification.Status:
    with Session(engine_of(instance)) as db:
        return verification.verify_token(db, token).status


def test_a_certificate_issued_before_a_backup_verifies_after_restoring_it_elsewhere(
    source_instance, empty_instance, tmp_path
):
    backup = tmp_path / "pakta.backup"
    made = backups.create(engine_of(source_instance), source_instance.app.instance_path, backup)
    restored = restore_into(empty_instance, backup)
    assert restored == made
    assert made.database == engine_of(source_instance).dialect.name
    assert made.revision == backups.revision_of(engine_of(source_instance))
    assert verdict(empty_instance, source_instance.token) == verification.Status.VALID
    assert migrate.is_current(engine_of(empty_instance))


def test_a_backup_without_a_passphrase_leaves_the_keys_out(source_instance, tmp_path):
    backup = tmp_path / "pakta.backup"
    made = backups.create(engine_of(source_instance), source_instance.app.instance_path, backup)
    assert made.keys is False
    assert member_names(backup) == {archive.MANIFEST, archive.DUMP}
    key_pem = next((tmp_path / "source" / "keys").glob("ed25519-*.pem")).read_bytes()
    assert key_pem not in backup.read_bytes()


def test_a_backup_file_is_readable_by_its_owner_alone(source_instance, tmp_path):
    backup = tmp_path / "pakta.backup"
    backups.create(engine_of(source_instance), source_instance.app.instance_path, backup)
    assert backup.stat().st_mode & 0o077 == 0


def test_a_failed_backup_keeps_the_previous_file_and_leaves_no_partial_one(
    source_instance, tmp_path, monkeypatch
):
    backup = tmp_path / "backups" / "pakta.backup"
    backup.parent.mkdir()
    backup.write_bytes(b"yesterday's backup")

    def broken_tar(*_args, **_kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(archive.tarfile, "open", broken_tar)
    with pytest.raises(OSError, match="No space left"):
        backups.create(engine_of(source_instance), source_instance.app.instance_path, backup)
    assert backup.read_bytes() == b"yesterday's backup"
    assert [path.name for path in backup.parent.iterdir()] == ["pakta.backup"]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"revision": "0999_from_a_newer_pakta"}, "newer than this version of Pakta knows"),
        ({"format": archive.FORMAT + 1}, "backup format this version of Pakta does not know"),
        ({"database": "oracle"}, "is of a oracle database"),
    ],
    ids=["newer-schema", "unknown-format", "other-database-kind"],
)
def test_restore_refuses_a_backup_it_cannot_restore_and_changes_nothing(
    source_instance, empty_instance, tmp_path, changes, message
):
    backup = tmp_path / "pakta.backup"
    backups.create(engine_of(source_instance), source_instance.app.instance_path, backup)
    rewrite_manifest(backup, **changes)
    with pytest.raises(backups.BackupError, match=message):
        restore_into(empty_instance, backup)
    assert inspect(engine_of(empty_instance)).get_table_names() == []


def test_restore_refuses_a_file_that_is_not_a_backup(empty_instance, tmp_path):
    stray = tmp_path / "notes.txt"
    stray.write_text("not a backup")
    with pytest.raises(backups.BackupError, match="is not a Pakta backup"):
        restore_into(empty_instance, stray)


def test_restore_refuses_a_database_holding_data_unless_forced(source_instance, tmp_path):
    backup = tmp_path / "pakta.backup"
    backups.create(engine_of(source_instance), source_instance.app.instance_path, backup)
    with pytest.raises(backups.BackupError, match="already holds data"):
        restore_into(source_instance, backup)
    restore_into(source_instance, backup, force=True)
    assert verdict(source_instance, source_instance.token) == verification.Status.VALID


def test_restoring_a_backup_from_an_older_schema_migrates_it_to_the_newest(
    empty_instance, app_variant, tmp_path
):
    from tests.conftest import fresh_database

    (tmp_path / "old-db").mkdir()
    with fresh_database(tmp_path / "old-db") as url:
        old = app_variant(DATABASE_URL=url, INSTANCE_PATH=tmp_path / "old")
        migrate.upgrade(engine_of_app := database(old).engine, "0008")
        backup = tmp_path / "old.backup"
        made = backups.create(engine_of_app, old.instance_path, backup)
        engine_of_app.dispose()
    assert made.revision.startswith("0008")
    restore_into(empty_instance, backup)
    assert migrate.is_current(engine_of(empty_instance))


def test_an_empty_database_is_refused_with_nothing_to_back_up(empty_instance, tmp_path):
    with pytest.raises(backups.BackupError, match="nothing to back up"):
        backups.create(engine_of(empty_instance), empty_instance.app.instance_path, tmp_path / "b")
    assert not (tmp_path / "b").exists()


def test_the_postgresql_tools_are_those_of_the_servers_major_version(app, is_postgresql):
    if not is_postgresql:
        pytest.skip("runs on PostgreSQL (set PAKTA_TEST_DATABASE_URL)")
    engine = database(app).engine
    with engine.connect() as connection:
        major = connection.exec_driver_sql("SHOW server_version_num").scalar_one()[:-4]
    matching = dumps.POSTGRES_TOOLS / major / "bin" / "pg_dump"
    if not matching.is_file():
        pytest.skip(f"{matching} is not installed (Debian: postgresql-client-{major})")
    assert dumps.postgres_tool(engine, "pg_dump") == matching

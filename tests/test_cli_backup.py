"""`pakta backup` and `pakta restore`: keys only with --with-keys, sealed by a passphrase."""

from pathlib import Path

import pytest
from sqlalchemy import inspect
from sqlalchemy.orm import Session

from pakta.db import database
from pakta.services.backups import archive
from pakta.services.certificates import verification
from tests.services.backups.conftest import member_names

PASSPHRASE = "kunci cadangan yang panjang"


def run(instance, *args, input=None):
    return instance.app.test_cli_runner().invoke(args=list(args), input=input)


def key_files(instance) -> dict[str, bytes]:
    folder = Path(instance.app.instance_path) / "keys"
    return {path.name: path.read_bytes() for path in folder.iterdir()}


@pytest.fixture
def keyed_backup(source_instance, tmp_path):
    backup = tmp_path / "pakta-with-keys.backup"
    result = run(source_instance, "backup", str(backup), "--with-keys", input=PASSPHRASE + "\n")
    assert result.exit_code == 0, result.output
    return backup


def test_keys_backed_up_with_a_passphrase_are_restored_with_it(
    source_instance, empty_instance, keyed_backup
):
    assert member_names(keyed_backup) == {archive.MANIFEST, archive.DUMP, archive.KEYS}
    for data in key_files(source_instance).values():
        assert data not in keyed_backup.read_bytes()
    result = run(empty_instance, "restore", str(keyed_backup), "--with-keys", input=PASSPHRASE)
    assert result.exit_code == 0, result.output
    assert key_files(empty_instance) == key_files(source_instance)
    for path in (Path(empty_instance.app.instance_path) / "keys").iterdir():
        assert path.stat().st_mode & 0o077 == 0
    with Session(database(empty_instance.app).engine) as db:
        assert verification.verify_token(db, source_instance.token).status == "valid"


def test_a_wrong_passphrase_is_refused_clearly_and_restores_nothing(empty_instance, keyed_backup):
    result = run(empty_instance, "restore", str(keyed_backup), "--with-keys", input="salah\n")
    assert result.exit_code == 1
    assert "Frasa sandi salah" in result.output
    assert inspect(database(empty_instance.app).engine).get_table_names() == []
    assert not (Path(empty_instance.app.instance_path) / "keys").exists()


def test_restore_leaves_the_keys_alone_unless_asked(empty_instance, keyed_backup):
    result = run(empty_instance, "restore", str(keyed_backup))
    assert result.exit_code == 0, result.output
    assert not (Path(empty_instance.app.instance_path) / "keys").exists()


def test_backup_without_with_keys_asks_no_passphrase_and_leaves_the_keys_out(
    source_instance, empty_instance, tmp_path
):
    backup = tmp_path / "pakta.backup"
    result = run(source_instance, "backup", str(backup))
    assert result.exit_code == 0, result.output
    assert member_names(backup) == {archive.MANIFEST, archive.DUMP}
    restored = run(empty_instance, "restore", str(backup), "--with-keys", input=PASSPHRASE)
    assert restored.exit_code == 1
    assert "tidak berisi kunci" in restored.output


def test_a_short_passphrase_is_refused_and_no_backup_is_written(source_instance, tmp_path):
    backup = tmp_path / "pakta.backup"
    result = run(source_instance, "backup", str(backup), "--with-keys", input="pendek\n")
    assert result.exit_code == 1
    assert "sedikitnya 12 karakter" in result.output
    assert not backup.exists()


def test_restore_messages_are_in_indonesian_by_default(empty_instance, tmp_path):
    stray = tmp_path / "catatan.txt"
    stray.write_text("bukan cadangan")
    result = run(empty_instance, "restore", str(stray))
    assert result.exit_code == 1
    assert "bukan cadangan Pakta" in result.output

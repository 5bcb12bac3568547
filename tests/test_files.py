import errno
import os
import stat
import zipfile

import pytest

from pakta.files import atomic_writer, write_atomic


def disk_full(*_args, **_kwargs):
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def test_write_atomic_writes_the_whole_file_with_the_mode_asked(tmp_path):
    target = tmp_path / "secret.pem"

    write_atomic(target, b"key material", mode=0o600)

    assert target.read_bytes() == b"key material"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert os.listdir(tmp_path) == ["secret.pem"]


def test_text_is_written_as_utf_8(tmp_path):
    write_atomic(tmp_path / "note.txt", "Pemerintah Kota — Sukabumi")

    assert (tmp_path / "note.txt").read_text(encoding="utf-8") == "Pemerintah Kota — Sukabumi"


@pytest.mark.parametrize("failing", ["fsync", "replace"])
def test_a_full_disk_leaves_the_old_file_unchanged_and_no_temporary_file(
    tmp_path, monkeypatch, failing
):
    target = tmp_path / "links.csv"
    target.write_bytes(b"the previous export")
    monkeypatch.setattr(os, failing, disk_full)

    with pytest.raises(OSError) as raised:
        write_atomic(target, b"a new export that does not fit")

    assert raised.value.errno == errno.ENOSPC
    assert target.read_bytes() == b"the previous export"
    assert os.listdir(tmp_path) == ["links.csv"]


def test_a_streaming_writer_that_fails_midway_leaves_no_file(tmp_path):
    target = tmp_path / "certificates.zip"

    with pytest.raises(OSError), atomic_writer(target) as handle:
        with zipfile.ZipFile(handle, "w") as archive:
            archive.writestr("DINKES/1.pdf", b"%PDF-1.7 ...")
        disk_full()

    assert os.listdir(tmp_path) == []


def test_a_streaming_writer_shows_its_file_only_once_complete(tmp_path):
    target = tmp_path / "certificates.zip"

    with atomic_writer(target) as handle:
        with zipfile.ZipFile(handle, "w") as archive:
            archive.writestr("DINKES/1.pdf", b"%PDF-1.7 ...")
        assert not target.exists()

    with zipfile.ZipFile(target) as archive:
        assert archive.read("DINKES/1.pdf") == b"%PDF-1.7 ..."


def test_an_exclusive_write_never_replaces_an_existing_file(tmp_path):
    target = tmp_path / "ed25519-abcd1234.pem"
    target.write_bytes(b"the active key")

    with pytest.raises(FileExistsError):
        write_atomic(target, b"another key", exclusive=True)

    assert target.read_bytes() == b"the active key"
    assert os.listdir(tmp_path) == ["ed25519-abcd1234.pem"]

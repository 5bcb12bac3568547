"""The backup file: one tar holding a manifest, the database dump and, when asked, the keys.

Members are read by their fixed names into memory or a temporary file, never extracted by
the names a file carries, so a crafted backup cannot write anywhere.
"""

import io
import json
import tarfile
from dataclasses import asdict, dataclass
from pathlib import Path

from pakta.files import atomic_writer
from pakta.i18n import _l
from pakta.services.backups.errors import BackupError

FORMAT = 1
MANIFEST = "manifest.json"
DUMP = "database.dump"
KEYS = "keys.sealed"


@dataclass(frozen=True)
class Manifest:
    format: int
    revision: str  # the database's Alembic revision when it was dumped
    database: str  # "sqlite" or "postgresql": how the dump is restored
    created_at: str  # ISO 8601, UTC
    keys: bool  # whether the instance's keys are in it, encrypted


def _add(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = 0o600
    archive.addfile(info, io.BytesIO(data))


def write(target: Path, manifest: Manifest, dump: Path, sealed_keys: bytes | None) -> None:
    """Writes the backup to a temporary file beside ``target`` and renames it, so ``target``
    is either the previous file or the whole new backup, never a part of one."""
    target.parent.mkdir(parents=True, exist_ok=True)
    # Owner only: the dump holds every signer's personal data.
    with (
        atomic_writer(target, mode=0o600) as handle,
        tarfile.open(fileobj=handle, mode="w:gz") as archive,
    ):
        _add(archive, MANIFEST, json.dumps(asdict(manifest), indent=2).encode())
        archive.add(dump, arcname=DUMP)
        if sealed_keys is not None:
            _add(archive, KEYS, sealed_keys)


def _not_a_backup(source: Path) -> BackupError:
    return BackupError(str(_l("{file} is not a Pakta backup.")).format(file=source))


def _member(archive: tarfile.TarFile, name: str, source: Path):
    try:
        handle = archive.extractfile(name)
    except KeyError:
        handle = None
    if handle is None:
        raise _not_a_backup(source)
    return handle


def read_manifest(source: Path) -> Manifest:
    try:
        with tarfile.open(source, mode="r:gz") as archive:
            fields = json.loads(_member(archive, MANIFEST, source).read())
    except (OSError, tarfile.TarError, ValueError) as error:
        raise _not_a_backup(source) from error
    if not isinstance(fields, dict) or fields.get("format") != FORMAT:
        raise BackupError(
            str(_l("{file} is in a backup format this version of Pakta does not know.")).format(
                file=source
            )
        )
    try:
        return Manifest(**fields)
    except TypeError as error:
        raise _not_a_backup(source) from error


def read_keys(source: Path) -> bytes:
    with tarfile.open(source, mode="r:gz") as archive:
        return _member(archive, KEYS, source).read()


def extract_dump(source: Path, folder: Path) -> Path:
    """Copies the dump into ``folder`` (a temporary one) and returns its path."""
    path = folder / DUMP
    with tarfile.open(source, mode="r:gz") as archive, path.open("wb") as out:
        handle = _member(archive, DUMP, source)
        while chunk := handle.read(1 << 20):
            out.write(chunk)
    return path

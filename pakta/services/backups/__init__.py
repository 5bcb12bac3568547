"""Backing up and restoring a Pakta instance: its database and, when asked, its keys.

``create`` writes one file (see ``archive``); ``restore`` checks everything it can before it
changes anything: the format, the schema revision, the passphrase, the target being empty.
"""

import tempfile
from datetime import UTC, datetime
from pathlib import Path

from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import Engine, func, inspect, select, table

from pakta import migrate
from pakta.i18n import _l
from pakta.keys.certificate import key_dir
from pakta.services.backups import archive, dumps, sealed_keys
from pakta.services.backups.archive import Manifest
from pakta.services.backups.errors import BackupError

__all__ = ["BackupError", "Manifest", "create", "restore", "revision_of"]


def revision_of(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def create(
    engine: Engine, instance_path: str, target: Path, passphrase: str | None = None
) -> Manifest:
    """Writes a backup of the database to ``target``; with a passphrase, the instance's keys
    too, encrypted with it."""
    revision = revision_of(engine)
    if revision is None:
        raise BackupError(_l("The database has no tables yet: there is nothing to back up."))
    sealed = None
    if passphrase is not None:
        files = sealed_keys.read_folder(key_dir(instance_path))
        if not files:
            raise BackupError(_l("There are no keys in this instance to back up."))
        sealed = sealed_keys.seal(files, passphrase)
    manifest = Manifest(
        format=archive.FORMAT,
        revision=revision,
        database=engine.dialect.name,
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        keys=sealed is not None,
    )
    with tempfile.TemporaryDirectory() as folder:
        dump = Path(folder) / archive.DUMP
        dumps.dump(engine, dump)
        archive.write(target, manifest, dump, sealed)
    return manifest


def _check_revision(engine: Engine, manifest: Manifest) -> None:
    """Refuses a dump whose schema this code does not know: a newer Pakta made it."""
    scripts = ScriptDirectory.from_config(migrate.alembic_config(engine))
    try:
        known = scripts.get_revision(manifest.revision) is not None
    except CommandError:
        known = False
    if not known:
        raise BackupError(
            str(
                _l(
                    "The backup's database is at schema revision {revision}, newer than this "
                    "version of Pakta knows (up to {head}): upgrade Pakta first."
                )
            ).format(revision=manifest.revision, head=", ".join(scripts.get_heads()))
        )


def _holds_data(engine: Engine) -> bool:
    names = [name for name in inspect(engine).get_table_names() if name != "alembic_version"]
    with engine.connect() as connection:
        return any(
            connection.scalar(select(func.count()).select_from(table(name))) for name in names
        )


def restore(
    engine: Engine,
    instance_path: str,
    source: Path,
    *,
    passphrase: str | None = None,
    force: bool = False,
) -> Manifest:
    """Replaces the database with the backup's, migrated up to this code's head; with a
    passphrase, restores the keys too. Nothing changes when any check fails."""
    manifest = archive.read_manifest(source)
    if manifest.database != engine.dialect.name:
        raise BackupError(
            str(_l("The backup is of a {kind} database; this instance uses {ours}.")).format(
                kind=manifest.database, ours=engine.dialect.name
            )
        )
    _check_revision(engine, manifest)
    files = None
    if passphrase is not None:
        if not manifest.keys:
            raise BackupError(_l("The backup holds no keys: it was made without --with-keys."))
        files = sealed_keys.open_sealed(archive.read_keys(source), passphrase)
    if not force and _holds_data(engine):
        raise BackupError(
            _l("The database already holds data: restore with --force to replace it.")
        )
    with tempfile.TemporaryDirectory() as folder:
        dumps.restore(engine, archive.extract_dump(source, Path(folder)))
    migrate.upgrade(engine)
    if files is not None:
        sealed_keys.write_folder(key_dir(instance_path), files)
    return manifest

import io
import json
import tarfile
from pathlib import Path

import pytest

from pakta.db import database
from pakta.services.backups import archive, dumps


@pytest.fixture(autouse=True)
def postgres_tools(app):
    """On PostgreSQL, backups need pg_dump and pg_restore of the server's major version."""
    engine = database(app).engine
    if engine.dialect.name == "postgresql":
        for tool in ("pg_dump", "pg_restore"):
            if dumps.postgres_tool(engine, tool) is None:
                pytest.skip(f"{tool} is not installed (Debian: apt-get install postgresql-client)")


def rewrite_manifest(path: Path, **changes) -> None:
    """Changes fields of a backup's manifest in place, keeping every other member."""
    with tarfile.open(path, mode="r:gz") as source:
        members = [(info, source.extractfile(info).read()) for info in source.getmembers()]
    with tarfile.open(path, mode="w:gz") as target:
        for info, data in members:
            if info.name == archive.MANIFEST:
                data = json.dumps(json.loads(data) | changes).encode()
                info.size = len(data)
            target.addfile(info, io.BytesIO(data))


def member_names(path: Path) -> set[str]:
    with tarfile.open(path, mode="r:gz") as backup:
        return set(backup.getnames())

"""Reading and editing backup files in tests."""

import io
import json
import tarfile
from pathlib import Path

from pakta.services.backups import archive


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

"""Files written whole or not at all.

A PDF, an export or a key is written to a temporary file beside its target, flushed to the
disk and renamed over the target only once complete: a full disk or a crash midway leaves
the target as it was (absent, or the previous version) and no temporary file behind, never
a truncated file that looks like a real one.
"""

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO


@contextmanager
def atomic_writer(
    path: str | os.PathLike, *, mode: int = 0o644, exclusive: bool = False
) -> Iterator[BinaryIO]:
    """A binary file to write ``path`` through, for streaming writers such as ``ZipFile``.

    ``path`` appears, with permissions ``mode``, when the block ends without an error.
    With ``exclusive`` an existing ``path`` is never replaced: ``FileExistsError`` instead.
    """
    target = Path(path)
    descriptor, temporary = tempfile.mkstemp(
        dir=target.parent, prefix=f".{target.name}.", suffix=".partial"
    )
    try:
        with os.fdopen(descriptor, "wb") as handle:
            # mkstemp makes the file 0600; set the target's mode before any byte is in it.
            os.chmod(handle.fileno(), mode)
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        if exclusive:
            # A hard link fails when the target exists, where a rename would replace it.
            os.link(temporary, target)
            os.unlink(temporary)
        else:
            os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    _sync_folder(target.parent)


def write_atomic(
    path: str | os.PathLike, data: bytes | str, *, mode: int = 0o644, exclusive: bool = False
) -> None:
    """Write ``data`` (text is written as UTF-8) to ``path`` whole, as ``atomic_writer``."""
    with atomic_writer(path, mode=mode, exclusive=exclusive) as handle:
        handle.write(data.encode() if isinstance(data, str) else data)


def _sync_folder(folder: Path) -> None:
    """Make the rename itself survive a power cut (the folder's entry is data too)."""
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)

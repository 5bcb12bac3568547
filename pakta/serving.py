"""What a long-running server process does once its app is built."""

import gc


def freeze_startup_objects() -> None:
    """Take everything built so far (the app, its models, templates, catalogs, libraries)
    out of the garbage collector's sight, with ``gc.freeze``.

    Those objects live as long as the process, yet each full collection walked all of
    them again: hundreds of thousands of objects, so that in a gunicorn worker the
    collector's passes cost about a third of a signature's CPU (bench/apel/inprocess.py,
    docs/capacity.md). Garbage made so far is collected first, so none of it is kept.
    """
    gc.collect()
    gc.freeze()

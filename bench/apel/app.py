"""The real app as the apel bench serves it: ``bench.apel.app:create_bench_app()``.

Nothing is changed for the load test: ``create_app`` with its configuration from the
``PAKTA_*`` environment the bench sets as production runs (``PAKTA_ENV=production``, rate
limits on and kept in ``PAKTA_REDIS_URL``, certificates queued on the same Redis). The only
addition is ``BENCH_INSTANCE_PATH``, the temporary instance folder holding the bench's keys.
"""

import os

from flask import Flask
from flask.cli import FlaskGroup

from pakta import create_app
from pakta.serving import freeze_startup_objects


def create_bench_app() -> Flask:
    """The app as ``wsgi.py`` serves it, with the bench's instance folder."""
    overrides = {}
    if os.environ.get("BENCH_INSTANCE_PATH"):
        overrides["INSTANCE_PATH"] = os.environ["BENCH_INSTANCE_PATH"]
    app = create_app(overrides)
    freeze_startup_objects()
    return app


if __name__ == "__main__":
    # `python -m bench.apel.app worker --burst`: the `pakta` command bound to this app (same
    # settings and instance folder as the gunicorn workers); the bench renders the queue so.
    FlaskGroup(create_app=create_bench_app)(prog_name="python -m bench.apel.app")

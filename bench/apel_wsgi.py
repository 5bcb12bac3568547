"""The app as ``bench/apel.py`` serves it under gunicorn: ``bench.apel_wsgi:app``.

The real app (``create_app``: configuration from the ``PAKTA_*`` environment), with two
changes a load test needs and production must not have:

* rate limits off (``RATELIMIT_ENABLED``: every virtual signer comes from 127.0.0.1, and
  ``/s/<token>`` allows 600 requests a minute per address);
* a bare baseline route, ``POST /_bench/insert``: one row into ``bench_insert`` (a table the
  bench creates) through the app's own engine and pool, committed; no ORM session, no
  template, no CSRF. It runs in the same workers against the same database as the signing
  pages, so the ratio of the two throughputs leaves out the machine, the server and the
  database, and measures what the signing path costs on top of a write.

``BENCH_INSTANCE_PATH`` (optional) points the app's instance folder somewhere temporary.
"""

import os

from flask import Response
from sqlalchemy import text

from pakta import create_app
from pakta.db import database
from pakta.security import csrf

_overrides: dict = {"RATELIMIT_ENABLED": False}
if os.environ.get("BENCH_INSTANCE_PATH"):
    _overrides["INSTANCE_PATH"] = os.environ["BENCH_INSTANCE_PATH"]

app = create_app(_overrides)

_INSERT = text("INSERT INTO bench_insert (payload) VALUES (:payload)")


@csrf.exempt
def bench_insert() -> Response:
    with database(app).engine.begin() as connection:
        connection.execute(_INSERT, {"payload": "apel"})
    return Response("ok\n", mimetype="text/plain")


app.add_url_rule("/_bench/insert", "bench_insert", bench_insert, methods=["POST"])


if __name__ == "__main__":
    # `python bench/apel_wsgi.py worker [--no-fork]`: `pakta worker` for this app (same settings and
    # instance folder as the gunicorn workers), used by `bench/apel.py --certificates redis`.
    import sys

    from pakta import jobs

    if sys.argv[1:2] != ["worker"] or sys.argv[2:] not in ([], ["--no-fork"]):
        sys.exit("usage: apel_wsgi.py worker [--no-fork]")
    jobs.work(app, fork=sys.argv[2:] != ["--no-fork"], logging_level="WARNING")

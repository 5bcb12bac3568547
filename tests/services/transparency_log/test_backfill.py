"""Records that predate the log are logged once by the backfill, and then verify."""

from pakta.db import get_session
from pakta.models import LogName
from pakta.services.transparency_log import integrity
from pakta.services.transparency_log.backfill import backfill
from pakta.services.transparency_log.merkle import EMPTY_ROOT
from tests.conftest import tamper
from tests.services.transparency_log.test_entries import entries


def test_the_backfill_logs_what_predates_the_log_once_and_it_then_verifies(own_app, history):
    # As a database upgraded to 0010 looks: records, and no log.
    tamper(
        own_app,
        "DELETE FROM log_entry",
        "UPDATE log_head SET size = 0, frontier = :empty, root_hash = :root",
        empty=b"",
        root=EMPTY_ROOT.hex(),
    )
    with own_app.app_context():
        db = get_session()
        assert not integrity.verify(db, LogName.SIGNING).ok
        done = backfill(db)
        db.commit()
        assert (done.signatures, done.revocations) == (5, 3) and done.audit_events >= 1
        assert integrity.verify(db, LogName.SIGNING).ok
        assert integrity.verify(db, LogName.AUDIT).ok
        types = [entry.event_type for entry in entries(db)]
        assert types.count("resignature") == 1 and types.count("signature") == 4
        again = backfill(db)
        assert (again.signatures, again.revocations, again.audit_events) == (0, 0, 0)

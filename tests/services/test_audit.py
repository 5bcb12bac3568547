"""The audit trail: filtered by actor, action and local day, exported as CSV, and chained."""

import csv
import io
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from pakta.models import AuditEvent, LogEntry, LogName
from pakta.services import audit
from pakta.services.transparency_log import events as log_events

WIB = ZoneInfo("Asia/Jakarta")


def add(session, actor, action, when):
    """An event as it was recorded at ``when`` (the trail refuses changes once written)."""
    event = AuditEvent(actor=actor, action=action, target_type="t", target_id="1", occurred_at=when)
    session.add(event)
    return event


def at(day: int, hour: int) -> datetime:
    return datetime(2030, 3, day, hour, 0, tzinfo=WIB)


def test_the_trail_filters_by_actor_action_and_local_days(session):
    early = add(session, "cli:root", "roster.import", at(1, 0))
    late = add(session, "ana@pemda.go.id", "links.export", at(2, 23))
    later = add(session, "ana@pemda.go.id", "links.regenerate", at(3, 9))
    session.flush()

    def found(**wanted):
        shown = audit.events(session, audit.Filter(**wanted), WIB, limit=100)
        return [event for event in shown if event in (early, late, later)]

    assert found(actor="ana@") == [later, late]
    assert found(action="links.") == [later, late]
    assert found(action="links.export") == [late]
    assert found(since=date(2030, 3, 2), until=date(2030, 3, 2)) == [late]
    assert found(since=date(2030, 3, 1), until=date(2030, 3, 1)) == [early]
    assert found(actor="%") == []


def test_the_csv_export_has_one_row_per_event_in_local_time(session):
    add(session, "ana@pemda.go.id", "links.export", at(2, 23))
    session.flush()
    data = audit.trail_csv(session, audit.Filter(actor="ana@pemda.go.id"), WIB)
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == audit.CSV_HEADER
    assert rows[1][:3] == ["2030-03-02T23:00:00+07:00", "ana@pemda.go.id", "links.export"]
    assert len(rows) == 2


def test_every_audit_event_is_chained_into_the_audit_log(session):
    event = audit.record(
        session, actor="cli:root", action="keys.init", target_type="key", target_id=9
    )
    entry = session.query(LogEntry).filter_by(log=LogName.AUDIT, subject=str(event.id)).one()
    assert entry.event_type == log_events.AUDIT
    assert '"action":"keys.init"' in entry.body
    assert session.get(AuditEvent, event.id).occurred_at - event.occurred_at == timedelta(0)

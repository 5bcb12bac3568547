"""Appending to the log: canonical bytes, RFC 6962 leaves, and no gap or fork under load."""

import hashlib
import json
import threading
from datetime import timedelta

from sqlalchemy import select

from pakta.db import begin_write, database, get_session
from pakta.models import Campaign, Employee, LogEntry, LogName, Unit, utcnow
from pakta.services.transparency_log import integrity, merkle
from pakta.services.transparency_log.entries import append, canonical_json, read_head
from tests.conftest import make_campaign, make_employee, sign_for


def entries(session, log=LogName.SIGNING):
    query = select(LogEntry).where(LogEntry.log == log).order_by(LogEntry.seq)
    return list(session.scalars(query))


def test_canonical_json_sorts_keys_drops_spaces_and_keeps_utf8():
    assert canonical_json({"b": 1, "a": "Dinas Pendidikan — Bidang Ā"}) == (
        '{"a":"Dinas Pendidikan — Bidang Ā","b":1}'
    )


def test_each_entry_is_an_rfc6962_leaf_of_its_body_and_the_head_keeps_the_root(session):
    before = read_head(session, LogName.AUDIT)
    start = before.size
    for number in range(5):
        append(session, LogName.AUDIT, "audit", str(number), {"event": number, "é": "ü"})
    log = entries(session, LogName.AUDIT)
    for entry in log[start:]:
        assert entry.body == canonical_json(json.loads(entry.body))
        expected = hashlib.sha256(b"\x00" + entry.body.encode("utf-8")).hexdigest()
        assert entry.leaf_hash == expected
    head = read_head(session, LogName.AUDIT)
    assert [entry.seq for entry in log] == list(range(head.size))
    leaves = [bytes.fromhex(entry.leaf_hash) for entry in log]
    assert head.root_hash == merkle.root(leaves).hex()


def test_a_signature_rolled_back_takes_its_entry_with_it(session, units):
    campaign = make_campaign(session)
    person = make_employee(session, units["DINKES-P2P"])
    size = read_head(session, LogName.SIGNING).size
    savepoint = session.begin_nested()
    sign_for(session, campaign, person)
    assert read_head(session, LogName.SIGNING).size == size + 1
    savepoint.rollback()
    assert read_head(session, LogName.SIGNING).size == size
    assert len(entries(session)) == size


def test_concurrent_signing_leaves_no_gap_no_duplicate_and_no_fork(own_app):
    """Run on PostgreSQL (PAKTA_TEST_DATABASE_URL) as well: there the head's row lock, not
    SQLite's single writer, is what keeps the appends in line."""
    people = 12
    with own_app.app_context():
        db = get_session()
        unit = Unit(code="RACE", name="Unit Race")
        db.add(unit)
        campaign = make_campaign(db, closes_at=utcnow() + timedelta(days=3))
        ids = [
            make_employee(db, unit, identity_number=f"1990010120150110{n:02d}", name=f"P{n}").id
            for n in range(people)
        ]
        db.commit()
        campaign_id = campaign.id
    barrier = threading.Barrier(people)
    errors = []

    def sign_one(employee_id):
        try:
            with own_app.app_context():
                db = database(own_app).sessionmaker()
                barrier.wait(timeout=30)
                begin_write(db)
                sign_for(db, db.get(Campaign, campaign_id), db.get(Employee, employee_id))
                db.commit()
                db.close()
        except Exception as error:  # collected and asserted below
            errors.append(error)

    threads = [threading.Thread(target=sign_one, args=(each,)) for each in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    with own_app.app_context():
        db = get_session()
        log = entries(db)
        assert [entry.seq for entry in log] == list(range(people))
        assert len({entry.subject for entry in log}) == people
        head = read_head(db, LogName.SIGNING)
        assert head.size == people
        assert head.root_hash == merkle.root([bytes.fromhex(e.leaf_hash) for e in log]).hex()
        assert integrity.verify(db, LogName.SIGNING).ok

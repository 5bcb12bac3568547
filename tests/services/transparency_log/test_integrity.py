"""`integrity.verify` catches every kind of tampering done directly in the database."""

import json

import pytest
from sqlalchemy import select

from pakta.db import get_session
from pakta.keys import certificate
from pakta.models import LogEntry, LogName
from pakta.services.transparency_log import checkpoints, integrity
from pakta.services.transparency_log.merkle import leaf_hash
from tests.conftest import tamper


def problems(app, log=LogName.SIGNING, given=()):
    with app.app_context():
        report = integrity.verify(get_session(), log, given)
        return [(problem.kind, problem.seq) for problem in report.problems], report


def test_an_untouched_history_verifies(own_app, history):
    assert problems(own_app)[0] == []
    assert problems(own_app, LogName.AUDIT)[0] == []


def test_the_log_records_each_event_in_order_with_its_kind(own_app, history):
    with own_app.app_context():
        entries = get_session().scalars(
            select(LogEntry).where(LogEntry.log == LogName.SIGNING).order_by(LogEntry.seq)
        )
        kinds = [(entry.seq, entry.event_type, entry.subject) for entry in entries]
    assert kinds == [
        (0, "signature", history["first"]),
        (1, "signature", history["second"]),
        (2, "signature", history["third"]),
        (3, "signature", history["fourth"]),
        (4, "revocation", history["second"]),
        (5, "resignature", history["again"]),
        (6, "revocation", history["third"]),
        (7, "reinstatement", history["third"]),
    ]


def test_an_edited_entry_is_named_by_its_position(own_app, history):
    tamper(own_app, "UPDATE log_entry SET body = replace(body, 'personal', 'kiosk') WHERE seq = 1")
    found, _ = problems(own_app)
    assert found[0] == ("content", 1)


def test_an_entry_edited_and_rehashed_disagrees_with_its_record_and_the_head(own_app, history):
    with own_app.app_context():
        entry = get_session().scalar(select(LogEntry).where(LogEntry.seq == 3))
        body = json.loads(entry.body)
    body["time"] = "2020-01-01T00:00:00.000000+00:00"
    forged = json.dumps(body, sort_keys=True, separators=(",", ":"))
    tamper(
        own_app,
        "UPDATE log_entry SET body = :body, leaf_hash = :leaf WHERE seq = 3 AND log = 'signing'",
        body=forged,
        leaf=leaf_hash(forged.encode()).hex(),
    )
    found, _ = problems(own_app)
    assert ("root", 3) in found and ("changed", 3) in found and ("head", None) in found


def test_a_deleted_entry_is_named_and_its_record_shows_as_unlogged(own_app, history):
    tamper(own_app, "DELETE FROM log_entry WHERE seq = 2 AND log = 'signing'")
    found, _ = problems(own_app)
    assert found[0] == ("missing", 2)
    assert ("unlogged", None) in found


def test_reordered_entries_are_named(own_app, history):
    tamper(
        own_app,
        "UPDATE log_entry SET seq = 100 WHERE seq = 1 AND log = 'signing'",
        "UPDATE log_entry SET seq = 1 WHERE seq = 2 AND log = 'signing'",
        "UPDATE log_entry SET seq = 2 WHERE seq = 100 AND log = 'signing'",
    )
    found, _ = problems(own_app)
    assert found[0] == ("order", 1) and ("order", 2) in found


def test_an_inserted_entry_has_no_record_and_moves_the_head(own_app, history):
    forged = json.dumps(
        {"certificate_number": "PI26-FAKE-FAKE", "log": "signing", "seq": 8, "type": "signature"},
        separators=(",", ":"),
    )
    tamper(
        own_app,
        "INSERT INTO log_entry (log, seq, event_type, subject, body, leaf_hash, root_hash, "
        "created_at) VALUES ('signing', 8, 'signature', 'PI26-FAKE-FAKE', :body, :leaf, :leaf, "
        "CURRENT_TIMESTAMP)",
        body=forged,
        leaf=leaf_hash(forged.encode()).hex(),
    )
    found, _ = problems(own_app)
    assert ("unrecorded", 8) in found and ("head", None) in found


def test_a_consistent_rewrite_is_caught_by_an_earlier_checkpoint(own_app, history):
    with own_app.app_context():
        db = get_session()
        certificate.init(db, own_app.instance_path, None)
        signer = certificate.signer(db, own_app.instance_path, None)
        note = checkpoints.create(db, signer, "https://pakta.test", LogName.SIGNING).note
        db.commit()
        keys = certificate.public_keys(db)
    given = checkpoints.parse(note)
    checkpoints.verify(given, keys)
    # The last entry and the reinstatement it logs both removed, the head rewound to match:
    # the log is consistent with itself and with the records, but not with the checkpoint.
    tamper(
        own_app,
        "DELETE FROM log_entry WHERE seq = 7 AND log = 'signing'",
        "DELETE FROM revocation_event WHERE action = 'reinstate'",
        "UPDATE signature SET revoked_at = CURRENT_TIMESTAMP WHERE certificate_number = :number",
        number=history["third"],
    )
    with own_app.app_context():
        db = get_session()
        rebuilt = integrity.verify(db, LogName.SIGNING).roots
    size = 7
    tamper(
        own_app,
        "UPDATE log_head SET size = :size, root_hash = :root WHERE log = 'signing'",
        size=size,
        root=rebuilt[size].hex(),
    )
    assert problems(own_app)[0] == []
    assert problems(own_app, given=[given])[0] == [("checkpoint", None)]


def test_an_edited_signature_row_is_named(own_app, history):
    tamper(
        own_app,
        "UPDATE signature SET unit_name = 'x', signed_at = signed_at, pact_sha256 = 'ab' "
        "WHERE certificate_number = :number",
        number=history["fourth"],
    )
    found, report = problems(own_app)
    assert found == [("changed", 3)]
    assert history["fourth"] in report.problems[0].message


def test_a_deleted_signature_row_is_named(own_app, history):
    tamper(own_app, "DELETE FROM signature WHERE certificate_number = :n", n=history["fourth"])
    assert problems(own_app)[0] == [("unrecorded", 3)]


def test_a_signature_inserted_behind_the_logs_back_is_named(own_app, history):
    tamper(
        own_app,
        "INSERT INTO signature (public_id, certificate_number, campaign_id, employee_id, "
        "pact_text_id, pact_sha256, acknowledged_points, unit_id, unit_name, signer_name, "
        "signer_position, signed_at, method, ip_address, user_agent, created_at, revoked_at) "
        "SELECT 'forged', 'PI26-FORG-ED00', campaign_id, employee_id, pact_text_id, "
        "pact_sha256, acknowledged_points, unit_id, unit_name, signer_name, signer_position, "
        "signed_at, method, ip_address, user_agent, created_at, CURRENT_TIMESTAMP "
        "FROM signature WHERE certificate_number = :n",
        n=history["first"],
    )
    found, report = problems(own_app)
    assert found == [("unlogged", None)]
    assert "PI26-FORG-ED00" in report.problems[0].message


def test_swapped_certificate_numbers_are_named(own_app, history):
    tamper(
        own_app,
        "UPDATE signature SET certificate_number = 'TMP' WHERE certificate_number = :a",
        "UPDATE signature SET certificate_number = :a WHERE certificate_number = :b",
        "UPDATE signature SET certificate_number = :b WHERE certificate_number = 'TMP'",
        a=history["first"],
        b=history["fourth"],
    )
    assert problems(own_app)[0] == [("changed", 0), ("changed", 3)]


def test_a_signature_voided_behind_the_logs_back_is_named(own_app, history):
    tamper(
        own_app,
        "UPDATE signature SET revoked_at = CURRENT_TIMESTAMP WHERE certificate_number = :n",
        n=history["fourth"],
    )
    assert problems(own_app)[0] == [("state", 3)]


def test_a_reinstatement_undone_behind_the_logs_back_is_named(own_app, history):
    tamper(
        own_app,
        "UPDATE signature SET revoked_at = CURRENT_TIMESTAMP WHERE certificate_number = :n",
        n=history["third"],
    )
    assert problems(own_app)[0] == [("state", 2)]


def test_a_deleted_revocation_event_is_named(own_app, history):
    tamper(own_app, "DELETE FROM revocation_event WHERE action = 'reinstate'")
    assert ("unrecorded", 7) in problems(own_app)[0]


def test_a_deleted_audit_event_is_named(own_app, history):
    tamper(own_app, "DELETE FROM audit_event")
    found, _ = problems(own_app, LogName.AUDIT)
    assert found and all(kind == "unrecorded" for kind, _seq in found)


def test_an_edited_audit_event_is_named(own_app, history):
    tamper(own_app, "UPDATE audit_event SET actor = 'someone else'")
    found, _ = problems(own_app, LogName.AUDIT)
    assert found and all(kind == "changed" for kind, _seq in found)


@pytest.mark.parametrize("table", ["log_entry", "audit_event", "log_checkpoint"])
def test_the_database_refuses_to_change_or_delete_append_only_rows(own_app, history, table):
    from sqlalchemy import text
    from sqlalchemy.exc import DatabaseError

    from pakta.db import database

    with own_app.app_context():
        db = get_session()
        certificate.init(db, own_app.instance_path, None)
        signer = certificate.signer(db, own_app.instance_path, None)
        checkpoints.create(db, signer, "https://pakta.test", LogName.SIGNING)
        db.commit()
    engine = database(own_app).engine
    change = f"UPDATE {table} SET id = id + 1000"
    for statement in (change, f"DELETE FROM {table}"):
        with pytest.raises(DatabaseError, match="append-only"), engine.begin() as connection:
            connection.execute(text(statement))


def test_the_audit_trail_lets_a_purge_blank_an_address_and_nothing_else(own_app, history):
    from sqlalchemy import text
    from sqlalchemy.exc import DatabaseError

    from pakta.db import database

    engine = database(own_app).engine
    with engine.begin() as connection:
        connection.execute(text("UPDATE audit_event SET ip_address = '' WHERE id = 1"))
    for statement in (
        "UPDATE audit_event SET ip_address = '10.0.0.9' WHERE id = 1",
        "UPDATE audit_event SET ip_address = '', actor = 'someone else' WHERE id = 1",
    ):
        with pytest.raises(DatabaseError, match="append-only"), engine.begin() as connection:
            connection.execute(text(statement))


def test_a_purged_address_is_not_tampering_but_a_changed_one_is(own_app, history):
    from sqlalchemy import text

    from pakta.db import database
    from pakta.services import audit

    with own_app.app_context():
        db = get_session()
        event = audit.record(
            db, actor="cli:t", action="t", target_type="t", target_id=1, ip_address="198.51.100.4"
        )
        db.commit()
        event_id = event.id
    with database(own_app).engine.begin() as connection:  # what pakta purge does
        connection.execute(text(f"UPDATE audit_event SET ip_address = '' WHERE id = {event_id}"))
    assert problems(own_app, LogName.AUDIT)[0] == []
    tamper(own_app, f"UPDATE audit_event SET ip_address = '10.1.1.1' WHERE id = {event_id}")
    found, _ = problems(own_app, LogName.AUDIT)
    assert found and all(kind == "changed" for kind, _seq in found)


def test_an_entry_whose_body_is_not_an_object_is_named_not_a_crash(own_app, history):
    tamper(own_app, "UPDATE log_entry SET body = '[1, 2]' WHERE seq = 5 AND log = 'signing'")
    found, _ = problems(own_app)
    assert found[0] == ("content", 5)

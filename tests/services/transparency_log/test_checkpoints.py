"""Signed checkpoints: C2SP signed notes of a log's size and root, made at least hourly."""

import base64
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from pakta import job_recovery
from pakta.keys import certificate
from pakta.models import LogCheckpoint, LogName, utcnow
from pakta.services.transparency_log import checkpoints
from pakta.services.transparency_log.entries import append, read_head


@pytest.fixture
def signer(app, session, signing_key):
    return certificate.signer(session, app.instance_path, app.config["SIGNING_KEY"])


def test_a_checkpoint_is_a_signed_note_of_the_size_and_root_that_verifies(session, signer):
    append(session, LogName.AUDIT, "audit", "1", {"event": 1})
    head = read_head(session, LogName.AUDIT)
    row = checkpoints.create(session, signer, "https://pakta.contoh.go.id", LogName.AUDIT)
    lines = row.note.split("\n")
    assert lines[:3] == [
        "pakta.contoh.go.id/log/audit",
        str(head.size),
        base64.b64encode(bytes.fromhex(head.root_hash)).decode(),
    ]
    assert lines[3].startswith("time ") and lines[4] == ""
    assert lines[5].startswith(f"\u2014 pakta.contoh.go.id/{signer.kid} ")
    parsed = checkpoints.parse(row.note)
    assert (parsed.tree_size, parsed.root_hash.hex(), parsed.kid, parsed.log) == (
        head.size,
        head.root_hash,
        signer.kid,
        "audit",
    )
    checkpoints.verify(parsed, certificate.public_keys(session))


def test_a_changed_checkpoint_or_another_key_does_not_verify(session, signer):
    note = checkpoints.create(session, signer, "https://pakta.test", LogName.SIGNING).note
    keys = certificate.public_keys(session)
    size = note.split("\n")[1]
    forged = note.replace(f"\n{size}\n", f"\n{int(size) + 1}\n", 1)
    with pytest.raises(checkpoints.CheckpointError):
        checkpoints.verify(checkpoints.parse(forged), keys)
    stranger = {signer.kid: Ed25519PrivateKey.generate().public_key()}
    with pytest.raises(checkpoints.CheckpointError):
        checkpoints.verify(checkpoints.parse(note), stranger)
    for text in ("", "hello\n\n", note.replace("\u2014", "-")):
        with pytest.raises(checkpoints.CheckpointError):
            checkpoints.parse(text)


def test_a_checkpoint_is_due_when_entries_arrived_and_the_last_is_an_hour_old(session, signer):
    append(session, LogName.AUDIT, "audit", "1", {"event": 1})
    assert checkpoints.due(session, LogName.AUDIT)
    checkpoints.create(session, signer, "https://pakta.test", LogName.AUDIT)
    later = utcnow() + timedelta(hours=1, seconds=1)
    assert not checkpoints.due(session, LogName.AUDIT, now=later)
    append(session, LogName.AUDIT, "audit", "2", {"event": 2})
    assert not checkpoints.due(session, LogName.AUDIT)
    assert checkpoints.due(session, LogName.AUDIT, now=later)


def test_the_workers_maintenance_signs_the_logs_that_are_due(app, session, signing_key):
    append(session, LogName.AUDIT, "audit", "1", {"event": 1})
    before = session.query(LogCheckpoint).count()
    job_recovery.checkpoint_logs(app, session)
    made = session.query(LogCheckpoint).count() - before
    assert made >= 1
    job_recovery.checkpoint_logs(app, session)
    assert session.query(LogCheckpoint).count() - before == made

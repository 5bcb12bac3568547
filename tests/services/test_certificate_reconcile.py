"""Reconciliation (services.certificates.reconcile and job_recovery.reconcile_certificates):
each valid signature older than a minute without a certificate is asked for again."""

from datetime import timedelta

import pytest

from pakta import jobs
from pakta.db import database
from pakta.job_recovery import reconcile_certificates
from pakta.models import utcnow
from pakta.services.certificates import jobs as certificate_jobs
from pakta.services.certificates import reconcile, revocations
from tests.services.test_certificate_bulk import sign_up


@pytest.fixture
def four(session, signed, units):
    """``signed`` and three more signatures of its campaign, none with a certificate yet."""
    others = sign_up(session, signed.campaign, units["DINKES-P2P"], 3)
    session.commit()
    return [signed, *others]


def test_only_valid_signatures_older_than_the_grace_without_a_certificate_are_missing(
    app, session, four
):
    issued, revoked, *left = four
    assert certificate_jobs.issue_certificate(app, issued.id, database(app).sessionmaker)
    revocations.revoke(session, revoked, reason="sanction", note="", actor="test")
    session.commit()
    later = utcnow() + timedelta(minutes=2)

    assert reconcile.missing(session, now=later) == [signature.id for signature in left]
    assert reconcile.missing(session, now=utcnow()) == []  # too young: their jobs still run
    assert reconcile.missing(session, now=utcnow(), grace=timedelta(0)) == [s.id for s in left]


def test_a_reinstated_signature_counts_as_valid_again(app, session, four):
    revocations.revoke(session, four[0], reason="sanction", note="", actor="test")
    revocations.reinstate(session, four[0], note="", actor="test")
    session.commit()
    assert four[0].id in reconcile.missing(session, now=utcnow() + timedelta(minutes=2))


def test_reconciling_asks_for_all_missing_certificates_at_once_through_the_job_queue(
    app, session, four, monkeypatch
):
    asked = []

    def record(_app, signature_ids):
        asked.append(list(signature_ids))
        return reconcile.Reconciled(missing=len(signature_ids), enqueued=3, waiting=1, failed=0)

    monkeypatch.setattr(jobs, "enqueue_certificates", record)
    result = reconcile_certificates(app, session, now=utcnow() + timedelta(minutes=2))
    assert asked == [[signature.id for signature in four]]
    assert result == reconcile.Reconciled(missing=4, enqueued=3, waiting=1, failed=0)


def test_in_eager_mode_reconciling_issues_the_missing_certificates(app, session, four, monkeypatch):
    monkeypatch.setitem(app.config, "JOBS_EAGER", True)
    later = utcnow() + timedelta(minutes=2)
    result = reconcile_certificates(app, session, now=later)
    assert result == reconcile.Reconciled(missing=4, enqueued=4, waiting=0, failed=0)
    assert reconcile.missing(session, now=later) == []
    again = reconcile_certificates(app, session, now=later)
    assert again == reconcile.Reconciled(missing=0, enqueued=0, waiting=0, failed=0)

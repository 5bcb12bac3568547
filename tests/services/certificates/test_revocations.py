"""A revocation voids the signature: the person counts as not signed and may sign again."""

import threading
from datetime import timedelta

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from pakta.db import begin_write, make_engine
from pakta.models import (
    Campaign,
    Employee,
    EmploymentType,
    PactText,
    RevocationEvent,
    Signature,
    SignatureMethod,
    Unit,
    UnitTally,
    utcnow,
)
from pakta.services import signing, tallies
from pakta.services.certificates import issuing, revocations, verification
from tests.conftest import make_campaign, make_employee

ALL_POINTS = [1, 2, 3, 4]


def sign(session, campaign, employee, method=SignatureMethod.PERSONAL_LINK):
    return signing.sign(
        session,
        campaign=campaign,
        employee=employee,
        method=method,
        evidence=signing.Evidence(signature_png=b"\x89PNG fake", acknowledged_points=ALL_POINTS),
    )


def revoke(session, signature, reason="signed_in_error"):
    return revocations.revoke(session, signature, reason=reason, note="", actor="cli:test")


@pytest.fixture
def employee(session, units):
    return make_employee(session, units["DINKES"])


def test_after_a_revocation_the_person_signs_again_with_a_new_certificate_number(
    session, campaign, employee
):
    first = sign(session, campaign, employee).signature
    revoke(session, first)
    again = sign(session, campaign, employee)
    assert again.created
    assert again.signature.id != first.id
    assert again.signature.certificate_number != first.certificate_number
    assert not first.is_valid and again.signature.is_valid
    assert signing.existing_signature(session, campaign, employee) == again.signature


def test_a_revoked_signature_records_when_it_was_revoked_and_a_reinstated_one_is_valid_again(
    session, campaign, employee
):
    signature = sign(session, campaign, employee).signature
    event = revoke(session, signature)
    assert signature.revoked_at == event.occurred_at
    revocations.reinstate(session, signature, note="", actor="cli:test")
    assert signature.revoked_at is None and signature.is_valid


def test_the_database_refuses_a_second_valid_signature_for_one_person(session, campaign, employee):
    first = sign(session, campaign, employee).signature
    refused = signing.write_signature(
        session,
        campaign=campaign,
        employee=employee,
        method=SignatureMethod.KIOSK,
        evidence=signing.Evidence(acknowledged_points=ALL_POINTS),
    )
    assert refused is None
    assert session.scalars(select(Signature).where(Signature.employee_id == employee.id)).all() == [
        first
    ]
    # The partial unique index itself, whatever the writer.
    copy = {column.key: getattr(first, column.key) for column in Signature.__table__.columns}
    copy.update(id=None, public_id="another", certificate_number="PI26-AAAA-AAAA")
    with pytest.raises(IntegrityError), session.begin_nested():
        session.add(Signature(**copy))
        session.flush()


def test_reinstating_while_a_newer_signature_is_valid_is_refused_naming_it(
    session, campaign, employee
):
    first = sign(session, campaign, employee).signature
    revoke(session, first)
    newer = sign(session, campaign, employee).signature
    with pytest.raises(revocations.NewerSignatureExists) as refused:
        revocations.reinstate(session, first, note="", actor="cli:test")
    assert newer.certificate_number in str(refused.value)
    assert not first.is_valid
    assert len(revocations.history(session, first.id)) == 1


def test_the_old_signature_may_be_reinstated_once_the_newer_one_is_revoked(
    session, campaign, employee
):
    first = sign(session, campaign, employee).signature
    revoke(session, first)
    newer = sign(session, campaign, employee).signature
    revoke(session, newer)
    revocations.reinstate(session, first, note="", actor="cli:test")
    assert signing.existing_signature(session, campaign, employee) == first


def test_valid_signatures_leaves_out_the_revoked_ones(session, campaign, employee, units):
    revoked = sign(session, campaign, employee).signature
    revoke(session, revoked)
    other = sign(session, campaign, make_employee(session, units["DISDIK"], identity_number="2"))
    found = session.scalars(
        revocations.valid_signatures().where(Signature.campaign_id == campaign.id)
    ).all()
    assert found == [other.signature]


def test_a_revoked_person_is_labelled_revoked_with_the_reason_in_indonesian(app):
    with app.test_request_context():
        assert revocations.revoked_label("signed_in_error") == "dicabut: salah tanda tangan"
        assert revocations.revoked_label("sanction") == "dicabut: sanksi"


def test_the_old_certificate_keeps_verifying_as_revoked_after_signing_again(app, session, signed):
    issuer = issuing.Issuer.from_config(app.config, app.instance_path)
    old_token = issuing.issue(session, signed, issuer).token
    event = revoke(session, signed, reason="wrong_identity")
    again = sign(session, signed.campaign, signed.employee).signature
    new_token = issuing.issue(session, again, issuer).token

    old = verification.verify_token(session, old_token)
    assert old.status is verification.Status.REVOKED
    assert old.signature == signed
    assert old.revocation.reason.value == "wrong_identity"
    assert old.revocation.occurred_at == event.occurred_at
    new = verification.verify_token(session, new_token)
    assert new.status is verification.Status.VALID and new.signature == again


# -- concurrency: real commits on separate connections -------------------------------------


@pytest.fixture
def revoked_signer(app, database_url):
    """A person whose signature was revoked, committed for real and removed afterwards."""
    engine = make_engine(database_url)
    with Session(engine) as setup, app.app_context():
        unit = Unit(code="REVOKE-RACE", name="Unit Cabut")
        person = Employee(
            identity_number="199101012015011001",
            name="Cabut",
            employment_type=EmploymentType.PNS,
            unit=unit,
        )
        campaign = make_campaign(
            setup, slug="revoke-race", title="Race", closes_at=utcnow() + timedelta(days=1)
        )
        setup.add_all([unit, person])
        setup.flush()
        first = sign(setup, campaign, person).signature
        setup.commit()
        revoke(setup, first)
        setup.commit()
        ids = (campaign.id, person.id, unit.id, first.id)
    yield engine, ids
    with Session(engine) as cleanup:
        signatures = select(Signature.id).where(Signature.campaign_id == ids[0])
        cleanup.execute(delete(RevocationEvent).where(RevocationEvent.signature_id.in_(signatures)))
        cleanup.execute(delete(Signature).where(Signature.campaign_id == ids[0]))
        cleanup.execute(delete(PactText).where(PactText.campaign_id == ids[0]))
        cleanup.execute(delete(UnitTally).where(UnitTally.campaign_id == ids[0]))
        cleanup.execute(delete(Campaign).where(Campaign.id == ids[0]))
        cleanup.execute(delete(Employee).where(Employee.id == ids[1]))
        cleanup.execute(delete(Unit).where(Unit.id == ids[2]))
        cleanup.commit()
    engine.dispose()


def run_together(*jobs):
    """Run each job in its own thread and session, all starting at once; their errors."""
    barrier = threading.Barrier(len(jobs))
    errors = []

    def run(job, engine, app):
        try:
            with Session(engine) as db, app.app_context():
                barrier.wait(timeout=10)
                begin_write(db)
                job(db)
                db.commit()
        except Exception as error:  # collected and asserted by the caller
            errors.append(error)

    threads = [threading.Thread(target=run, args=job) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return errors


def valid_count(engine, campaign_id):
    with Session(engine) as db:
        return db.scalar(
            select(func.count())
            .select_from(Signature)
            .where(Signature.campaign_id == campaign_id, Signature.is_valid)
        )


def test_concurrent_submissions_after_a_revocation_store_exactly_one_valid_signature(
    app, revoked_signer
):
    engine, (campaign_id, employee_id, unit_id, _first) = revoked_signer
    numbers = []

    def submit(db):
        outcome = sign(db, db.get(Campaign, campaign_id), db.get(Employee, employee_id))
        numbers.append(outcome.signature.certificate_number)

    errors = run_together(*[(submit, engine, app)] * 8)
    assert errors == []
    assert len(numbers) == 8 and len(set(numbers)) == 1
    assert valid_count(engine, campaign_id) == 1
    with Session(engine) as db:
        assert tallies.read(db, campaign_id, {unit_id}) == {(unit_id, "PNS"): (1, 1, 1)}
        assert tallies.differences(db, campaign_id) == {}


def test_a_reinstatement_racing_new_submissions_leaves_exactly_one_valid_signature(
    app, revoked_signer
):
    engine, (campaign_id, employee_id, unit_id, first_id) = revoked_signer
    refused = []

    def submit(db):
        sign(db, db.get(Campaign, campaign_id), db.get(Employee, employee_id))

    def reinstate(db):
        try:
            revocations.reinstate(db, db.get(Signature, first_id), note="", actor="cli:test")
        except revocations.NewerSignatureExists:
            refused.append(True)

    errors = run_together((submit, engine, app), (reinstate, engine, app), (submit, engine, app))
    assert errors == []
    assert valid_count(engine, campaign_id) == 1
    with Session(engine) as db:
        reinstated = db.get(Signature, first_id).is_valid
        assert reinstated != bool(refused)
        assert tallies.differences(db, campaign_id) == {}


def test_admins_revoking_one_signature_at_once_record_one_revocation(app, revoked_signer):
    engine, (campaign_id, employee_id, unit_id, _first) = revoked_signer
    with Session(engine) as db, app.app_context():
        current = sign(db, db.get(Campaign, campaign_id), db.get(Employee, employee_id))
        db.commit()
        current_id = current.signature.id
    refused = []

    def revoke_it(db):
        try:
            revoke(db, db.get(Signature, current_id))
        except revocations.RevocationError:
            refused.append(True)

    errors = run_together(*[(revoke_it, engine, app)] * 6)
    assert errors == [] and len(refused) == 5
    with Session(engine) as db:
        assert len(revocations.history(db, current_id)) == 1
        assert tallies.read(db, campaign_id, {unit_id}) == {(unit_id, "PNS"): (1, 0, 0)}
        assert tallies.differences(db, campaign_id) == {}

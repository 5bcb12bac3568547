import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from pakta.db import begin_write, make_engine
from pakta.models import (
    Campaign,
    Employee,
    EmploymentType,
    PactText,
    Signature,
    SignatureMethod,
    Unit,
)
from pakta.services import signing
from tests.conftest import make_campaign, make_employee

NOW = datetime(2024, 7, 29, 2, 0, tzinfo=UTC)  # 09:00 WIB, just after the apel
ALL_POINTS = [1, 2, 3, 4]


@pytest.fixture
def campaign(session):
    return make_campaign(
        session, opens_at=NOW - timedelta(days=1), closes_at=NOW + timedelta(days=30)
    )


@pytest.fixture
def employee(session, units):
    return make_employee(
        session, units["DINKES"], name="Dra. Hj. Siti Aminah, M.Pd.", position="Kepala Bidang"
    )


def drawn(**overrides):
    values = dict(signature_png=b"\x89PNG fake", acknowledged_points=ALL_POINTS)
    values.update(overrides)
    return signing.Evidence(**values)


def sign(session, campaign, employee, evidence=None, now=NOW, method=SignatureMethod.KIOSK):
    return signing.sign(
        session,
        campaign=campaign,
        employee=employee,
        method=method,
        evidence=evidence or drawn(),
        now=now,
    )


def test_a_signature_keeps_the_unit_name_and_text_as_they_were_when_signed(
    session, campaign, employee, units
):
    outcome = sign(session, campaign, employee)
    assert outcome.created
    signature = outcome.signature
    assert signature.unit_name == "Dinas Kesehatan"
    assert signature.signer_name == employee.name
    assert signature.signer_position == "Kepala Bidang"
    assert signature.pact_sha256 == campaign.pact.sha256
    assert signature.pact_text_id == campaign.pact.id
    assert signature.acknowledged_points == ALL_POINTS
    employee.unit = units["DISDIK"]
    employee.name = "Siti Aminah"
    session.flush()
    session.refresh(signature)
    assert signature.unit_name == "Dinas Kesehatan"
    assert signature.unit_id == units["DINKES"].id


def test_a_second_attempt_hands_back_the_first_signature(session, campaign, employee):
    first = sign(session, campaign, employee)
    second = sign(session, campaign, employee)
    assert not second.created
    assert second.signature.id == first.signature.id
    assert session.scalar(select(func.count()).select_from(Signature)) == 1


def test_the_certificate_number_is_readable_and_unambiguous(session, campaign, employee):
    number = sign(session, campaign, employee).signature.certificate_number
    assert number.startswith("PI24-")
    assert len(number) == len("PI24-XXXX-XXXX")
    assert not set(number[5:].replace("-", "")) & set("ILOU")


@pytest.mark.parametrize(
    ("now", "not_yet"),
    [(NOW - timedelta(days=2), True), (NOW + timedelta(days=31), False)],
)
def test_signing_is_refused_outside_the_campaign_window_saying_when(
    session, campaign, employee, now, not_yet
):
    with pytest.raises(signing.CampaignNotOpen) as refused:
        sign(session, campaign, employee, now=now)
    assert refused.value.not_yet is not_yet
    assert refused.value.when == (campaign.opens_at if not_yet else campaign.closes_at)
    assert session.scalar(select(Signature)) is None


def test_an_inactive_employee_cannot_sign(session, campaign, employee):
    employee.active = False
    with pytest.raises(signing.NotEligible):
        sign(session, campaign, employee)


@pytest.mark.parametrize("points", [[], [1, 2, 3], [1, 2, 3, 5], [0, 1, 2, 3]])
def test_every_point_must_be_acknowledged(session, campaign, employee, points):
    with pytest.raises(signing.IncompleteSubmission):
        sign(session, campaign, employee, drawn(acknowledged_points=points))


def test_a_signature_needs_a_drawing_or_a_typed_name(session, campaign, employee):
    with pytest.raises(signing.IncompleteSubmission):
        sign(session, campaign, employee, drawn(signature_png=None))


@pytest.mark.parametrize(
    "typed",
    [
        "Dra. Hj. Siti Aminah, M.Pd.",
        "dra hj siti aminah",
        "  DRA. HJ.  SITI AMINAH, M.PD. ",
        "Siti Aminah",
        "siti aminah, m.pd.",
    ],
)
def test_without_javascript_the_full_name_typed_with_or_without_its_titles_signs(
    session, campaign, employee, typed
):
    outcome = sign(session, campaign, employee, drawn(signature_png=None, typed_name=typed))
    assert outcome.created and outcome.signature.typed_name == typed


@pytest.mark.parametrize("typed", ["Siti", "Siti Aminah Putri", "Budi", "Dra. Hj."])
def test_a_typed_name_that_differs_from_the_roster_is_refused(session, campaign, employee, typed):
    with pytest.raises(signing.IncompleteSubmission):
        sign(session, campaign, employee, drawn(signature_png=None, typed_name=typed))


def test_the_kiosk_records_its_operator_as_witness(session, campaign, employee, operator_user):
    outcome = sign(session, campaign, employee, drawn(witness_user_id=operator_user.id))
    assert outcome.signature.witness_user_id == operator_user.id
    assert outcome.signature.method == SignatureMethod.KIOSK


# -- concurrency: real commits on separate connections -------------------------


@pytest.fixture
def committed_signer(app, database_url):
    """A unit, an employee and a campaign committed for real, removed afterwards."""
    engine = make_engine(database_url)
    with Session(engine) as setup, app.app_context():
        unit = Unit(code="RACE", name="Unit Balapan")
        person = Employee(
            identity_number="199001012015011001",
            name="Race",
            employment_type=EmploymentType.PNS,
            unit=unit,
        )
        campaign = make_campaign(
            setup,
            slug="race-2024",
            title="Race",
            opens_at=NOW - timedelta(days=1),
            closes_at=NOW + timedelta(days=1),
        )
        setup.add_all([unit, person])
        setup.commit()
        ids = (campaign.id, person.id)
    yield engine, ids
    with Session(engine) as cleanup:
        cleanup.execute(delete(Signature).where(Signature.campaign_id == ids[0]))
        cleanup.execute(delete(PactText).where(PactText.campaign_id == ids[0]))
        cleanup.execute(delete(Campaign).where(Campaign.id == ids[0]))
        cleanup.execute(delete(Employee).where(Employee.id == ids[1]))
        cleanup.execute(delete(Unit).where(Unit.code == "RACE"))
        cleanup.commit()
    engine.dispose()


def test_concurrent_submissions_for_one_employee_store_exactly_one_signature(app, committed_signer):
    engine, (campaign_id, employee_id) = committed_signer
    attempts = 8
    barrier = threading.Barrier(attempts)
    numbers, errors = [], []

    def submit():
        try:
            with Session(engine) as db, app.app_context():
                barrier.wait(timeout=10)
                begin_write(db)
                campaign = db.get(Campaign, campaign_id)
                employee = db.get(Employee, employee_id)
                outcome = sign(db, campaign, employee)
                db.commit()
                numbers.append(outcome.signature.certificate_number)
        except Exception as error:  # collected and asserted below
            errors.append(error)

    threads = [threading.Thread(target=submit) for _ in range(attempts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert len(numbers) == attempts and len(set(numbers)) == 1
    with Session(engine) as db:
        stored = db.scalar(
            select(func.count()).select_from(Signature).where(Signature.campaign_id == campaign_id)
        )
    assert stored == 1


def test_a_retried_submission_with_the_same_id_returns_the_first_signature(
    session, campaign, employee
):
    first = sign(session, campaign, employee, drawn(client_submission_id="retry-abcdefghijkl"))
    again = sign(session, campaign, employee, drawn(client_submission_id="retry-abcdefghijkl"))
    assert first.created and not again.created
    assert again.signature.id == first.signature.id
    assert first.signature.client_submission_id == "retry-abcdefghijkl"


def test_a_submission_id_cannot_sign_for_someone_else(session, campaign, employee, units):
    sign(session, campaign, employee, drawn(client_submission_id="shared-abcdefghijkl"))
    other = Employee(
        identity_number="199001012015011001",
        name="Lain",
        employment_type=EmploymentType.PNS,
        unit=units["DISDIK"],
    )
    session.add(other)
    session.flush()
    with pytest.raises(signing.IncompleteSubmission):
        sign(session, campaign, other, drawn(client_submission_id="shared-abcdefghijkl"))


def test_a_caller_that_looked_up_and_lost_the_race_is_handed_the_signature_that_won(
    session, campaign, employee
):
    # The view looked for a signature and found none; meanwhile another tab signed.
    first = sign(session, campaign, employee)
    late = signing.sign(
        session,
        campaign=campaign,
        employee=employee,
        method=SignatureMethod.PERSONAL_LINK,
        evidence=drawn(client_submission_id="late-abcdefghijklmn"),
        now=NOW,
        looked_up=True,
    )
    assert not late.created
    assert late.signature.id == first.signature.id
    assert session.scalar(select(func.count()).select_from(Signature)) == 1


def test_a_submission_id_that_signed_another_campaign_does_not_count_for_this_one(
    session, campaign, employee
):
    other = make_campaign(
        session,
        slug="pilkada-2025",
        title="Pilkada 2025",
        opens_at=NOW - timedelta(days=1),
        closes_at=NOW + timedelta(days=30),
    )
    sign(session, other, employee, drawn(client_submission_id="reused-abcdefghijkl"))
    with pytest.raises(signing.IncompleteSubmission):
        sign(session, campaign, employee, drawn(client_submission_id="reused-abcdefghijkl"))
    assert session.scalar(select(Signature).where(Signature.campaign_id == campaign.id)) is None

import io
from collections import Counter
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from PIL import Image
from sqlalchemy import func, select

from pakta.models import Campaign, Employee, EmploymentType, Signature, SignatureMethod, Unit
from pakta.services import accounts, demo
from pakta.services.identity import check_identity

NOW = datetime(2024, 8, 5, 3, 40, tzinfo=UTC)  # Monday 10:40 WIB
TODAY = date(2024, 8, 5)


@pytest.fixture
def loaded(session):
    logins = demo.load(session, now=NOW)
    return session, logins


def test_the_database_starts_empty_and_is_not_empty_after_loading(session):
    assert demo.database_is_empty(session)
    demo.load(session, now=NOW)
    assert not demo.database_is_empty(session)


def test_about_a_dozen_units_form_one_tree_under_the_pemda(loaded):
    session, _ = loaded
    units = list(session.scalars(select(Unit)))
    assert 10 <= len(units) <= 16
    roots = [unit for unit in units if unit.parent_id is None]
    assert [root.code for root in roots] == ["PEMDA"]
    assert roots[0].name == "Pemerintah Kota Sukamaju"
    by_id = {unit.id: unit for unit in units}
    for unit in units:  # every unit reaches the root without a cycle
        seen, current = set(), unit
        while current.parent_id is not None:
            assert current.id not in seen
            seen.add(current.id)
            current = by_id[current.parent_id]
        assert current.code == "PEMDA"
    codes = {unit.code for unit in units}
    assert {"SETDA", "SETDA-PEM", "BKPSDM", "DISDIK", "DINKES-PKM-CIKOLE"} <= codes


def test_the_roster_has_about_600_employees_of_all_three_types_with_valid_numbers(loaded):
    session, _ = loaded
    employees = list(session.scalars(select(Employee)))
    assert 550 <= len(employees) <= 650
    counts = Counter(employee.employment_type for employee in employees)
    assert set(counts) == set(EmploymentType)
    assert 0.5 <= counts[EmploymentType.PNS] / len(employees) <= 0.7
    for employee in employees:
        check = check_identity(employee.identity_number, employee.employment_type, today=TODAY)
        assert check.ok, (employee.identity_number, str(check.problem))
        assert check.number == employee.identity_number
    assert any(not employee.active for employee in employees)
    with_codes = [employee for employee in employees if employee.verification_code_hash]
    assert 0.2 <= len(with_codes) / len(employees) <= 0.5
    assert all(employee.verification_code_hash.startswith("v1$") for employee in with_codes)


def test_numbers_carry_the_gender_the_name_suggests():
    people = demo.demo_people(2024, today=TODAY)
    for person in people:
        if person.employment_type is not EmploymentType.NON_ASN:
            assert person.identity_number[14] == str(person.gender)
        if person.name.startswith("Hj. "):
            assert person.gender == 2
        if person.name.startswith("H. "):
            assert person.gender == 1
    assert {person.gender for person in people} == {1, 2}
    midwives = [person for person in people if person.position.startswith("Bidan")]
    assert midwives and all(person.gender == 2 for person in midwives)


def test_most_employees_have_an_email_at_their_units_domain_and_many_a_phone():
    people = demo.demo_people(2024, today=TODAY)
    emails = [person.email for person in people if person.email]
    assert len(emails) > len(people) / 2
    assert len(set(emails)) == len(emails)
    assert all(email.endswith(".sukamaju.go.id") for email in emails)
    phones = [person.phone for person in people if person.phone]
    assert len(phones) > len(people) / 3
    assert all(phone.startswith("08") and phone.isdigit() for phone in phones)


def test_between_40_and_70_percent_of_active_employees_have_signed_inside_the_window(loaded):
    session, _ = loaded
    campaign = session.scalar(select(Campaign).where(Campaign.slug == demo.CAMPAIGN_SLUG))
    active = session.scalar(select(func.count()).select_from(Employee).where(Employee.active))
    signatures = list(session.scalars(select(Signature)))
    assert 0.4 <= len(signatures) / active <= 0.7
    assert len({signature.employee_id for signature in signatures}) == len(signatures)
    for signature in signatures:
        assert campaign.opens_at <= signature.signed_at <= NOW
        assert signature.employee.active
        assert signature.acknowledged_points == [1, 2, 3, 4]
        assert signature.pact_sha256 == campaign.pact.sha256
    assert {signature.method for signature in signatures} == set(SignatureMethod)
    kiosk = [s for s in signatures if s.method is SignatureMethod.KIOSK]
    assert all(signature.witness_user_id is not None for signature in kiosk)


def test_signing_is_uneven_across_units_so_rollups_have_something_to_show(loaded):
    session, _ = loaded
    rates = {}
    for unit in session.scalars(select(Unit).where(Unit.parent_id.is_not(None))):
        active = session.scalar(
            select(func.count())
            .select_from(Employee)
            .where(Employee.unit_id == unit.id, Employee.active)
        )
        signed = session.scalar(
            select(func.count()).select_from(Signature).where(Signature.unit_id == unit.id)
        )
        rates[unit.code] = signed / active
    assert max(rates.values()) >= 0.95
    assert min(rates.values()) < 0.2


def test_most_signatures_come_in_the_hours_after_the_morning_apel(loaded):
    session, _ = loaded
    signed = list(session.scalars(select(Signature.signed_at)))
    wib = timedelta(hours=7)
    morning = [t for t in signed if 7.5 <= ((t + wib).hour + (t + wib).minute / 60) < 9.5]
    assert len(morning) / len(signed) > 0.6
    assert len({(t + wib).date() for t in signed}) >= 5


def test_signatures_carry_small_drawn_pngs(loaded):
    session, _ = loaded
    pngs = [png for png in session.scalars(select(Signature.signature_png)) if png]
    assert pngs
    assert len(set(pngs)) <= 16
    for png in set(pngs):
        assert len(png) < 8 * 1024
        image = Image.open(io.BytesIO(png))
        assert (image.format, image.size) == ("PNG", (600, 200))


def test_the_campaign_is_open_now_and_opened_at_seven_wib_six_days_earlier(loaded):
    session, _ = loaded
    campaign = session.scalar(select(Campaign).where(Campaign.slug == demo.CAMPAIGN_SLUG))
    assert campaign.is_open(NOW)
    assert campaign.opens_at == datetime(2024, 7, 30, 0, 0, tzinfo=UTC)  # 07:00 WIB
    assert campaign.official_name == "Dr. H. Ahmad Suryana, M.Si."
    assert campaign.official_title == "Sekretaris Daerah"
    assert len(campaign.pact.points) == 4


@pytest.mark.parametrize(
    ("now", "title", "closes"),
    [
        # Monday 5 August 2024: the vote on Wednesday 11 September, signing until Saturday.
        (NOW, "Pemilihan Wali Kota Sukamaju 2024", datetime(2024, 9, 7, 23, 59)),
        # Monday 7 December 2026: the vote on Wednesday 13 January 2027, signing until Saturday.
        (
            datetime(2026, 12, 7, 2, 0, tzinfo=UTC),
            "Pemilihan Wali Kota Sukamaju 2027",
            datetime(2027, 1, 9, 23, 59),
        ),
    ],
)
def test_the_campaign_is_for_the_election_it_names_and_closes_at_23_59_wib_before_the_vote(
    session, now, title, closes
):
    demo.load(session, now=now)
    campaign = session.scalar(select(Campaign).where(Campaign.slug == demo.CAMPAIGN_SLUG))
    wib = timezone(timedelta(hours=7))
    assert campaign.title == title
    assert campaign.closes_at.astimezone(wib).replace(tzinfo=None) == closes
    assert campaign.opens_at < now < campaign.closes_at
    election = demo.election_day(now.astimezone(wib).date())
    assert election.weekday() == 2 and str(election.year) in campaign.title
    assert campaign.closes_at.astimezone(wib).date() < election
    assert campaign.slug == demo.CAMPAIGN_SLUG and not any(c.isdigit() for c in campaign.slug)


def test_both_demo_logins_authenticate(loaded):
    session, logins = loaded
    assert {login.role for login in logins} == {"admin", "operator"}
    for login in logins:
        assert len(login.password) >= 10
        user = accounts.authenticate(session, login.email, login.password)
        assert user is not None
        assert user.role.value == login.role
    operator = accounts.authenticate(session, logins[1].email, logins[1].password)
    assert operator.unit.code == "DISDIK"


def test_passwords_differ_from_one_load_to_the_next(session):
    first = demo.load(session, now=NOW)
    session.rollback()
    second = demo.load(session, now=NOW)
    assert {login.password for login in first}.isdisjoint(login.password for login in second)


def test_the_roster_is_the_same_for_the_same_seed_and_differs_for_another():
    first = demo.demo_people(2024, today=TODAY)
    assert first == demo.demo_people(2024, today=TODAY)
    other = demo.demo_people(7, today=TODAY)
    assert [p.identity_number for p in first] != [p.identity_number for p in other]


def test_the_loaded_roster_is_the_one_demo_people_describes(loaded):
    session, _ = loaded
    stored = set(session.scalars(select(Employee.identity_number)))
    assert stored == {person.identity_number for person in demo.demo_people(2024, today=TODAY)}


def test_identity_numbers_are_unique_and_valid_for_many_seeds():
    for seed in range(20):
        people = demo.demo_people(seed, today=TODAY)
        numbers = [person.identity_number for person in people]
        assert len(set(numbers)) == len(numbers)
        for person in people:
            assert check_identity(person.identity_number, person.employment_type, today=TODAY).ok


def test_loading_before_the_days_apel_still_puts_no_signature_after_now(session):
    early = datetime(2024, 8, 4, 19, 0, tzinfo=UTC)  # 02:00 WIB on 5 August
    demo.load(session, now=early)
    latest = session.scalar(select(func.max(Signature.signed_at)))
    assert latest <= early
    campaign = session.scalar(select(Campaign))
    assert campaign.opens_at == datetime(2024, 7, 30, 0, 0, tzinfo=UTC)
    assert campaign.is_open(early)


def test_a_demo_signatures_certificate_gets_a_v3_token_that_the_signing_log_agrees_with(
    loaded, signing_key
):
    from pakta.services.certificates import issuing, tokens, verification

    session, _logins = loaded
    last = session.scalar(select(Signature).order_by(Signature.signed_at.desc()).limit(1))
    token = issuing.issue(session, last, issuing.issuer_for_app()).token
    assert tokens.version_of(token) == 3
    decision = verification.verify_token(session, token).decision
    assert decision.outcome == verification.Outcome.VALID
    assert verification.Finding.LOG_MATCHES in decision.passed

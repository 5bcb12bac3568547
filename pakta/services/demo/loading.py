"""Filling an empty database with the demo Pemda: units, people, accounts, signatures."""

import random
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from pakta import keys
from pakta.models import Campaign, Employee, Role, SignatureMethod, Unit, User, utcnow
from pakta.services import accounts
from pakta.services.campaigns import create_campaign
from pakta.services.demo.organisation import _STAFFING, _UNITS, PEMDA_NAME, SEKDA_NAME, WIB
from pakta.services.demo.people import demo_people
from pakta.services.demo.signatures import (
    _MOBILE_AGENTS,
    _SIGNATURE_VARIANTS,
    _TABLET_AGENT,
    DAYS_OPEN,
    _phone_ip,
    _plan_time,
    signature_png,
)
from pakta.services.signing import Evidence, record_signature

CAMPAIGN_SLUG = "pilwalkot-sukamaju"
# The demo's election is always ahead of the day it is loaded: the Wednesday (Indonesia votes
# on a Wednesday, a day off) at least five weeks on. Signing closes at 23.59 WIB on the last
# day of the campaign period, before the three quiet days (masa tenang) and the vote.
ELECTION_AFTER = timedelta(days=35)
QUIET_DAYS = 3
CLOSING_TIME = time(23, 59)
ADMIN_EMAIL = "admin@sukamaju.go.id"
OPERATOR_EMAIL = "operator.disdik@sukamaju.go.id"
OPERATOR_UNIT = "DISDIK"
ALL_POINTS = [1, 2, 3, 4]


@dataclass(frozen=True)
class DemoLogin:
    role: str
    email: str
    password: str


def database_is_empty(session: Session) -> bool:
    """True when there are no units, employees, users or campaigns."""
    return all(
        session.scalar(select(model.id).limit(1)) is None
        for model in (Unit, Employee, User, Campaign)
    )


def _password() -> str:
    return secrets.token_urlsafe(12)


def election_day(today: date) -> date:
    """The demo election's voting day for a demo loaded on ``today``."""
    day = today + ELECTION_AFTER
    return day + timedelta(days=(2 - day.weekday()) % 7)  # Monday is 0, Wednesday 2


def closing_time(election: date) -> datetime:
    """23.59 WIB on the campaign period's last day, in UTC."""
    last_day = election - timedelta(days=QUIET_DAYS + 1)
    return datetime.combine(last_day, CLOSING_TIME, WIB).astimezone(UTC)


def load(session: Session, *, seed: int = 2024, now: datetime | None = None) -> list[DemoLogin]:
    """Fill an empty database with the demo Pemda. Flushes, never commits.

    Needs an application context (verification codes are hashed with the app's key).
    """
    now = (now or utcnow()).astimezone(UTC)
    today = now.astimezone(WIB).date()
    first_day = today - timedelta(days=DAYS_OPEN)
    opens_at = datetime.combine(first_day, time(7, 0), WIB).astimezone(UTC)
    rostered_at = opens_at - timedelta(days=21)

    units: dict[str, Unit] = {}
    for spec in _UNITS:
        units[spec.code] = Unit(
            code=spec.code,
            name=spec.name,
            parent=units[spec.parent_code] if spec.parent_code else None,
            created_at=rostered_at,
        )
    session.add_all(units.values())
    session.flush()

    people = demo_people(seed, today=today)
    session.execute(
        insert(Employee),
        [
            {
                "identity_number": person.identity_number,
                "name": person.name,
                "position": person.position,
                "employment_type": person.employment_type,
                "unit_id": units[person.unit_code].id,
                "email": person.email,
                "phone": person.phone,
                "verification_code_hash": (
                    keys.verification_code_digest(person.verification_code)
                    if person.verification_code
                    else None
                ),
                "active": person.active,
                "created_at": rostered_at,
                "updated_at": rostered_at,
            }
            for person in people
        ],
    )
    by_number = {
        employee.identity_number: employee
        for employee in session.scalars(
            select(Employee).where(Employee.unit_id.in_([unit.id for unit in units.values()]))
        )
    }

    logins = [
        DemoLogin("admin", ADMIN_EMAIL, _password()),
        DemoLogin("operator", OPERATOR_EMAIL, _password()),
    ]
    admin = accounts.create_user(
        session, email=ADMIN_EMAIL, name="Admin Setda", role=Role.ADMIN, password=logins[0].password
    )
    operator = accounts.create_user(
        session,
        email=OPERATOR_EMAIL,
        name="Operator Dinas Pendidikan",
        role=Role.OPERATOR,
        password=logins[1].password,
        unit_code=OPERATOR_UNIT,
    )
    for user in (admin, operator):
        user.created_at = rostered_at

    election = election_day(today)
    campaign = create_campaign(
        session,
        slug=CAMPAIGN_SLUG,
        title=f"Pemilihan Wali Kota Sukamaju {election.year}",
        issuing_authority=PEMDA_NAME,
        place="Sukamaju",
        official_name=SEKDA_NAME,
        official_title="Sekretaris Daerah",
        opens_at=opens_at,
        closes_at=closing_time(election),
    )
    campaign.created_at = opens_at - timedelta(days=3)

    rng = random.Random(f"{seed}-signatures")
    disdik_tree = {"DISDIK", "DISDIK-SDN1", "DISDIK-SMPN2"}
    apel_units = {"SETDA", "SETDA-PEM", "SETDA-UMUM"}
    planned: list[tuple[datetime, Employee, SignatureMethod, Evidence]] = []
    for unit_code, (_, _, _, share) in _STAFFING.items():
        active = [
            by_number[person.identity_number]
            for person in people
            if person.unit_code == unit_code and person.active
        ]
        for employee in rng.sample(active, round(share * len(active))):
            method = SignatureMethod.PERSONAL_LINK
            witness = None
            if unit_code in apel_units and rng.random() < 0.12:
                method, witness = SignatureMethod.APEL, admin.id
            elif unit_code in disdik_tree and rng.random() < 0.35:
                method, witness = SignatureMethod.KIOSK, operator.id
            signed_at = _plan_time(rng, first_day, now, method is SignatureMethod.APEL)
            if method is SignatureMethod.PERSONAL_LINK:
                ip = _phone_ip(rng)
                agent = rng.choice(_MOBILE_AGENTS)
            else:
                ip = "10.12.1.20" if method is SignatureMethod.APEL else "10.21.3.15"
                agent = _TABLET_AGENT
            typed = method is SignatureMethod.PERSONAL_LINK and rng.random() < 0.03
            evidence = Evidence(
                ip_address=ip,
                user_agent=agent,
                signature_png=None if typed else signature_png(rng.randrange(_SIGNATURE_VARIANTS)),
                typed_name=employee.name if typed else None,
                acknowledged_points=list(ALL_POINTS),
                witness_user_id=witness,
            )
            planned.append((signed_at, employee, method, evidence))

    planned.sort(key=lambda item: (item[0], item[1].identity_number))
    for signed_at, employee, method, evidence in planned:
        record_signature(
            session,
            campaign=campaign,
            employee=employee,
            method=method,
            evidence=evidence,
            signed_at=signed_at,
        )
    return logins

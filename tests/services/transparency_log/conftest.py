"""A database of its own for each test that tampers with it, bypassing the app."""

from datetime import timedelta

import pytest
from sqlalchemy import text

from pakta import migrate
from pakta.db import database, get_session, make_engine
from pakta.models import SignatureMethod, Unit, utcnow
from pakta.services import audit, signing
from pakta.services.certificates import revocations
from tests.conftest import fresh_database, make_campaign, make_employee

APPEND_ONLY = ("log_entry", "log_checkpoint", "audit_event")


@pytest.fixture
def own_app(app_variant, tmp_path):
    with fresh_database(tmp_path) as url:
        engine = make_engine(url)
        migrate.upgrade(engine)
        engine.dispose()
        yield app_variant(DATABASE_URL=url)


def sign_for(session, campaign, person, **evidence):
    """``person`` signs ``campaign`` by personal link (a drawn signature unless told)."""
    if not evidence:
        evidence = {"signature_png": b"PNG"}
    return signing.sign(
        session,
        campaign=campaign,
        employee=person,
        method=SignatureMethod.PERSONAL_LINK,
        evidence=signing.Evidence(acknowledged_points=[1, 2, 3, 4], **evidence),
    ).signature


@pytest.fixture
def history(own_app):
    """Four people sign; one is revoked and signs again, one is revoked and reinstated; an
    admin action is audited. Committed; returns the certificate numbers by name."""
    with own_app.app_context():
        db = get_session()
        unit = Unit(code="LOG", name="Unit Log")
        db.add(unit)
        campaign = make_campaign(db, closes_at=utcnow() + timedelta(days=3))
        people = [
            make_employee(db, unit, identity_number=f"19900101201501100{n}", name=f"Orang {n}")
            for n in range(4)
        ]
        first, second, third, fourth = (
            sign_for(db, campaign, person, signature_png=f"PNG {n}".encode())
            for n, person in enumerate(people)
        )
        revocations.revoke(db, second, reason="signed_in_error", note="", actor="cli:test")
        again = sign_for(db, campaign, people[1], typed_name="Orang 1")
        revocations.revoke(db, third, reason="sanction", note="", actor="cli:test")
        revocations.reinstate(db, third, note="", actor="cli:test")
        audit.record(db, actor="cli:test", action="roster.import", target_type="file", target_id=1)
        db.commit()
        return {
            "first": first.certificate_number,
            "second": second.certificate_number,
            "third": third.certificate_number,
            "fourth": fourth.certificate_number,
            "again": again.certificate_number,
        }


def tamper(app, *statements, **parameters):
    """Runs SQL as a database owner would: the append-only triggers out of the way first."""
    engine = database(app).engine
    with engine.begin() as connection:
        for table in APPEND_ONLY:
            if engine.dialect.name == "postgresql":
                connection.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER USER"))
            else:
                for change in ("update", "delete"):
                    connection.execute(text(f"DROP TRIGGER IF EXISTS {table}_no_{change}"))
        for statement in statements:
            connection.execute(text(statement), parameters)

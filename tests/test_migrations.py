"""The migrations alone build the schema the models describe."""

from datetime import timedelta

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, inspect, select
from sqlalchemy.orm import Session

from pakta import migrate
from pakta.db import database, make_engine
from pakta.models import Base, Signature, Unit, utcnow
from pakta.services import tallies
from pakta.services.certificates import revocations
from tests.conftest import fresh_database, make_campaign
from tests.services.test_tallies import person, sign


def test_models_and_migrations_agree(app):
    with database(app).engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    assert differences == []


def test_the_test_database_is_at_the_newest_migration(app):
    assert migrate.is_current(database(app).engine)


def test_upgrade_builds_every_table_on_an_empty_sqlite_database(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'empty.sqlite3'}")
    migrate.upgrade(engine)
    tables = set(inspect(engine).get_table_names())
    engine.dispose()
    assert set(Base.metadata.tables) <= tables


def test_downgrade_to_base_and_upgrade_again_round_trips(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'roundtrip.sqlite3'}")
    migrate.upgrade(engine)
    migrate.downgrade(engine, "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    migrate.upgrade(engine)
    assert migrate.is_current(engine)
    engine.dispose()


def test_pakta_db_check_says_models_and_migrations_agree(runner):
    result = runner.invoke(args=["db", "check"])
    assert result.exit_code == 0, result.output
    assert "agree" in result.output


# -- 0007: a revocation voids the signature ------------------------------------------------


@pytest.fixture
def empty_database(tmp_path, app):
    """A new database of the kind the suite runs on (SQLite or PostgreSQL), used inside the
    app's context: signing keys the log's identity hashes with the instance secret."""
    with fresh_database(tmp_path) as url, app.app_context():
        yield url


def _signed_and_revoked_database(url, *, sign_again: bool):
    """A database at the newest revision with three signatures: one revoked, one revoked
    and reinstated, one untouched; with ``sign_again`` the revoked person signed again."""
    engine = make_engine(url)
    migrate.upgrade(engine)
    with Session(engine) as db:
        unit = Unit(code="MIG", name="Unit Migrasi")
        db.add(unit)
        made = make_campaign(db, slug="mig", title="Mig", closes_at=utcnow() + timedelta(days=1))
        revoked, reinstated, untouched = (sign(db, made, person(db, unit)) for _ in range(3))
        for signature in (revoked, reinstated):
            revocations.revoke(db, signature, reason="sanction", note="", actor="cli:test")
        revocations.reinstate(db, reinstated, note="", actor="cli:test")
        if sign_again:
            sign(db, made, revoked.employee)
        db.commit()
        ids = (made.id, revoked.id, reinstated.id, untouched.id)
    return engine, ids


def test_the_0007_upgrade_voids_exactly_the_signatures_whose_newest_event_revokes(
    empty_database,
):
    engine, (campaign_id, revoked, reinstated, untouched) = _signed_and_revoked_database(
        empty_database, sign_again=False
    )
    migrate.downgrade(engine, "0006")
    migrate.upgrade(engine)
    with Session(engine) as db:
        assert db.get(Signature, revoked).revoked_at is not None
        assert db.get(Signature, reinstated).revoked_at is None
        assert db.get(Signature, untouched).revoked_at is None
        assert tallies.differences(db, campaign_id) == {}
        assert sum(tally.signed for tally in tallies.read(db, campaign_id).values()) == 2
    engine.dispose()


def test_the_0007_downgrade_refuses_while_someone_signed_again_and_changes_nothing(
    empty_database,
):
    engine, (campaign_id, revoked, *_rest) = _signed_and_revoked_database(
        empty_database, sign_again=True
    )
    with pytest.raises(Exception, match="signed a campaign again after a revocation"):
        migrate.downgrade(engine, "0006")
    assert migrate.is_current(engine)
    with Session(engine) as db:
        assert db.scalar(select(func.count()).select_from(Signature)) == 4
    engine.dispose()

"""The migrations alone build the schema the models describe."""

from datetime import timedelta

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, inspect, select, text
from sqlalchemy.orm import Session

from pakta import create_app, migrate
from pakta.db import database, make_engine
from pakta.keys import totp
from pakta.models import Base, Signature, Unit, utcnow
from pakta.services import accounts, tallies
from pakta.services.certificates import revocations
from tests.conftest import PASSWORD, fresh_database, make_campaign
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


# -- 0013: TOTP secrets sealed at rest -----------------------------------------------------

CLEAR_SECRETS = ("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", "KRUGS4ZANFZSAYJAORSXG5BAONSWG4TF")


def _stored_secrets(engine) -> dict[int, str | None]:
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT id, totp_secret FROM app_user ORDER BY id"))
        return dict(rows.all())


def _database_at_0012_with_clear_secrets(url) -> tuple:
    """Three accounts at revision 0012: two with a TOTP secret in clear, one without."""
    engine = make_engine(url)
    migrate.upgrade(engine)
    with Session(engine) as db:
        for n in range(3):
            accounts.create_user(
                db, email=f"u{n}@contoh.go.id", name="U", role="admin", password=PASSWORD
            )
        db.commit()
    migrate.downgrade(engine, "0012")
    ids = list(_stored_secrets(engine))
    with engine.begin() as connection:
        for user_id, secret in zip(ids, CLEAR_SECRETS, strict=False):
            connection.execute(
                text("UPDATE app_user SET totp_secret = :secret WHERE id = :id"),
                {"secret": secret, "id": user_id},
            )
    return engine, ids


def test_the_0013_upgrade_seals_clear_totp_secrets_and_the_downgrade_opens_them(
    empty_database, app
):
    engine, ids = _database_at_0012_with_clear_secrets(empty_database)
    before = _stored_secrets(engine)

    migrate.upgrade(engine)
    sealed = _stored_secrets(engine)
    keyring = totp.keyring_for(app.config)
    for user_id, secret in zip(ids, CLEAR_SECRETS, strict=False):
        assert sealed[user_id].startswith("v1$") and secret not in sealed[user_id]
        assert keyring.open(sealed[user_id], user_id) == secret
    assert sealed[ids[2]] is None

    migrate.downgrade(engine, "0012")
    assert _stored_secrets(engine) == before
    migrate.upgrade(engine)
    assert migrate.is_current(engine)
    engine.dispose()


def test_the_0013_downgrade_refuses_a_secret_that_does_not_open_and_changes_nothing(
    empty_database,
):
    engine, ids = _database_at_0012_with_clear_secrets(empty_database)
    migrate.upgrade(engine)
    sealed = _stored_secrets(engine)
    with engine.begin() as connection:  # the first account's secret copied onto the third
        connection.execute(
            text("UPDATE app_user SET totp_secret = :secret WHERE id = :id"),
            {"secret": sealed[ids[0]], "id": ids[2]},
        )

    with pytest.raises(ValueError, match=f"user {ids[2]} does not open"):
        migrate.downgrade(engine, "0012")

    assert migrate.is_current(engine)
    assert _stored_secrets(engine)[ids[1]] == sealed[ids[1]]
    engine.dispose()


def test_the_0013_upgrade_of_clear_secrets_outside_the_app_says_to_use_pakta_db(tmp_path):
    engine, _ids = _database_at_0012_with_clear_secrets(f"sqlite:///{tmp_path / 'db.sqlite3'}")

    with pytest.raises(RuntimeError, match="pakta db upgrade"):
        migrate.upgrade(engine)

    assert migrate.current_revisions(engine) == {"0012"}
    engine.dispose()


def test_pakta_db_upgrade_without_the_totp_key_in_production_says_what_to_run(app, tmp_path):
    with fresh_database(tmp_path) as url:
        engine, _ids = _database_at_0012_with_clear_secrets(url)
        missing = tmp_path / "keys" / "totp-secrets.key"
        production = create_app(
            {
                **app.config,
                "ENV": "production",
                "DATABASE_URL": url,
                "INSTANCE_PATH": tmp_path / "instance",
                "TOTP_KEY_FILE": str(missing),
            }
        )

        result = production.test_cli_runner().invoke(args=["db", "upgrade"])

        assert result.exit_code == 1
        assert f"{missing} is missing: run `pakta keys init`" in result.stderr
        assert "Traceback" not in result.output
        assert migrate.current_revisions(engine) == {"0012"}
        database(production).engine.dispose()
        engine.dispose()


def test_pakta_db_downgrade_names_a_secret_that_does_not_open_without_a_traceback(app, tmp_path):
    with fresh_database(tmp_path) as url:
        engine, ids = _database_at_0012_with_clear_secrets(url)
        variant = create_app(
            {
                **app.config,
                "DATABASE_URL": url,
                "INSTANCE_PATH": tmp_path / "instance",
                "TOTP_KEY_FILE": str(tmp_path / "keys" / "totp-secrets.key"),
            }
        )
        runner = variant.test_cli_runner()
        assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
        with engine.begin() as connection:
            connection.execute(
                text("UPDATE app_user SET totp_secret = :secret WHERE id = :id"),
                {"secret": _stored_secrets(engine)[ids[0]], "id": ids[1]},
            )

        result = runner.invoke(args=["db", "downgrade", "0012"])

        assert result.exit_code == 1
        assert f"user {ids[1]} does not open" in result.stderr
        assert "Traceback" not in result.output
        assert migrate.is_current(engine)
        database(variant).engine.dispose()
        engine.dispose()

"""`pakta mfa rotate-key`: every TOTP secret sealed under a new key, all or nothing."""

import stat

import pytest
from sqlalchemy import select

from pakta.db import database, get_session
from pakta.keys import totp
from pakta.models import AuditEvent, User
from pakta.services import accounts, mfa
from tests.conftest import PASSWORD

SECRETS = {
    "satu@contoh.go.id": "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP",
    "dua@contoh.go.id": "KRUGS4ZANFZSAYJAORSXG5BAONSWG4TF",
}


@pytest.fixture
def rotating(app_variant, connection, tmp_path):
    """An app with its own TOTP key file and two enrolled accounts in the test's data (the
    shared test app's key is left alone)."""
    path = tmp_path / "keys" / "totp-secrets.key"
    variant = app_variant(TOTP_KEY_FILE=str(path))
    database(variant).sessionmaker.configure(
        bind=connection, join_transaction_mode="create_savepoint"
    )
    with variant.app_context():
        db = get_session()
        for email, secret in SECRETS.items():
            user = accounts.create_user(db, email=email, name="A", role="admin", password=PASSWORD)
            db.flush()
            mfa.store_secret(user, secret)
        db.commit()
    return variant, path


def stored(variant) -> dict[str, str]:
    with variant.app_context():
        users = get_session().scalars(select(User).where(User.email.in_(SECRETS)))
        return {user.email: user.totp_secret for user in users}


def test_rotate_key_reseals_every_secret_under_a_new_key_drops_the_old_and_is_audited(
    rotating,
):
    variant, path = rotating
    old = totp.load(path)

    result = variant.test_cli_runner().invoke(args=["mfa", "rotate-key"])

    assert result.exit_code == 0, result.output
    new = totp.load(path)
    assert len(new.keys) == 1 and new.keys[0] not in old.keys
    assert new.active_id in result.output and "2" in result.output
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    with variant.app_context():
        db = get_session()
        for email, secret in SECRETS.items():
            user = db.scalar(select(User).where(User.email == email))
            assert totp.sealed_key_id(user.totp_secret) == new.active_id
            assert mfa.secret_of(user) == secret
        event = db.scalar(select(AuditEvent).where(AuditEvent.action == "mfa.rotate_key"))
        assert event.target_id == new.active_id and event.actor.startswith("cli:")
        assert event.details == {"previous": old.active_id, "count": 2}


def test_rotate_key_refuses_a_secret_that_does_not_open_and_changes_nothing(rotating):
    variant, path = rotating
    with variant.app_context():
        db = get_session()
        first, second = (db.scalar(select(User).where(User.email == e)) for e in SECRETS)
        second.totp_secret = first.totp_secret  # copied onto another account
        db.commit()
    before, key_before = stored(variant), path.read_bytes()

    result = variant.test_cli_runner().invoke(args=["mfa", "rotate-key"])

    assert result.exit_code == 1
    assert "dua@contoh.go.id" in result.stderr and "satu@" not in result.stderr
    assert "pakta users reset-mfa" in result.stderr
    assert stored(variant) == before and path.read_bytes() == key_before
    with variant.app_context():
        assert (
            get_session().scalar(select(AuditEvent).where(AuditEvent.action == "mfa.rotate_key"))
            is None
        )


def test_rotate_key_without_a_key_file_says_what_to_run(app_variant, tmp_path):
    variant = app_variant(ENV="production", TOTP_KEY_FILE=str(tmp_path / "absent.key"))

    result = variant.test_cli_runner().invoke(args=["mfa", "rotate-key"])

    assert result.exit_code == 1
    assert "pakta keys init" in result.stderr and "Traceback" not in result.output


def test_keys_init_makes_the_totp_key_once_readable_by_the_app_alone(
    app_variant, connection, tmp_path
):
    path = tmp_path / "instance" / "keys" / "totp-secrets.key"
    variant = app_variant(
        ENV="production", INSTANCE_PATH=tmp_path / "instance", TOTP_KEY_FILE=str(path)
    )
    database(variant).sessionmaker.configure(
        bind=connection, join_transaction_mode="create_savepoint"
    )
    runner = variant.test_cli_runner()

    first = runner.invoke(args=["keys", "init"])
    made = path.read_bytes()
    second = runner.invoke(args=["keys", "init"])

    assert first.exit_code == 0 and second.exit_code == 0, first.output + second.output
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(totp.load(path).keys) == 1 and path.read_bytes() == made

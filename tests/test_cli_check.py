"""`pakta check` on a production configuration, each problem named."""

import os
import subprocess
import sys

import pytest

from pakta.db import database, get_session
from pakta.keys import certificate, seal, totp
from pakta.services import accounts
from tests.conftest import PASSWORD, TOTP_SECRET
from tests.servers import HOST, free_port


@pytest.fixture
def production(app_variant, connection, tmp_path):
    """Runs `pakta check` on a production configuration with keys in its own instance
    folder, changed by the overrides given; the app sees the test's rolled-back data. The
    TOTP key is the test app's own (TOTP_KEY_FILE) unless given: it sealed the fixtures'
    secrets."""

    def check(*, keys=True, **overrides):
        settings = {
            "ENV": "production",
            "BASE_URL": "https://pakta.contoh.go.id",
            "INSTANCE_PATH": tmp_path / "instance",
            **overrides,
        }
        variant = app_variant(**settings)
        database(variant).sessionmaker.configure(
            bind=connection, join_transaction_mode="create_savepoint"
        )
        if keys:
            with variant.app_context():
                session = get_session()
                certificate.init(session, variant.instance_path, None)
                session.commit()
                seal.init_self_signed(variant.instance_path, "Pemerintah Kota Contoh")
                totp.create(variant.config["TOTP_KEY_FILE"])
        return variant, variant.test_cli_runner()

    return check


def test_a_clean_production_configuration_passes(production):
    _app, runner = production()

    result = runner.invoke(args=["check"])

    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    assert "siap" in result.stdout


def test_every_problem_of_the_settings_is_named(production):
    _app, runner = production(
        ENV="development", SECRET_KEY="too-short", BASE_URL="http://pakta.contoh.go.id"
    )

    result = runner.invoke(args=["check"])

    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert any("PAKTA_ENV" in line and "development" in line for line in lines)
    assert any("PAKTA_SECRET_KEY" in line and "9" in line and "32" in line for line in lines)
    assert any("PAKTA_BASE_URL" in line and "http://pakta" in line for line in lines)
    assert lines[-1] == "3 masalah ditemukan."


def test_a_missing_private_key_is_named(production):
    app, runner = production()
    key_path, _cert_path = seal.seal_paths(app.instance_path)
    key_path.unlink()

    result = runner.invoke(args=["check"])

    assert result.exit_code == 1
    assert f"{key_path} tidak ada" in result.stderr


def test_an_instance_without_a_signing_key_is_told_to_run_keys_init(production):
    _app, runner = production(keys=False)

    result = runner.invoke(args=["check"])

    assert result.exit_code == 1
    assert "pakta keys init" in result.stderr


def test_a_private_key_others_can_read_is_named_with_its_mode(production):
    app, runner = production()
    key_path, _cert_path = seal.seal_paths(app.instance_path)
    os.chmod(key_path, 0o644)

    result = runner.invoke(args=["check"])

    assert result.exit_code == 1
    assert f"{key_path}" in result.stderr and "644" in result.stderr
    assert result.stderr.count("\n") == 2  # that problem, then the count


def test_a_private_key_of_another_user_is_named(production):
    if os.geteuid() != 0:
        pytest.skip("only root can give a file to another user")
    app, runner = production()
    key_path, _cert_path = seal.seal_paths(app.instance_path)
    os.chown(key_path, 65534, 65534)

    result = runner.invoke(args=["check"])

    assert result.exit_code == 1
    assert f"{key_path}" in result.stderr and "pengguna" in result.stderr


def test_an_unreachable_database_is_named(production):
    _app, runner = production(
        keys=False, DATABASE_URL=f"postgresql+psycopg://postgres@{HOST}:{free_port()}/pakta"
    )

    result = runner.invoke(args=["check"])

    assert result.exit_code == 1
    assert "Basis data tidak dapat dihubungi" in result.stderr


def test_a_database_behind_its_migrations_is_told_to_upgrade(production, tmp_path):
    _app, runner = production(
        keys=False, DATABASE_URL=f"sqlite:///{tmp_path / 'never-migrated.sqlite3'}"
    )

    result = runner.invoke(args=["check"])

    assert result.exit_code == 1
    assert "pakta db upgrade" in result.stderr


def test_an_unreachable_redis_is_named_when_one_is_configured(production):
    _app, runner = production(REDIS_URL=f"redis://{HOST}:{free_port()}/0")

    result = runner.invoke(args=["check"])

    assert result.exit_code == 1
    assert "Redis" in result.stderr
    assert result.stderr.count("\n") == 2


def test_a_secret_the_app_refuses_to_start_with_is_one_line_not_a_traceback(tmp_path):
    environment = {
        **os.environ,
        "PAKTA_ENV": "production",
        "PAKTA_SECRET_KEY": "too-short",
        "PAKTA_DATABASE_URL": f"sqlite:///{tmp_path / 'pakta.sqlite3'}",
    }

    done = subprocess.run(
        [sys.executable, "-c", "from pakta.cli import main; main()", "check"],
        capture_output=True,
        text=True,
        env=environment,
        cwd=tmp_path,
        timeout=120,
    )

    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert "PAKTA_SECRET_KEY" in done.stderr


def test_a_signing_key_given_in_the_environment_needs_no_file(production):
    app, runner = production()
    with app.app_context():
        key_file = certificate.private_key_path(
            app.instance_path, certificate.active(get_session()).kid
        )
    pem = key_file.read_text()
    key_file.unlink()
    _app, runner = production(SIGNING_KEY=pem, keys=False)

    result = runner.invoke(args=["check"])

    assert result.exit_code == 0, result.output


def test_a_signing_key_in_the_environment_that_is_not_the_active_one_is_named(production):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    app, runner = production()
    with app.app_context():
        kid = certificate.active(get_session()).kid
    certificate.private_key_path(app.instance_path, kid).unlink()
    other = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    _app, runner = production(SIGNING_KEY=other.decode(), keys=False)

    result = runner.invoke(args=["check"])

    assert result.exit_code == 1
    assert "PAKTA_SIGNING_KEY" in result.stderr and kid in result.stderr


def test_a_seal_from_a_certification_authority_must_be_present_and_private(
    production, ca_issued_seal, tmp_path
):
    absent = tmp_path / "absent.p12"
    _app, runner = production(SEAL_PKCS12=str(absent))
    missing = runner.invoke(args=["check"])

    os.chmod(ca_issued_seal.pkcs12_path, 0o644)
    _app, runner = production(SEAL_PKCS12=ca_issued_seal.pkcs12_path, keys=False)
    readable = runner.invoke(args=["check"])

    assert missing.exit_code == 1 and f"{absent} tidak ada" in missing.stderr
    assert readable.exit_code == 1
    assert ca_issued_seal.pkcs12_path in readable.stderr and "644" in readable.stderr


# -- the TOTP key ---------------------------------------------------------------------------


def test_a_missing_totp_key_is_told_to_run_keys_init(production, tmp_path):
    path = tmp_path / "instance" / "keys" / "totp-secrets.key"
    app, runner = production(TOTP_KEY_FILE=str(path))
    path.unlink()

    result = runner.invoke(args=["check"])

    assert result.exit_code == 1
    assert f"{path} tidak ada" in result.stderr and "pakta keys init" in result.stderr


def test_a_totp_key_others_can_read_or_that_is_damaged_is_named(production, tmp_path):
    path = tmp_path / "instance" / "keys" / "totp-secrets.key"
    _app, runner = production(TOTP_KEY_FILE=str(path))
    os.chmod(path, 0o640)
    readable = runner.invoke(args=["check"])
    path.write_text("bukan kunci\n")
    os.chmod(path, 0o600)
    damaged = runner.invoke(args=["check"])

    assert readable.exit_code == 1
    assert f"{path}" in readable.stderr and "640" in readable.stderr
    assert damaged.exit_code == 1
    assert f"{path} bukan berkas kunci TOTP" in damaged.stderr


def test_a_totp_key_that_did_not_seal_the_accounts_secrets_is_named(production, tmp_path):
    path = tmp_path / "instance" / "keys" / "totp-secrets.key"
    variant, runner = production(TOTP_KEY_FILE=str(path))

    def admin_sealed_with(keyring: totp.Keyring, email: str) -> None:
        with variant.app_context():
            db = get_session()
            user = accounts.create_user(db, email=email, name="A", role="admin", password=PASSWORD)
            db.flush()
            user.totp_secret = keyring.seal(TOTP_SECRET, user.id)
            db.commit()

    admin_sealed_with(totp.load(path), "sendiri@contoh.go.id")
    clean = runner.invoke(args=["check"])
    admin_sealed_with(totp.Keyring((totp.new_key(),)), "lain@contoh.go.id")
    result = runner.invoke(args=["check"])

    assert clean.exit_code == 0, clean.output
    assert result.exit_code == 1
    assert "1 akun" in result.stderr and f"{path}" in result.stderr

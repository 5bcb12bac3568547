import stat

import pytest

from pakta import create_app
from pakta.config import ConfigError, load, normalize_database_url


def test_development_generates_a_secret_once_into_the_instance_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("PAKTA_SECRET_KEY", raising=False)
    first = load(str(tmp_path), {"ENV": "development"})
    second = load(str(tmp_path), {"ENV": "development"})
    secret_file = tmp_path / "secret_key"
    assert first["SECRET_KEY"] == second["SECRET_KEY"]
    assert len(first["SECRET_KEY"]) >= 32
    assert stat.S_IMODE(secret_file.stat().st_mode) == 0o600


@pytest.mark.parametrize("secret", [None, "", "change-me", "dev"])
def test_production_refuses_to_start_with_a_missing_or_default_secret(tmp_path, secret):
    overrides = {"ENV": "production", "DATABASE_URL": "sqlite://"}
    if secret is not None:
        overrides["SECRET_KEY"] = secret
    with pytest.raises(ConfigError, match="PAKTA_SECRET_KEY"):
        create_app({**overrides, "INSTANCE_PATH": tmp_path})
    assert not (tmp_path / "secret_key").exists()


def test_production_refuses_a_short_secret(tmp_path):
    with pytest.raises(ConfigError, match="32 characters"):
        load(str(tmp_path), {"ENV": "production", "SECRET_KEY": "short-but-not-default"})


def test_production_accepts_a_real_secret_and_sets_secure_cookies(tmp_path):
    settings = load(str(tmp_path), {"ENV": "production", "SECRET_KEY": "s" * 48})
    assert settings["SESSION_COOKIE_SECURE"] is True


def test_production_leaves_rate_limits_on(tmp_path, monkeypatch):
    # Only the tests switch them off (tests/conftest.py); Flask-Limiter is on unless told.
    monkeypatch.delenv("PAKTA_RATELIMIT_ENABLED", raising=False)
    settings = load(str(tmp_path), {"ENV": "production", "SECRET_KEY": "s" * 48})
    assert settings.get("RATELIMIT_ENABLED", True) is True


def test_settings_come_from_pakta_environment_variables(tmp_path, monkeypatch):
    monkeypatch.setenv("PAKTA_BASE_URL", "https://pakta.sukabumikota.go.id/")
    monkeypatch.setenv("PAKTA_TIMEZONE", "Asia/Makassar")
    monkeypatch.setenv("PAKTA_DATABASE_URL", "postgresql://pakta@db/pakta")
    monkeypatch.setenv("PAKTA_REDIS_URL", "redis://127.0.0.1:6379/0")
    settings = load(str(tmp_path))
    assert settings["BASE_URL"] == "https://pakta.sukabumikota.go.id"
    assert settings["TIMEZONE"] == "Asia/Makassar"
    assert settings["DATABASE_URL"] == "postgresql+psycopg://pakta@db/pakta"
    assert settings["REDIS_URL"] == "redis://127.0.0.1:6379/0"


def test_the_defaults_are_development_in_jakarta_time_on_sqlite_in_instance(tmp_path, monkeypatch):
    for name in ("ENV", "TIMEZONE", "DATABASE_URL"):
        monkeypatch.delenv(f"PAKTA_{name}", raising=False)
    settings = load(str(tmp_path))
    assert settings["ENV"] == "development"
    assert settings["TIMEZONE"] == "Asia/Jakarta"
    assert settings["DATABASE_URL"] == f"sqlite:///{tmp_path / 'pakta.sqlite3'}"


def test_an_unknown_timezone_is_refused_with_its_name(tmp_path):
    with pytest.raises(ConfigError, match="Mars/Olympus"):
        load(str(tmp_path), {"TIMEZONE": "Mars/Olympus"})


def test_an_unknown_environment_name_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="PAKTA_ENV"):
        load(str(tmp_path), {"ENV": "staging-ish"})


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgresql://u@h/d", "postgresql+psycopg://u@h/d"),
        ("postgres://u@h/d", "postgresql+psycopg://u@h/d"),
        ("postgresql+psycopg://u@h/d", "postgresql+psycopg://u@h/d"),
        ("sqlite:///x.db", "sqlite:///x.db"),
    ],
)
def test_postgresql_urls_get_the_psycopg_driver(given, expected):
    assert normalize_database_url(given) == expected


def test_behind_a_proxy_the_client_address_comes_from_x_forwarded_for(app_variant):
    proxied = app_variant(PROXY_COUNT=1)

    @proxied.get("/_test/address")
    def address():
        from flask import request

        return request.remote_addr or ""

    response = proxied.test_client().get(
        "/_test/address", headers={"X-Forwarded-For": "10.20.30.40"}
    )
    assert response.text == "10.20.30.40"


def test_the_pemdas_name_and_logo_come_from_the_environment(tmp_path, monkeypatch):
    from tests.conftest import logo_bytes

    logo = tmp_path / "lambang.jpg"
    logo.write_bytes(logo_bytes("JPEG"))
    monkeypatch.setenv("PAKTA_PEMDA_NAME", "Pemerintah Kota Sukabumi")
    monkeypatch.setenv("PAKTA_PEMDA_LOGO", str(logo))
    settings = load(str(tmp_path))
    assert settings["PEMDA_NAME"] == "Pemerintah Kota Sukabumi"
    assert settings["PEMDA_LOGO_PNG"].startswith(b"\x89PNG")  # checked and re-encoded


@pytest.mark.parametrize("content", [None, b"<svg></svg>"], ids=["missing", "svg"])
def test_a_pemda_logo_file_that_is_missing_or_not_an_image_stops_the_start(
    tmp_path, monkeypatch, content
):
    logo = tmp_path / "lambang.png"
    if content is not None:
        logo.write_bytes(content)
    monkeypatch.setenv("PAKTA_PEMDA_LOGO", str(logo))
    with pytest.raises(ConfigError, match="PAKTA_PEMDA_LOGO"):
        load(str(tmp_path))


def test_the_instance_folder_can_live_where_the_environment_says(tmp_path, monkeypatch):
    # Servers keep keys and files outside the code's folder, the same path on every node.
    monkeypatch.setenv("PAKTA_INSTANCE_PATH", str(tmp_path / "var-lib-pakta"))
    made = create_app({"ENV": "testing", "DATABASE_URL": "sqlite://", "SECRET_KEY": "s" * 48})
    assert made.instance_path == str(tmp_path / "var-lib-pakta")
    given = create_app(
        {
            "ENV": "testing",
            "DATABASE_URL": "sqlite://",
            "SECRET_KEY": "s" * 48,
            "INSTANCE_PATH": tmp_path,
        }
    )
    assert given.instance_path == str(tmp_path)

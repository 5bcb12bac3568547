"""Configuration: defaults, ``PAKTA_*`` environment variables, production guards.

Every setting can come from the environment as ``PAKTA_<NAME>``; a mapping
passed to ``create_app`` wins over both (tests use that).
"""

import os
import secrets
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pakta.files import write_atomic
from pakta.services import logos

DEFAULT_SECRET_PLACEHOLDERS = {"", "dev", "change-me", "changeme", "secret"}


class ConfigError(RuntimeError):
    """The configuration cannot run safely; the message says what to set."""


DEFAULTS = {
    "ENV": "development",
    "DATABASE_URL": None,  # sqlite:///<instance>/pakta.sqlite3 when unset
    "SECRET_KEY": None,
    "BASE_URL": "http://127.0.0.1:5000",
    "TIMEZONE": "Asia/Jakarta",
    "DEFAULT_LOCALE": "id",
    "REDIS_URL": None,
    "SIGNING_KEY": None,  # Ed25519 private key (PEM) shared by all nodes; else instance/keys/
    "SEAL_PKCS12": None,  # a CA-issued seal (for example BSrE); else the self-signed one
    "SEAL_PKCS12_PASSWORD": None,
    # The key file that seals TOTP secrets in the database; else instance/keys/.
    "TOTP_KEY_FILE": None,
    "MAX_UPLOAD_MB": 16,
    # How many reverse proxies stand in front of the app (their X-Forwarded-* are trusted).
    "PROXY_COUNT": 0,
    "SQL_ECHO": False,
    # Admin and operator sessions end after this long without a request, and this long after
    # the login whatever happens.
    "SESSION_IDLE_MINUTES": 30,
    "SESSION_ABSOLUTE_HOURS": 12,
    # Maintenance: signing is paused (a 503 saying so) while reading goes on.
    "READ_ONLY": False,
    # Reminder emails (services.reminders); none are sent while SMTP_HOST is unset.
    "SMTP_HOST": None,
    "SMTP_PORT": 587,
    "SMTP_USERNAME": None,
    "SMTP_PASSWORD": None,
    "SMTP_STARTTLS": True,
    "MAIL_FROM": "pakta@localhost",
    "REMINDER_LIMIT_PER_HOUR": 200,  # reminder emails one operator may send in an hour
    # The Pemda's name and logo (a PNG or JPEG file) while the admin settings leave them empty.
    "PEMDA_NAME": "",
    "PEMDA_LOGO": None,
    # Days a signature's address and browser, and an admin action's address, are kept before
    # `pakta purge` blanks them (docs/privacy.md): the evidence outlives an election's disputes.
    "RETENTION_DAYS": 365,
}


def _from_environment() -> dict:
    found = {}
    for name, default in DEFAULTS.items():
        raw = os.environ.get(f"PAKTA_{name}")
        if raw is None:
            continue
        if isinstance(default, bool):
            found[name] = raw.strip().lower() in {"1", "true", "yes", "on"}
        elif isinstance(default, int):
            found[name] = int(raw)
        else:
            found[name] = raw
    return found


def normalize_database_url(url: str) -> str:
    """Let people write ``postgresql://`` and still get the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _instance_secret(instance_path: Path) -> str:
    """Read, or create on first run, the development secret kept in instance/."""
    path = instance_path / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    write_atomic(path, key + "\n", mode=0o600, exclusive=True)
    return key


def _pemda_logo(path: str) -> bytes:
    """The logo file checked and re-encoded like an upload, so a bad file stops the start."""
    try:
        data = Path(path).read_bytes()
    except OSError as error:
        raise ConfigError(f"PAKTA_PEMDA_LOGO {path!r} cannot be read: {error.strerror}") from error
    try:
        return logos.clean(data)
    except logos.LogoError as error:
        raise ConfigError(f"PAKTA_PEMDA_LOGO {path!r}: {error}") from error


def load(instance_path: str, overrides: dict | None = None) -> dict:
    settings = dict(DEFAULTS)
    settings.update(_from_environment())
    settings.update(overrides or {})
    instance = Path(instance_path)

    env = settings["ENV"]
    if env not in {"development", "production", "testing"}:
        raise ConfigError(f"PAKTA_ENV must be development, production or testing, not {env!r}")

    secret = settings["SECRET_KEY"]
    if env == "production":
        if secret is None or secret.strip().lower() in DEFAULT_SECRET_PLACEHOLDERS:
            raise ConfigError(
                "PAKTA_SECRET_KEY must be set to a long random value when PAKTA_ENV=production "
                '(for example: python3 -c "import secrets; print(secrets.token_urlsafe(48))")'
            )
        if len(secret) < 32:
            raise ConfigError("PAKTA_SECRET_KEY must be at least 32 characters in production")
    elif not secret:
        settings["SECRET_KEY"] = _instance_secret(instance)

    if not settings["DATABASE_URL"]:
        instance.mkdir(parents=True, exist_ok=True)
        settings["DATABASE_URL"] = f"sqlite:///{instance / 'pakta.sqlite3'}"
    settings["DATABASE_URL"] = normalize_database_url(settings["DATABASE_URL"])

    try:
        ZoneInfo(settings["TIMEZONE"])
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ConfigError(f"PAKTA_TIMEZONE {settings['TIMEZONE']!r} is not a known zone") from error

    settings["BASE_URL"] = settings["BASE_URL"].rstrip("/")
    if not settings["TOTP_KEY_FILE"]:
        settings["TOTP_KEY_FILE"] = str(instance / "keys" / "totp-secrets.key")
    if settings["PEMDA_LOGO"]:
        settings["PEMDA_LOGO_PNG"] = _pemda_logo(settings["PEMDA_LOGO"])
    settings["MAX_CONTENT_LENGTH"] = settings["MAX_UPLOAD_MB"] * 1024 * 1024
    settings["TESTING"] = env == "testing" or settings.get("TESTING", False)
    production = env == "production"
    settings.setdefault("SESSION_COOKIE_SECURE", production)
    settings.setdefault("REMEMBER_COOKIE_SECURE", production)
    settings.setdefault("SESSION_COOKIE_HTTPONLY", True)
    settings.setdefault("SESSION_COOKIE_SAMESITE", "Lax")
    return settings

"""Is this a configuration to run in production? The checks behind `pakta check`.

Each problem is one translated sentence naming what to fix; an empty list means ready.
"""

import os
import stat
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlsplit

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from pakta.i18n import _
from pakta.keys import certificate, seal, totp
from pakta.migrate import head_revisions
from pakta.services import health

MIN_SECRET_LENGTH = 32


def problems(session: Session, engine: Engine, config: Mapping, instance_path: str) -> list[str]:
    found = _settings(config)
    checks = {check.name: check for check in health.readiness(engine, config["REDIS_URL"])}
    found += [_readiness_problem(check) for check in checks.values() if not check.ok]
    # The active signing key is known from the database only once its schema is current.
    database_usable = all(checks[name].ok for name in ("database", "migrations") if name in checks)
    found += _signing_key(session if database_usable else None, config, instance_path)
    found += _seal(config, instance_path)
    found += _totp_key(session if database_usable else None, config)
    return found


def _settings(config: Mapping) -> list[str]:
    found = []
    if config["ENV"] != "production":
        found.append(
            _("PAKTA_ENV is {env}, not production: cookies would be sent without Secure.").format(
                env=config["ENV"]
            )
        )
    secret = config["SECRET_KEY"] or ""
    if len(secret) < MIN_SECRET_LENGTH:
        found.append(
            _("PAKTA_SECRET_KEY has {count} characters; it needs at least {minimum}.").format(
                count=len(secret), minimum=MIN_SECRET_LENGTH
            )
        )
    base_url = urlsplit(config["BASE_URL"])
    if base_url.scheme != "https" or not base_url.netloc:
        found.append(
            _("PAKTA_BASE_URL must be an https address, not {url}.").format(url=config["BASE_URL"])
        )
    return found


def _readiness_problem(check: health.Check) -> str:
    if check.name == "database":
        return _("The database cannot be reached: {reason}").format(reason=check.reason)
    if check.name == "migrations":
        return _(
            "The database's schema is at revision {current}, not {expected}: "
            "run `pakta db upgrade`."
        ).format(current=check.reason, expected=", ".join(sorted(head_revisions())))
    return _("Redis (PAKTA_REDIS_URL) cannot be reached: {reason}").format(reason=check.reason)


def _signing_key(session: Session | None, config: Mapping, instance_path: str) -> list[str]:
    folder = certificate.key_dir(instance_path)
    # Every private key on disk must be private, the retired ones too.
    found = [problem for path in sorted(folder.glob("ed25519-*.pem")) for problem in _private(path)]
    if session is None:
        return found
    active = certificate.active(session)
    if active is None:
        return [*found, _("There is no certificate signing key: run `pakta keys init`.")]
    if config["SIGNING_KEY"]:
        try:
            certificate.signer(session, instance_path, config["SIGNING_KEY"])
        except (certificate.KeyringError, ValueError):
            found.append(
                _(
                    "PAKTA_SIGNING_KEY is not the private key of the active signing key {kid}."
                ).format(kid=active.kid)
            )
        return found
    path = certificate.private_key_path(instance_path, active.kid)
    if not path.exists():
        found.append(_missing(path))
    return found


def _seal(config: Mapping, instance_path: str) -> list[str]:
    if config["SEAL_PKCS12"]:
        path = Path(config["SEAL_PKCS12"])
        return _private(path) if path.exists() else [_missing(path)]
    key_path, cert_path = seal.seal_paths(instance_path)
    found = _private(key_path) if key_path.exists() else [_missing(key_path)]
    if not cert_path.exists():
        found.append(_missing(cert_path))
    return found


def _totp_key(session: Session | None, config: Mapping) -> list[str]:
    """The key that seals TOTP secrets: present, private, well formed, and holding the key
    of every sealed secret (a wrong file would lock every admin out)."""
    from pakta.models import User

    path = Path(config["TOTP_KEY_FILE"])
    if not path.exists():
        return [_missing(path)]
    found = _private(path)
    try:
        keyring = totp.load(path)
    except totp.TotpKeyError:
        damaged = _("{path} is not a TOTP key file: each line must be a 32-byte key in base64url.")
        return [*found, damaged.format(path=path)]
    if session is None:
        return found
    sealed = session.scalars(select(User.totp_secret).where(User.totp_secret.is_not(None)))
    known = set(keyring.ids())
    unknown = sum(1 for value in sealed if totp.sealed_key_id(value) not in known)
    if unknown:
        found.append(
            _(
                "The two-step login secrets of {count} account(s) are sealed under a key that "
                "{path} does not hold: put back the TOTP key file they were sealed with."
            ).format(count=unknown, path=path)
        )
    return found


def _missing(path: Path) -> str:
    return _("{path} is missing: run `pakta keys init` or copy it from another node.").format(
        path=path
    )


def _private(path: Path) -> list[str]:
    """A private key's file must be the app's alone: its own, and closed to everyone else."""
    found = []
    status = path.stat()
    if status.st_uid != os.geteuid() or not os.access(path, os.R_OK):
        found.append(
            _(
                "{path} must belong to the user the app runs as, who must be able to read it."
            ).format(path=path)
        )
    mode = stat.S_IMODE(status.st_mode)
    if mode & 0o077:
        found.append(
            _("{path} can be read by other users (mode {mode:o}): run `chmod 600 {path}`.").format(
                path=path, mode=mode
            )
        )
    return found

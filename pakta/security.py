"""CSRF protection and rate limits, shared by every blueprint.

Each limit is keyed to what it protects, never to the client's address alone: after an
apel hundreds of colleagues sign from one office Wi-Fi or a carrier's NAT. A personal link
is limited per token, apel code checks per NIP, logins per account. The address is counted
only for failures (unknown links, wrong codes, bad passwords), which is what guessing makes.
"""

from flask import Flask, g, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_wtf import CSRFProtect

from pakta import keys

csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, default_limits=[])

# Failed guesses one address may make in all the signing routes (links, apel codes) together.
# Nobody mistypes a link fifty times a minute; a guesser is stopped well before the 60th try.
FAILURES_PER_ADDRESS = "50 per minute"


def init_app(app: Flask) -> None:
    csrf.init_app(app)
    # Limits are on unless this app's settings say otherwise. Flask-Limiter's own default is
    # the switch the previous ``init_app`` left on the shared ``limiter``: without this line
    # an app made after one with limits off (as the tests make) silently ran without them.
    app.config.setdefault("RATELIMIT_ENABLED", True)
    # Redis keeps limits shared between app processes; memory is enough for one.
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config.get("REDIS_URL") or "memory://")
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    # While Redis is down each process counts in its own memory (Flask-Limiter's fallback)
    # and goes back to Redis once it answers: limits stay on, and no request fails on them.
    app.config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
    # A Redis that hangs rather than refuses must not hold every request.
    app.config.setdefault(
        "RATELIMIT_STORAGE_OPTIONS", {"socket_connect_timeout": 1, "socket_timeout": 1}
    )
    limiter.init_app(app)


def hashed_key(kind: str, value: str) -> str:
    """A limiter key for a secret or personal value (a link token, a NIP, an email): only a
    keyed hash reaches the storage, which a plain hash of a NIP would not hide."""
    return f"{kind}:{keys.attempt_key(kind, value)}"


def count_as_failure() -> None:
    """Marks this request as a failed guess, which the per-address limits count."""
    g.rate_limit_failure = True


def is_failure(_response) -> bool:
    return bool(g.get("rate_limit_failure"))


def token_key() -> str:
    """The ``token`` of the route (a personal link), hashed."""
    return hashed_key("link", str((request.view_args or {}).get("token", "")))


# The signing routes share one count of failures per address: a guesser gains nothing by
# spreading tries over personal links, their certificates and apel entries.
signing_failures = limiter.shared_limit(
    FAILURES_PER_ADDRESS,
    scope="signing-failures",
    key_func=get_remote_address,
    deduct_when=is_failure,
)

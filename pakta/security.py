"""CSRF protection and rate limits, shared by every blueprint.

Each limit is keyed to what it protects, never to the client's address alone: after an
apel hundreds of colleagues sign from one office Wi-Fi or a carrier's NAT. A personal link
is limited per token, apel code checks per NIP, logins per account. The address is counted
only for failures (unknown links, wrong codes, bad passwords), which is what guessing makes.
"""

import logging
import time
from collections.abc import Callable

from flask import Flask, Response, current_app, g, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_wtf import CSRFProtect
from itsdangerous import BadSignature, URLSafeTimedSerializer

from pakta import keys

log = logging.getLogger(__name__)

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
    # No X-RateLimit-* headers: each costs the storage two more round trips (GET, TTL) on
    # every limited request, three a signature. A refused request still says when to come
    # back (``retry_after``, on the 429 page).
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", False)
    # While Redis is down each process counts in its own memory (Flask-Limiter's fallback)
    # and goes back to Redis once it answers: limits stay on, and no request fails on them.
    app.config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
    # A Redis that hangs rather than refuses must not hold every request.
    app.config.setdefault(
        "RATELIMIT_STORAGE_OPTIONS", {"socket_connect_timeout": 1, "socket_timeout": 1}
    )
    limiter.init_app(app)


def retry_after() -> int | None:
    """Seconds until the limit this request broke lets it through again, or None when that
    cannot be read (the storage went away since)."""
    breached = limiter.current_limit
    if breached is None:
        return None
    try:
        reset_at = breached.reset_at
    except Exception:  # the storage's own errors (Redis's, ...): a hint is not worth a 500
        log.warning("the rate limit's reset time could not be read", exc_info=True)
        return None
    return max(1, int(reset_at - time.time()))


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


# -- forms that check a password or a second factor ---------------------------------------

# Failures per account, shared by every such form (login, the code after it, leaving the kiosk,
# changing the password): a ladder of windows, each twice as long and one try wider, so that
# after 5 failures the account waits a minute, then 2, 4, ... up to about four hours. Kept in
# the limiter's storage, which is Redis when configured: every worker sees the same count.
ACCOUNT_BACKOFF = "; ".join(f"{5 + step} per {2**step} minutes" for step in range(9))
# Failures per address, whatever the account, for the same forms together.
LOGIN_FAILURES_PER_ADDRESS = "10 per minute; 50 per hour"

DEVICE_COOKIE = "pakta_device"
DEVICE_COOKIE_DAYS = 90


def _device_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt="pakta:known-device:v1")


def remember_device(response: Response, account_key: str) -> None:
    """Marks this browser as one that logged in to the account (OWASP's device cookie): the
    failures of others behind the same address (an office NAT) then do not lock it out."""
    response.set_cookie(
        DEVICE_COOKIE,
        _device_serializer().dumps(account_key),
        max_age=DEVICE_COOKIE_DAYS * 24 * 3600,
        secure=current_app.config["SESSION_COOKIE_SECURE"],
        httponly=True,
        samesite="Lax",
    )


def is_known_device(account_key: str) -> bool:
    cookie = request.cookies.get(DEVICE_COOKIE)
    if not cookie or not account_key:
        return False
    try:
        remembered = _device_serializer().loads(cookie, max_age=DEVICE_COOKIE_DAYS * 24 * 3600)
    except BadSignature:
        return False
    return remembered == account_key


def account_key_for(email: str) -> str:
    return hashed_key("account", email.strip().lower()) if email else ""


def password_form(email_of_account: Callable[[], str]):
    """Limits a view whose POST checks a secret of the account ``email_of_account()`` names.

    Only failures count (the view calls count_as_failure): per account whatever the address
    (a botnet guessing one password), and per address whatever the account (one machine
    trying many), except for a browser that has logged in to that account before.
    """

    def account() -> str:
        return account_key_for(email_of_account())

    def known_device() -> bool:
        return is_known_device(account())

    per_account = limiter.shared_limit(
        ACCOUNT_BACKOFF,
        scope="account-failures",
        key_func=account,
        methods=["POST"],
        deduct_when=is_failure,
    )
    per_address = limiter.shared_limit(
        LOGIN_FAILURES_PER_ADDRESS,
        scope="password-failures",
        key_func=get_remote_address,
        methods=["POST"],
        deduct_when=is_failure,
        exempt_when=known_device,
    )

    def decorate(view: Callable) -> Callable:
        return per_address(per_account(view))

    return decorate

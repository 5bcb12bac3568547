"""Is this node ready to serve? The checks behind `/readyz` and `pakta check`.

Each check answers with a ``Check``: its name, whether it passed, and why not. The reason
is for the operator at the console; `/readyz` shows only the names, since a driver's error
may name hosts and users.
"""

from dataclasses import dataclass

import redis
from redis.exceptions import RedisError
from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError

from pakta import migrate

# A load balancer asks every few seconds: an unreachable server must not hold it longer.
TIMEOUT_SECONDS = 2.0


@dataclass(frozen=True)
class Check:
    name: str  # "database", "migrations" or "redis"
    ok: bool
    reason: str = ""


def _reason(error: Exception) -> str:
    # SQLAlchemy wraps the driver's error in text about SQL and a documentation link.
    return str(getattr(error, "orig", None) or error).strip()


def database(engine: Engine) -> Check:
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError as error:
        return Check("database", False, _reason(error))
    return Check("database", True)


def migrations(engine: Engine) -> Check:
    try:
        current = migrate.current_revisions(engine)
    except SQLAlchemyError as error:
        return Check("migrations", False, _reason(error))
    if current != migrate.head_revisions():
        # The revisions the database is at (none: never migrated); the caller words it.
        return Check("migrations", False, ", ".join(sorted(current)) or "-")
    return Check("migrations", True)


def redis_server(url: str) -> Check:
    client = redis.Redis.from_url(
        url, socket_connect_timeout=TIMEOUT_SECONDS, socket_timeout=TIMEOUT_SECONDS
    )
    try:
        client.ping()
    except RedisError as error:
        return Check("redis", False, str(error))
    finally:
        client.close()
    return Check("redis", True)


def readiness(engine: Engine, redis_url: str | None) -> list[Check]:
    """The database, its migrations (only when it answers) and Redis (only when configured)."""
    checks = [database(engine)]
    if checks[0].ok:
        checks.append(migrations(engine))
    if redis_url:
        checks.append(redis_server(redis_url))
    return checks

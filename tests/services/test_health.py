import os

import pytest
import redis

from pakta import migrate
from pakta.db import database, make_engine
from pakta.services import health
from tests.servers import HOST, free_port

REDIS_URL = os.environ.get("PAKTA_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture
def unreachable_database():
    """A PostgreSQL URL of a port nobody listens on."""
    engine = make_engine(f"postgresql+psycopg://postgres@{HOST}:{free_port()}/pakta")
    yield engine
    engine.dispose()


@pytest.fixture
def empty_database(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'empty.sqlite3'}")
    yield engine
    engine.dispose()


def test_the_migrated_test_database_passes_every_check(app):
    checks = health.readiness(database(app).engine, None)

    assert [(check.name, check.ok) for check in checks] == [
        ("database", True),
        ("migrations", True),
    ]


def test_an_unreachable_database_fails_and_its_migrations_are_not_asked(unreachable_database):
    checks = health.readiness(unreachable_database, None)

    assert [(check.name, check.ok) for check in checks] == [("database", False)]
    assert checks[0].reason


def test_a_database_never_migrated_fails_the_migrations_check(empty_database):
    check = health.migrations(empty_database)

    assert not check.ok
    assert check.reason == "-"


def test_a_database_one_migration_behind_fails_the_migrations_check(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'behind.sqlite3'}")
    try:
        migrate.upgrade(engine)
        migrate.downgrade(engine, "-1")
        check = health.migrations(engine)
    finally:
        engine.dispose()

    assert not check.ok
    assert check.reason not in migrate.head_revisions()


def test_an_unreachable_redis_fails_only_when_one_is_configured(app):
    engine = database(app).engine
    down = f"redis://{HOST}:{free_port()}/0"

    assert "redis" not in [check.name for check in health.readiness(engine, None)]
    assert [
        (check.name, check.ok) for check in health.readiness(engine, down) if check.name == "redis"
    ] == [("redis", False)]


def test_a_redis_that_answers_passes(app):
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as error:
        pytest.skip(f"no Redis at {REDIS_URL} ({error})")

    assert health.redis_server(REDIS_URL) == health.Check("redis", True)

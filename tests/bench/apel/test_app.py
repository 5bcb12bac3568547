import os

import pytest
import redis

from bench.apel import app as bench_app
from bench.apel import phases, servers
from pakta.db import database
from pakta.security import limiter
from tests.conftest import TEST_SECRET

REDIS_URL = os.environ.get("PAKTA_TEST_REDIS_URL", "redis://127.0.0.1:6379/8")


def test_the_bench_serves_the_real_app_as_production_runs_it_with_limits_on(
    bench_site, tmp_path, monkeypatch
):
    env = servers.app_environment(bench_site[0], TEST_SECRET, str(tmp_path), 8000, REDIS_URL)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    # Flask-Limiter's limiter is one object for every app: put its switch back afterwards.
    enabled = limiter.enabled
    served = bench_app.create_bench_app()
    try:
        assert served.config["ENV"] == "production"
        assert served.config.get("RATELIMIT_ENABLED", True) is True
        assert served.config["RATELIMIT_STORAGE_URI"] == REDIS_URL
        assert served.config["REDIS_URL"] == REDIS_URL
        assert str(tmp_path) == served.instance_path
    finally:
        limiter.enabled = enabled
        database(served).engine.dispose()


def test_the_bench_counts_the_commands_its_redis_processed():
    connection = redis.Redis.from_url(REDIS_URL)
    try:
        before = phases.redis_commands(REDIS_URL)
        for _ in range(3):
            connection.ping()
    except redis.ConnectionError as error:
        pytest.skip(f"no Redis at {REDIS_URL} ({error})")
    finally:
        connection.close()
    # Three pings and the first INFO at least (the server may serve others meanwhile).
    assert phases.redis_commands(REDIS_URL) - before >= 4

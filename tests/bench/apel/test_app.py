from bench.apel import app as bench_app
from bench.apel import servers
from pakta.db import database
from tests.conftest import TEST_SECRET


def test_the_bench_serves_the_real_app_as_production_runs_it_with_limits_on(
    bench_site, tmp_path, monkeypatch
):
    env = servers.app_environment(
        bench_site[0], TEST_SECRET, str(tmp_path), 8000, "redis://127.0.0.1:6399/8"
    )
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    served = bench_app.create_bench_app()
    try:
        assert served.config["ENV"] == "production"
        assert served.config.get("RATELIMIT_ENABLED", True) is True
        assert served.config["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6399/8"
        assert served.config["REDIS_URL"] == "redis://127.0.0.1:6399/8"
        assert str(tmp_path) == served.instance_path
    finally:
        database(served).engine.dispose()

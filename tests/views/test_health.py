import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import TEST_SECRET
from tests.servers import HOST, free_port

ROOT = Path(__file__).resolve().parents[2]


def test_healthz_answers_without_touching_the_database(client, statements):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json == {"status": "ok"}
    assert statements == []


def test_readyz_answers_200_when_the_database_is_reachable_and_migrated(client):
    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.json == {"status": "ok", "checks": {"database": "ok", "migrations": "ok"}}
    assert response.headers["Cache-Control"] == "no-store"


def test_readyz_answers_503_naming_the_database_and_nothing_of_its_address(app_variant):
    port = free_port()
    down = app_variant(DATABASE_URL=f"postgresql+psycopg://pakta:hunter2@{HOST}:{port}/pakta")

    response = down.test_client().get("/readyz")

    assert response.status_code == 503
    assert response.json == {"status": "unavailable", "checks": {"database": "failed"}}
    assert response.headers["Cache-Control"] == "no-store"
    assert str(port) not in response.text and "hunter2" not in response.text


def test_readyz_answers_503_when_the_configured_redis_is_down(app_variant, connection):
    down = app_variant(REDIS_URL=f"redis://{HOST}:{free_port()}/0")

    response = down.test_client().get("/readyz")

    assert response.status_code == 503
    assert response.json["checks"] == {"database": "ok", "migrations": "ok", "redis": "failed"}


# Flask-Limiter's default limits, once set, stay on its one module-level limiter for good;
# so the app with a default limit on every route runs in a process of its own.
EXEMPT_PROBE = """
import json, sys
from pakta import create_app
app = create_app(json.loads(sys.argv[1]))
client = app.test_client()
print(json.dumps({path: [client.get(path).status_code for _ in range(3)]
                  for path in ("/healthz", "/readyz", "/")}))
"""


def test_health_checks_are_exempt_from_rate_limits(database_url, tmp_path):
    config = {
        "ENV": "testing",
        "DATABASE_URL": database_url,
        "SECRET_KEY": TEST_SECRET,
        "INSTANCE_PATH": str(tmp_path),
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_STORAGE_URI": "memory://",
        "RATELIMIT_DEFAULT": "1 per minute",
    }
    done = subprocess.run(
        [sys.executable, "-c", EXEMPT_PROBE, json.dumps(config)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr

    statuses = json.loads(done.stdout)
    assert statuses["/"] == [200, 429, 429]  # the limit is on for routes not exempt
    assert statuses["/healthz"] == [200, 200, 200]
    assert statuses["/readyz"] == [200, 200, 200]

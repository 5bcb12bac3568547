"""A database that cannot serve (down, restarting, read-only) answers a branded 503."""

import psycopg
import pytest
from sqlalchemy import exc

from pakta import create_app
from pakta.db import database
from pakta.errors import RETRY_AFTER_SECONDS
from pakta.services import campaigns
from pakta.services.certificates import verification
from tests.conftest import TEST_SECRET, IsolatedClient


def refused() -> exc.OperationalError:
    return exc.OperationalError(
        "SELECT 1", {}, psycopg.OperationalError("connection refused: is the server running?")
    )


def read_only() -> exc.InternalError:
    return exc.InternalError(
        "INSERT INTO signature", {}, psycopg.errors.ReadOnlySqlTransaction("read-only transaction")
    )


def failing_with(monkeypatch, target, name, error):
    def fail(*_args, **_kwargs):
        raise error

    monkeypatch.setattr(target, name, fail)


@pytest.mark.parametrize("make_error", [refused, read_only], ids=["refused", "read-only"])
def test_a_page_answers_a_503_in_indonesian_with_retry_after_when_the_database_fails(
    client, monkeypatch, make_error
):
    failing_with(monkeypatch, campaigns, "current_campaign", make_error())
    response = client.get("/")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert 'lang="id"' in response.text
    assert "Penandatanganan dihentikan sementara" in response.text
    assert f"{RETRY_AFTER_SECONDS} detik" in response.text
    assert response.headers["X-Request-ID"] in response.text


def test_the_api_answers_a_503_as_problem_json_when_the_database_fails(client, monkeypatch):
    failing_with(monkeypatch, verification, "verify_token", refused())
    response = client.get("/api/v1/verify/anything")
    assert response.status_code == 503
    assert response.mimetype == "application/problem+json"
    assert response.headers["Retry-After"] == str(RETRY_AFTER_SECONDS)
    problem = response.get_json(force=True)
    assert problem["status"] == 503
    assert problem["title"] and problem["detail"]
    assert problem["request_id"] == response.headers["X-Request-ID"]


def test_a_database_failure_is_logged_as_one_line_with_the_request_id(client, monkeypatch, caplog):
    failing_with(monkeypatch, campaigns, "current_campaign", refused())
    response = client.get("/", headers={"X-Request-ID": "abc-123"})
    assert response.headers["X-Request-ID"] == "abc-123"
    lines = [record for record in caplog.records if record.levelname in {"WARNING", "ERROR"}]
    assert len(lines) == 1
    assert "abc-123" in lines[0].getMessage()
    assert "connection refused" in lines[0].getMessage()
    assert lines[0].exc_info is None


def test_a_request_id_that_does_not_look_like_one_is_replaced(client, monkeypatch):
    failing_with(monkeypatch, campaigns, "current_campaign", refused())
    response = client.get("/", headers={"X-Request-ID": "<script>"})
    assert response.headers["X-Request-ID"] != "<script>"
    assert "<script>" not in response.text


def test_a_database_error_that_is_not_an_outage_stays_a_500(client, monkeypatch):
    failing_with(
        monkeypatch,
        campaigns,
        "current_campaign",
        exc.IntegrityError("INSERT", {}, Exception("duplicate key")),
    )
    assert client.get("/").status_code == 500


@pytest.fixture
def app_without_database(closed_port, monkeypatch, tmp_path):
    monkeypatch.setenv("PAKTA_DATABASE_URL", f"postgresql://postgres@127.0.0.1:{closed_port}/pakta")
    app = create_app(
        {
            "ENV": "testing",
            "SECRET_KEY": TEST_SECRET,
            "INSTANCE_PATH": tmp_path / "instance",
            "RATELIMIT_ENABLED": False,
            "SERVER_NAME": None,
        }
    )
    app.test_client_class = IsolatedClient
    yield app
    database(app).engine.dispose()


@pytest.mark.parametrize(
    "path", ["/", "/s/any-personal-link-token", "/api/v1/verify/anything", "/api/v1/rollups"]
)
def test_an_app_whose_database_refuses_connections_answers_503_not_500(app_without_database, path):
    # The API's rollups look the bearer token up in the database.
    response = app_without_database.test_client().get(
        path, headers={"Authorization": "Bearer pkt_" + "x" * 43}
    )
    assert response.status_code == 503
    assert response.headers["Retry-After"] == str(RETRY_AFTER_SECONDS)

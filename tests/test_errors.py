import pytest
from flask import abort

from pakta import create_app
from pakta.db import database


@pytest.fixture(scope="module")
def failing_app(app, tmp_path_factory):
    """An app of its own with routes that fail on purpose."""
    failing = create_app({**app.config, "INSTANCE_PATH": tmp_path_factory.mktemp("failing")})

    @failing.get("/_test/boom")
    def boom():
        raise RuntimeError("secret internals: password=hunter2")

    @failing.get("/_test/abort/<int:code>")
    def aborting(code):
        abort(code)

    yield failing
    database(failing).engine.dispose()


@pytest.fixture
def failing_client(failing_app):
    return failing_app.test_client()


def test_an_unknown_page_gets_a_friendly_404_in_indonesian(client):
    response = client.get("/tidak-ada")
    assert response.status_code == 404
    assert 'lang="id"' in response.text
    assert "404" in response.text


@pytest.mark.parametrize("code", [400, 403, 404, 429, 500])
def test_each_error_code_has_its_own_page(failing_client, code):
    response = failing_client.get(f"/_test/abort/{code}")
    assert response.status_code == code
    assert "<html" in response.text and str(code) in response.text


def test_an_unexpected_exception_shows_no_stack_trace(failing_client):
    response = failing_client.get("/_test/boom")
    assert response.status_code == 500
    assert "Traceback" not in response.text
    assert "hunter2" not in response.text
    assert "RuntimeError" not in response.text


def test_api_clients_get_errors_as_json(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.json["error"]["code"] == 404


def test_an_oversized_upload_gets_a_413_page(app, client):
    limit = app.config["MAX_CONTENT_LENGTH"]
    response = client.post("/masuk", data=b"x" * (limit + 1), content_type="text/plain")
    assert response.status_code == 413

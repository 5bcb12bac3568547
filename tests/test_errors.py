import re

import pytest
from flask import abort
from flask_babel import force_locale

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


@pytest.mark.parametrize("code", [400, 403, 404, 409, 422, 429, 500])
def test_each_error_code_has_its_own_page(failing_client, code):
    response = failing_client.get(f"/_test/abort/{code}")
    assert response.status_code == code
    assert "<html" in response.text and str(code) in response.text


@pytest.mark.parametrize(
    ("code", "title"),
    [
        (409, "Hal itu tidak dapat dilakukan sekarang"),
        (422, "Data yang dikirim tidak dapat diterima"),
    ],
)
def test_a_refusal_has_a_title_of_its_own_not_the_500s(failing_client, code, title):
    response = failing_client.get(f"/_test/abort/{code}")
    assert title in response.text
    assert "Terjadi kesalahan pada sistem kami" not in response.text


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


def test_an_oversized_upload_says_the_limit_and_goes_back_to_the_form_it_came_from(app, client):
    limit = app.config["MAX_CONTENT_LENGTH"]
    form = "http://localhost/masuk?next=%2Fadmin%2Froster"
    response = client.post(
        "/masuk",
        data=b"x" * (limit + 1),
        content_type="text/plain",
        headers={"Referer": form},
    )
    assert response.status_code == 413
    assert f"paling besar {app.config['MAX_UPLOAD_MB']} MB" in response.text
    assert 'href="/masuk?next=%2Fadmin%2Froster">Kembali ke formulir</a>' in response.text


@pytest.mark.parametrize("referrer", [None, "https://elsewhere.example/phish", "javascript:x"])
def test_an_oversized_upload_from_elsewhere_goes_back_to_the_page_it_was_sent_to(
    app, client, referrer
):
    limit = app.config["MAX_CONTENT_LENGTH"]
    headers = {"Referer": referrer} if referrer else {}
    response = client.post(
        "/masuk", data=b"x" * (limit + 1), content_type="text/plain", headers=headers
    )
    assert response.status_code == 413
    assert 'href="/masuk">Kembali ke formulir</a>' in response.text
    assert "elsewhere" not in response.text and "javascript" not in response.text


@pytest.mark.parametrize(
    ("seconds", "indonesian", "english"),
    [
        (1, "dalam 1 detik", "in 1 second"),
        (45, "dalam 45 detik", "in 45 seconds"),
        (60, "dalam 1 menit", "in 1 minute"),
        (61, "dalam 2 menit", "in 2 minutes"),  # rounded up: never less than the wait
        (100, "dalam 2 menit", "in 2 minutes"),
    ],
)
def test_a_wait_is_said_in_words_in_the_users_language(app, seconds, indonesian, english):
    from pakta.errors import wait_in_words

    with app.test_request_context("/"):
        assert wait_in_words(seconds) == indonesian
    with app.test_request_context("/"), force_locale("en"):
        assert wait_in_words(seconds) == english


def test_the_429_page_says_how_long_to_wait_as_its_retry_after_header_does(limited_app, admin_user):
    from limits import parse_many

    from pakta.security import ACCOUNT_BACKOFF

    app = limited_app()
    client = app.test_client()
    for _ in range(parse_many(ACCOUNT_BACKOFF)[0].amount):
        client.post("/masuk", data={"email": admin_user.email, "password": "wrong"})
    response = client.post("/masuk", data={"email": admin_user.email, "password": "wrong"})
    assert response.status_code == 429
    seconds = int(response.headers["Retry-After"])
    assert 0 < seconds <= 60
    # The page was written a moment before the header: a second may have passed between.
    said = re.search(r"Silakan coba lagi dalam (\d+) (detik|menit)\.", response.text)
    assert said is not None
    shown = int(said.group(1)) * (60 if said.group(2) == "menit" else 1)
    assert shown in (seconds, seconds + 1)

import pytest
from sqlalchemy import create_engine, func, select

from bench.apel import client, floor
from pakta.config import normalize_database_url
from tests.conftest import TEST_SECRET


@pytest.fixture
def floor_app(bench_site):
    url, _tokens = bench_site
    app = floor.create_floor(url, TEST_SECRET)
    yield app
    app.extensions["bench_floor_engine"].dispose()


@pytest.fixture
def stored(bench_site):
    """How many floor rows the database holds."""
    engine = create_engine(normalize_database_url(bench_site[0]))

    def count() -> int:
        with engine.connect() as connection:
            return connection.scalar(select(func.count()).select_from(floor.floor_signature))

    yield count
    engine.dispose()


def token_number(bench_site, n: int) -> str:
    return list(bench_site[1])[n]


def form_of(http, path: str) -> str:
    page = http.get(path)
    assert page.status_code == 200
    return client.hidden_value(page.text, "csrf_token")


def test_the_floor_form_of_a_known_link_carries_a_csrf_token(floor_app, bench_site):
    assert form_of(floor_app.test_client(), f"/f/{token_number(bench_site, 0)}")


def test_the_floor_answers_404_to_an_unknown_link(floor_app):
    assert floor_app.test_client().get("/f/not-a-link").status_code == 404


def test_a_signature_is_stored_once_and_its_done_page_reads_the_row(floor_app, bench_site, stored):
    http, path = floor_app.test_client(), f"/f/{token_number(bench_site, 1)}"
    before = stored()
    fields = {"csrf_token": form_of(http, path), "signature": client.signature_data_url()}
    response = http.post(path, data=fields)
    assert response.status_code == 303
    assert response.headers["Location"].endswith(path)
    again = http.post(path, data=fields)
    assert again.status_code == 303
    done = http.get(path)
    assert 'class="certificate-number">F-' in done.text
    assert stored() == before + 1


def test_the_floor_refuses_a_post_without_its_csrf_token(floor_app, bench_site, stored):
    before = stored()
    response = floor_app.test_client().post(
        f"/f/{token_number(bench_site, 2)}", data={"signature": client.signature_data_url()}
    )
    assert response.status_code == 400
    assert stored() == before


@pytest.mark.parametrize(
    "signature",
    ["data:image/png;base64,iVBORw0KGgoAAAAN", "data:image/png;base64,bm90IGEgcG5n", "", "x"],
)
def test_the_floor_refuses_a_signature_pillow_cannot_read(floor_app, bench_site, stored, signature):
    http, path = floor_app.test_client(), f"/f/{token_number(bench_site, 2)}"
    before = stored()
    response = http.post(path, data={"csrf_token": form_of(http, path), "signature": signature})
    assert response.status_code == 422
    assert stored() == before

import pytest
from sqlalchemy import create_engine, func, select

from bench.apel import floor, inprocess
from bench.apel.client import signature_data_url
from pakta.config import normalize_database_url
from tests.conftest import TEST_SECRET


@pytest.fixture
def floor_app(bench_site):
    app = floor.create_floor(bench_site[0], TEST_SECRET)
    yield app
    app.extensions["bench_floor_engine"].dispose()


def floor_rows(url: str) -> int:
    engine = create_engine(normalize_database_url(url))
    try:
        with engine.connect() as connection:
            return connection.scalar(select(func.count()).select_from(floor.floor_signature))
    finally:
        engine.dispose()


def test_a_signer_under_the_test_client_signs_once_and_reads_the_number_shown(
    floor_app, bench_site
):
    token = list(bench_site[1])[5]
    before = floor_rows(bench_site[0])
    fixed = inprocess.fixed_fields(signature_data_url())
    number = inprocess.sign_once(floor_app, f"/f/{token}", fixed)
    assert number.startswith("F-")
    assert floor_rows(bench_site[0]) == before + 1


def test_a_flow_that_does_not_end_on_the_done_page_stops_the_measure(floor_app):
    with pytest.raises(inprocess.FlowError, match="404"):
        inprocess.sign_once(floor_app, "/f/not-a-link", inprocess.fixed_fields("data:,"))


def test_the_fixed_fields_carry_every_point_and_the_drawing_url_encoded():
    fixed = inprocess.fixed_fields("data:image/png;base64,AB+/=")
    assert fixed.startswith("points=1&points=2&points=3&points=4&")
    assert "signature=data%3Aimage%2Fpng%3Bbase64%2CAB%2B%2F%3D" in fixed


@pytest.mark.parametrize(
    "argv",
    [
        ["--employees", "100"],  # fewer links than both sides' warm-up and signatures
        ["--batch", "0"],
        ["--signatures", "10", "--batch", "20"],
        ["--postgresql-url", "sqlite:///x.sqlite3"],
    ],
)
def test_the_measure_refuses_options_it_cannot_run_with(argv):
    with pytest.raises(SystemExit):
        inprocess.parse(argv)

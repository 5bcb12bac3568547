import threading

import pytest
from werkzeug.serving import make_server

from bench.apel import client, floor
from tests.conftest import TEST_SECRET


@pytest.fixture(scope="module")
def floor_port(bench_site):
    """The floor served over HTTP on a free port of the loopback, as gunicorn serves it."""
    app = floor.create_floor(bench_site[0], TEST_SECRET)
    server = make_server(client.HOST, 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_port
    server.shutdown()
    thread.join()
    server.server_close()
    app.extensions["bench_floor_engine"].dispose()


class FakeClock:
    """A clock that only moves when someone sleeps or works."""

    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


class NoConnection:
    def close(self) -> None:
        pass


def test_paced_latency_runs_from_the_scheduled_arrival_so_queueing_counts():
    clock = FakeClock()

    def work(_client, tally, arrival):
        clock.sleep(0.05)  # each signature takes 50 ms, arrivals come every 10 ms
        tally.flow_ms.append(round((clock() - arrival) * 1000))

    tally = client.paced(100, 3, work, NoConnection, pool=1, clock=clock, sleep=clock.sleep)
    # One connection: the second and third arrivals wait for the first, and that wait counts.
    assert tally.flow_ms == [50, 90, 130]


def test_paced_signers_sign_every_arrival_through_the_floor(bench_site, floor_port):
    tokens = client.Tokens(list(bench_site[1])[:3])
    tally = client.paced(
        50,
        3,
        client.signer(tokens, "/f", client.signature_data_url()),
        lambda: client.Client(floor_port, 10),
        pool=2,
    )
    assert tally.errors == []
    assert sorted(tally.acknowledged) == sorted(list(bench_site[1])[:3])
    assert all(number.startswith("F-") for number in tally.acknowledged.values())
    assert len(tally.flow_ms) == len(tally.post_ms) == 3


def test_closed_loop_signers_stop_when_the_links_run_out(bench_site, floor_port):
    links = list(bench_site[1])[3:]
    tokens = client.Tokens(links)
    work = client.signer(tokens, "/f", client.signature_data_url())
    tally = client.closed_loop(2, 60, work, floor_port, 10)
    assert tally.errors == []
    assert sorted(tally.acknowledged) == sorted(links)
    assert tokens.used == len(links)


def test_a_refused_signature_is_counted_as_an_error_not_acknowledged(floor_port):
    tally, http = client.Tally(), client.Client(floor_port, 10)
    signed = client.sign_once(http, "/f/unknown", "data:,", tally, arrival=0.0)
    http.close()
    assert not signed
    assert tally.errors == ["GET 404 without csrf_token"]
    assert tally.acknowledged == {}

import pytest
from sqlalchemy import text

from bench.apel import data


def test_every_acknowledged_signature_stored_once_with_its_number_is_exactly_once():
    check = data.compare({1: "A-1", 2: ""}, {1: ["A-1"], 2: ["A-2"]})
    assert check.exactly_once
    assert (check.acknowledged, check.stored) == (2, 2)


def test_a_signature_stored_twice_is_a_duplicate():
    check = data.compare({1: "A-1"}, {1: ["A-1", "A-9"]})
    assert check.duplicates == 1
    assert not check.exactly_once


def test_an_acknowledged_signature_missing_from_the_database_is_counted():
    check = data.compare({1: "A-1", 2: "A-2"}, {1: ["A-1"]})
    assert check.missing == 1
    assert not check.exactly_once


def test_a_signature_stored_under_another_number_than_shown_is_counted():
    check = data.compare({1: "A-1"}, {1: ["A-7"]})
    assert check.mismatched == 1
    assert not check.exactly_once


def test_a_stored_signature_nobody_saw_acknowledged_is_reported_apart():
    check = data.compare({1: "A-1"}, {1: ["A-1"], 2: ["A-2"]})
    assert check.unacknowledged == 1
    assert check.exactly_once


def test_writes_and_bytes_per_signature_leave_the_skipped_tables_out():
    before = {"signature": (10, 8192), "floor_signature": (0, 0)}
    after = {"signature": (30, 16384), "tally": (20, 8192), "floor_signature": (500, 99999)}
    assert data.per_signature(before, after, {"floor_signature"}, 20) == {
        "writes": 2.0,
        "bytes": 819.2,
    }


def test_the_bench_loads_a_link_for_everyone(bench_site):
    url, token_ids = bench_site
    assert len(token_ids) == 6
    assert data.stored_numbers(url, list(token_ids.values())) == {}


def test_the_written_tables_are_analyzed_where_autovacuum_would(bench_site):
    # CI's PostgreSQL runs without autovacuum: the bench then analyzes the tables the load
    # writes itself, so that the planner does not keep its plans for empty tables.
    url, _token_ids = bench_site
    if not url.startswith("postgresql"):
        pytest.skip("PostgreSQL's statistics (PAKTA_TEST_DATABASE_URL is not set)")
    counters = data.Counters(url)
    analyzed = text(
        "SELECT count(*) FROM pg_stat_user_tables WHERE last_analyze IS NOT NULL "
        "AND relname IN ('signature', 'log_entry', 'unit_tally', 'floor_signature')"
    )
    try:
        counters.analyze_written()
        with counters.engine.connect() as connection:
            assert connection.scalar(analyzed) == 4
        assert isinstance(counters.autovacuum(), bool)
    finally:
        counters.dispose()

import json
import math

import pytest

from bench.apel import report
from bench.apel.data import Check

FINE = Check(acknowledged=10, stored=10, missing=0, duplicates=0, mismatched=0, unacknowledged=0)


def figures(**changes):
    made = report.figures(60.0, 100.0, 25.0, [100.0] * 20, [40.0] * 20, 0, FINE)
    made.update(changes)
    return made


def failed(made: dict) -> list[str]:
    return [target.name for target in report.targets(made) if not target.passed]


def test_the_last_line_carries_every_figure_the_issue_asks_for():
    line = json.loads(json.dumps(figures()))
    asked = {"signatures_per_s", "floor_per_s", "capacity_ratio", "paced_rate", "paced_p95_ms"}
    asked |= {"errors", "acknowledged", "stored", "duplicates"}
    assert asked <= line.keys()
    assert line["capacity_ratio"] == 0.6


def test_a_run_within_every_target_passes_them_all():
    assert failed(figures()) == []


@pytest.mark.parametrize(
    ("changes", "target"),
    [
        ({"capacity_ratio": 0.49}, "capacity >= 0.5 of the floor's"),
        ({"paced_p95_ms": 250.0}, "p95 from arrival at 25/s < 250 ms"),
        ({"paced_p95_ms": math.nan}, "p95 from arrival at 25/s < 250 ms"),
        ({"errors": 1}, "0 errors"),
        ({"duplicates": 1}, "every acknowledged signature stored exactly once"),
        ({"stored": 9}, "every acknowledged signature stored exactly once"),
    ],
)
def test_a_run_short_of_a_target_fails_that_target(changes, target):
    assert failed(figures(**changes)) == [target]


def test_the_p95_from_arrival_is_the_nearest_rank_of_the_paced_flows():
    made = report.figures(1, 2, 25.0, [float(ms) for ms in range(1, 101)], [1.0], 0, FINE)
    assert made["paced_p95_ms"] == 95.0
    assert made["paced_p50_ms"] == 50.0


def test_printed_targets_say_pass_or_fail():
    lines = []
    report.print_targets(figures(errors=3), lines.append)
    assert "  FAIL  0 errors" in lines
    assert "  pass  capacity >= 0.5 of the floor's" in lines

"""What a run prints: percentiles, the CPU each side took, the targets (pass or fail) and
the last line, one JSON object."""

import math
import os
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from bench.apel.data import Check

CAPACITY_RATIO = 0.5  # of the floor's signatures a second
PACED_P95_MS = 250.0


def percentile(values: list[float], p: float) -> float:
    """The nearest-rank percentile; NaN for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = math.ceil(p / 100 * len(ordered))  # the smallest value with p % at or below it
    return ordered[max(0, min(len(ordered), rank) - 1)]


def describe(values: list[float]) -> str:
    return (
        f"p50 {percentile(values, 50):6.1f}  p95 {percentile(values, 95):6.1f}  "
        f"p99 {percentile(values, 99):6.1f}  max {max(values, default=float('nan')):6.1f} ms"
    )


def cpu_line(used: Counter, count: int) -> str:
    """Cores busy during a phase, and CPU milliseconds per signature."""
    wall, per = used["wall"] or 1.0, 1000 / (count or 1)
    return (
        f"  cores busy of {os.cpu_count()}: gunicorn {used['gunicorn'] / wall:.2f}, PostgreSQL "
        f"{used['postgres'] / wall:.2f}, this load generator {used['generator'] / wall:.2f}, "
        f"other processes {used['other'] / wall:.2f}; per signature: gunicorn "
        f"{used['gunicorn'] * per:.1f} ms + PostgreSQL {used['postgres'] * per:.1f} ms CPU"
    )


@dataclass(frozen=True)
class Target:
    name: str
    passed: bool


def targets(figures: dict) -> list[Target]:
    """Issue 13's targets for the real app, judged on a run's figures."""
    return [
        Target(
            f"capacity >= {CAPACITY_RATIO} of the floor's",
            figures["capacity_ratio"] >= CAPACITY_RATIO,
        ),
        Target(
            f"p95 from arrival at {figures['paced_rate']:g}/s < {PACED_P95_MS:.0f} ms",
            figures["paced_p95_ms"] < PACED_P95_MS,  # NaN (nothing acknowledged) fails
        ),
        Target("0 errors", figures["errors"] == 0),
        Target(
            "every acknowledged signature stored exactly once",
            figures["stored"] == figures["acknowledged"]
            and figures["duplicates"] == 0
            and figures["missing"] == 0,
        ),
    ]


def figures(
    signatures_per_s: float,
    floor_per_s: float,
    paced_rate: float,
    paced_flow_ms: list[float],
    paced_post_ms: list[float],
    errors: int,
    check: Check,
) -> dict:
    """The JSON figures; extra keys (measured database writes, rendering) are added after."""
    return {
        "signatures_per_s": round(signatures_per_s, 1),
        "floor_per_s": round(floor_per_s, 1),
        "capacity_ratio": round(signatures_per_s / floor_per_s, 3) if floor_per_s else 0.0,
        "paced_rate": paced_rate,
        "paced_p50_ms": round(percentile(paced_flow_ms, 50), 1),
        "paced_p95_ms": round(percentile(paced_flow_ms, 95), 1),
        "paced_post_p95_ms": round(percentile(paced_post_ms, 95), 1),
        "errors": errors,
        "acknowledged": check.acknowledged,
        "stored": check.stored,
        "duplicates": check.duplicates,
        "missing": check.missing,
    }


def print_targets(figures: dict, out: Callable[[str], object] = print) -> None:
    out("\nTargets (issue 13):")
    for target in targets(figures):
        out(f"  {'pass' if target.passed else 'FAIL'}  {target.name}")


def print_errors(errors: list[str], out: Callable[[str], object] = print) -> None:
    if not errors:
        return
    kinds = Counter(errors)
    out(f"\nErrors: {len(errors)}, by kind:")
    for kind, count in kinds.most_common(8):
        out(f"  {count:6d}  {kind}")

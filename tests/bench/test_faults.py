"""bench/faults.py in a tiny run, so that it cannot rot: a few phones for a few seconds
through every fault, on servers of its own. Its timing target (recovery under 5 s) is the
bench's to judge on a quiet machine, not this test's."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests import servers

pytestmark = pytest.mark.postgresql

BENCH = Path(__file__).resolve().parents[2] / "bench" / "faults.py"
TINY = ["--signers", "4", "--duration", "12", "--employees", "300"]
TINY += ["--postgresql-down", "1", "--redis-down", "1", "--drain-timeout", "120"]


def test_a_tiny_fault_run_loses_doubles_and_breaks_nothing_and_says_so_in_json():
    servers.skip_unless_runnable("the fault bench")
    done = subprocess.run(
        [sys.executable, str(BENCH), *TINY], capture_output=True, text=True, timeout=420
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    print(result)
    assert result["acknowledged"] > 0
    assert set(result["recovery_s"]) == {"gunicorn_worker", "rq_worker", "postgresql", "redis"}
    assert all(seconds is not None for seconds in result["recovery_s"].values())
    targets = result["targets"]
    assert set(targets) >= {"stored_at_least_acknowledged", "recovery_under_5s"}
    assert targets["stored_at_least_acknowledged"], result
    assert targets["no_duplicates"], result
    assert targets["no_5xx_but_503"], result
    assert targets["503_only_while_database_down"], result
    assert targets["no_certificates_missing"], result

"""What a server process does once its app is built (pakta.serving, wsgi.py)."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_served_app_is_out_of_the_garbage_collectors_way(tmp_path):
    # gunicorn imports wsgi.py in each worker: what start-up built is frozen there, so that
    # the collector's passes do not walk the app's objects on every request.
    script = "import gc; import wsgi; print(gc.get_freeze_count())"
    environment = {key: value for key, value in os.environ.items() if not key.startswith("PAKTA_")}
    environment["PAKTA_INSTANCE_PATH"] = str(tmp_path)
    frozen = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert int(frozen.stdout.split()[-1]) > 50_000

"""The rate limits hold across app processes that keep their counts in one Redis.

Two processes serve one database: this one and ``python -m tests.views.signing_flows``.
Both are behind the same office address. Skipped only when no Redis answers at
PAKTA_TEST_REDIS_URL (default: database 15 on 127.0.0.1:6379).
"""

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import redis
from sqlalchemy import func, select

from pakta import jobs, migrate
from pakta.db import get_session, make_engine
from pakta.models import Signature, Unit
from tests.conftest import TEST_SECRET, fresh_database, make_campaign
from tests.views.signing_flows import add_signers, guess, sign_through_link

REDIS_URL = os.environ.get("PAKTA_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
ROOT = Path(__file__).resolve().parents[2]
SIGNERS = 1000
GUESSES_EACH = 30  # two processes: 60 unknown tokens from one address in all


@pytest.fixture
def redis_url() -> str:
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as error:
        pytest.skip(f"no Redis at {REDIS_URL} ({error}): limits across processes not tested")
    return REDIS_URL


@pytest.fixture
def site_url(tmp_path):
    """A database of its own, committed to, which the other process can read."""
    with fresh_database(tmp_path) as url:
        engine = make_engine(url)
        migrate.upgrade(engine)
        engine.dispose()
        yield url


def other_process(config: dict, signers: list, guesses: int) -> dict:
    job = {"config": config, "signers": signers, "guesses": guesses}
    done = subprocess.run(
        [sys.executable, "-m", "tests.views.signing_flows"],
        input=json.dumps(job),
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_two_processes_sharing_redis_let_a_thousand_signers_sign_and_stop_a_guesser(
    redis_url, site_url, limited_app, tmp_path, monkeypatch
):
    monkeypatch.setattr(jobs, "enqueue_certificate", lambda app, signature_id: None)
    # Counts of its own in the shared Redis: other runs from 127.0.0.1 cannot add to them.
    prefix = f"test-{uuid.uuid4().hex}"
    app = limited_app(
        redis_url, own_database=True, DATABASE_URL=site_url, RATELIMIT_KEY_PREFIX=prefix
    )
    with app.app_context():
        session = get_session()
        unit = Unit(code="DINKES", name="Dinas Kesehatan")
        session.add(unit)
        signers = add_signers(session, unit, make_campaign(session), SIGNERS)
    half = SIGNERS // 2
    config = {
        "ENV": "testing",
        "DATABASE_URL": site_url,
        "SECRET_KEY": TEST_SECRET,
        "INSTANCE_PATH": str(tmp_path / "other-process"),
        "WTF_CSRF_ENABLED": False,
        "SERVER_NAME": None,
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_STORAGE_URI": redis_url,
        "RATELIMIT_KEY_PREFIX": prefix,
    }

    client = app.test_client()
    ours = [sign_through_link(client, token, name) for token, name in signers[half:]]
    # The other process guesses last, so that all 60 tries fall within one minute.
    theirs = other_process(config, signers[:half], GUESSES_EACH)
    our_guesses = guess(client, GUESSES_EACH, start=GUESSES_EACH)

    assert theirs["signing"] + ours == [[200, 303, 200]] * SIGNERS
    # This process counts the other one's failures: the guesser is stopped before its 60th.
    tries = theirs["guesses"] + our_guesses
    assert theirs["guesses"] == [404] * GUESSES_EACH
    assert 429 in our_guesses and tries.index(429) < 59
    with app.app_context():
        assert get_session().scalar(select(func.count()).select_from(Signature)) == SIGNERS

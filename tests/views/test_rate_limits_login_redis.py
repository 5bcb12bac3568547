"""Failed logins are counted in Redis when it is configured, so every worker sees them.

Skipped only when no Redis answers at PAKTA_TEST_REDIS_URL (default: database 15 on
127.0.0.1:6379).
"""

import redis

from pakta import create_app
from pakta.db import database
from pakta.security import ACCOUNT_BACKOFF, hashed_key
from tests.conftest import PASSWORD
from tests.views.test_rate_limits_redis import redis_url  # noqa: F401  (skips without Redis)


def test_failed_logins_are_counted_in_redis_where_every_worker_sees_them(
    redis_url,  # noqa: F811
    limited_app,
    admin_user,
    tmp_path,
):
    # No key prefix of its own: Flask-Limiter keeps the first prefix it is given for good,
    # and test_rate_limits_redis needs its own.
    first = limited_app(redis_url)
    allowed = int(ACCOUNT_BACKOFF.split()[0])
    for n in range(allowed):
        wrong = first.test_client().post(
            "/masuk",
            data={"email": admin_user.email, "password": "guess"},
            environ_base={"REMOTE_ADDR": f"10.0.0.{n}"},
        )
        assert wrong.status_code == 422
    # Another worker: an app whose limiter connects to Redis afresh, with nothing in memory.
    second = create_app({**first.config, "INSTANCE_PATH": tmp_path / "second-worker"})
    refused = second.test_client().post(
        "/masuk",
        data={"email": admin_user.email, "password": PASSWORD},
        environ_base={"REMOTE_ADDR": "10.9.9.9"},
    )
    assert refused.status_code == 429
    with second.app_context():
        account = hashed_key("account", admin_user.email)
    assert redis.Redis.from_url(redis_url).keys(f"*/{account}/account-failures/*")
    database(second).engine.dispose()

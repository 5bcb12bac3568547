"""Rate limits: on unless an app says otherwise, and counting while their Redis is down."""

from pakta import create_app
from pakta.db import database
from pakta.views.signing import LINK_LIMIT


def test_rate_limits_keep_counting_in_memory_while_redis_is_down(limited_app, token, closed_port):
    client = limited_app(f"redis://127.0.0.1:{closed_port}/4").test_client()
    allowed = int(LINK_LIMIT.split()[0])
    statuses = [client.get(f"/s/{token}").status_code for _ in range(allowed + 1)]
    assert statuses == [200] * allowed + [429]
    # The shared limiter goes back to a storage that answers, which the fixture resets.
    limited_app()


def test_an_app_that_does_not_say_otherwise_has_limits_on_after_one_that_had_them_off(
    app, app_variant, tmp_path
):
    from pakta.security import limiter

    settings = {name: value for name, value in app.config.items() if name != "RATELIMIT_ENABLED"}
    before = limiter.enabled
    try:
        app_variant(RATELIMIT_ENABLED=False)
        production_like = create_app({**settings, "INSTANCE_PATH": tmp_path / "on"})
        assert production_like.config["RATELIMIT_ENABLED"] is True
        assert limiter.enabled is True
        database(production_like).engine.dispose()
    finally:
        limiter.enabled = before

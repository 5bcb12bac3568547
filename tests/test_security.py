"""Rate limits while their Redis is down."""

from pakta.views.signing import LINK_LIMIT


def test_rate_limits_keep_counting_in_memory_while_redis_is_down(limited_app, token, closed_port):
    client = limited_app(f"redis://127.0.0.1:{closed_port}/4").test_client()
    allowed = int(LINK_LIMIT.split()[0])
    statuses = [client.get(f"/s/{token}").status_code for _ in range(allowed + 1)]
    assert statuses == [200] * allowed + [429]
    # The shared limiter goes back to a storage that answers, which the fixture resets.
    limited_app()

"""The time that session expiry and one-time codes go by.

Tests put a callable in ``app.config["CLOCK"]`` to move time without sleeping; production
leaves it unset and reads the system clock.
"""

from datetime import datetime

from flask import current_app

from pakta.models import utcnow


def now() -> datetime:
    clock = current_app.config.get("CLOCK")
    return clock() if clock is not None else utcnow()

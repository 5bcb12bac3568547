"""Times are stored in UTC and shown in the instance's zone (WIB by default)."""

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import current_app


def local_zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["TIMEZONE"])


def parse_local_datetime(text: str) -> datetime:
    """An ISO time; one without an offset is read in the instance's zone."""
    value = datetime.fromisoformat(text.strip())
    if value.tzinfo is None:
        value = value.replace(tzinfo=local_zone())
    return value


def to_local(value: datetime) -> datetime:
    return value.astimezone(local_zone())


def format_local(value: datetime) -> str:
    local = to_local(value)
    return local.strftime("%Y-%m-%d %H:%M ") + (local.tzname() or "")

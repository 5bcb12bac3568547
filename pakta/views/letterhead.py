"""Who a page names as its issuer: the campaign's own authority, else the Pemda's settings,
else the environment's defaults (``services.pemda``)."""

from flask import current_app

from pakta.db import get_session
from pakta.models import Campaign
from pakta.services import pemda


def defaults() -> pemda.Defaults:
    return pemda.Defaults.from_config(current_app.config)


def issuer_name(campaign: Campaign | None) -> str:
    return pemda.issuer_name(get_session(), campaign, defaults())


def letterhead(campaign: Campaign | None) -> pemda.Letterhead:
    return pemda.letterhead(get_session(), campaign, defaults())

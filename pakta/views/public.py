"""The public face: the pact as it stands, for anyone to read."""

from flask import Blueprint, render_template

from pakta.db import get_session
from pakta.services import campaigns

bp = Blueprint("public", __name__)


@bp.get("/")
def index():
    campaign = campaigns.current_campaign(get_session())
    return render_template("public/index.html", campaign=campaign)


@bp.get("/healthz")
def health():
    return {"status": "ok"}

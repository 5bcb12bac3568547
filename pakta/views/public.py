"""The public face: the pact as it stands, for anyone to read."""

from flask import Blueprint, current_app, make_response, render_template, request

from pakta.db import database, get_session
from pakta.models import utcnow
from pakta.security import limiter
from pakta.services import campaigns, health, rollups
from pakta.views.letterhead import issuer_name

bp = Blueprint("public", __name__)


@bp.get("/")
def index():
    campaign = campaigns.current_campaign(get_session())
    return render_template(
        "public/index.html", campaign=campaign, issuer_name=issuer_name(campaign)
    )


@bp.get("/healthz")
@limiter.exempt
def alive():
    """The process answers: for restarting a hung one. Touches no database on purpose, so
    a database outage does not get every node restarted."""
    return {"status": "ok"}


@bp.get("/readyz")
@limiter.exempt
def ready():
    """Whether to send this node traffic: the database answers, its schema is current, and
    Redis answers when configured. Names the failed checks, never their errors."""
    checks = health.readiness(database().engine, current_app.config["REDIS_URL"])
    failed = [check.name for check in checks if not check.ok]
    body = {
        "status": "unavailable" if failed else "ok",
        "checks": {check.name: "ok" if check.ok else "failed" for check in checks},
    }
    response = make_response(body, 503 if failed else 200)
    response.headers["Cache-Control"] = "no-store"
    return response


# The figures move with every signature; a minute is stale enough for anyone.
TRANSPARENCY_CACHE = "public, max-age=60"


@bp.get("/transparansi")
def transparency():
    """Each OPD's sign-up rate, for citizens and the election supervisor: no names, no people.

    The OPDs are the units right under the Pemda's root, with everything below
    them rolled up. The admin can switch the page off per campaign.
    """
    db = get_session()
    slug = request.args.get("campaign")
    campaign = campaigns.get_campaign(db, slug) if slug else campaigns.current_campaign(db)
    published = [c for c in campaigns.list_campaigns(db) if c.public_rollup]
    if campaign is None or not campaign.public_rollup:
        response = make_response(
            render_template("public/transparency.html", campaign=None, published=published), 404
        )
    else:
        rows = rollups.unit_rollups(db, campaign.id)
        opds = sorted(
            (row for row in rows if row.depth == 1 and row.total.roster),
            key=lambda row: row.name.casefold(),
        )
        response = make_response(
            render_template(
                "public/transparency.html",
                campaign=campaign,
                issuer_name=issuer_name(campaign),
                opds=opds,
                overall=rollups.overall(rows),
                generated_at=utcnow(),
                published=published,
            )
        )
    response.headers["Cache-Control"] = TRANSPARENCY_CACHE
    return response

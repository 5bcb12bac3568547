"""The transparency logs' signed checkpoints, public: for Bawaslu, the Inspektorat or anyone
to keep copies and later hold the instance to them (`pakta audit verify --checkpoint`)."""

from flask import Blueprint, abort, render_template

from pakta.db import get_session
from pakta.models import LogCheckpoint
from pakta.security import limiter
from pakta.services.transparency_log import checkpoints

bp = Blueprint("transparency_log", __name__, url_prefix="/transparansi/checkpoint")

# One page is plenty: each checkpoint is a few lines, an hourly rhythm makes ~200 a week.
SHOWN = 200


@bp.get("")
@limiter.limit("60 per minute")
def checkpoint_list():
    rows = checkpoints.recent(get_session(), SHOWN)
    response = render_template("public/checkpoints.html", checkpoints=rows)
    return response, 200, {"Cache-Control": "public, max-age=60"}


@bp.get("/<int:checkpoint_id>.txt")
@limiter.limit("120 per minute")
def checkpoint_file(checkpoint_id: int):
    row = get_session().get(LogCheckpoint, checkpoint_id)
    if row is None:
        abort(404)
    headers = {
        "Content-Type": "text/plain; charset=utf-8",
        "Content-Disposition": f'attachment; filename="{checkpoints.file_name(row)}"',
        # A checkpoint never changes once signed.
        "Cache-Control": "public, max-age=86400, immutable",
    }
    return row.note, 200, headers

"""Uploads that wait between a preview and its confirmation: rosters and unit trees."""

import secrets
from datetime import timedelta

from flask import abort
from flask_login import current_user
from sqlalchemy import select

from pakta.db import get_session
from pakta.models import RosterUpload, utcnow

UPLOAD_LIFETIME = timedelta(hours=2)


def check_may_import() -> None:
    """Admins import for the whole Pemda, operators for their own unit and those below it."""
    if not current_user.is_admin and current_user.unit_id is None:
        abort(403)


def store_upload(content: bytes, filename: str, kind: str) -> RosterUpload:
    """Keeps an uploaded file for its preview; commits."""
    db = get_session()
    pending = RosterUpload(
        token=secrets.token_urlsafe(32),
        uploaded_by_id=current_user.id,
        filename=filename[:255],
        content=content,
        kind=kind,
    )
    db.add(pending)
    db.commit()
    return pending


def pending_upload(token: str, kind: str) -> RosterUpload:
    """The current user's unspent, recent upload of ``kind``; 404 for anything else."""
    upload = get_session().scalar(select(RosterUpload).where(RosterUpload.token == token))
    if (
        upload is None
        or upload.kind != kind
        or upload.uploaded_by_id != current_user.id
        or upload.applied_at is not None
        or upload.created_at < utcnow() - UPLOAD_LIFETIME
    ):
        abort(404)
    return upload


def spend(upload: RosterUpload) -> None:
    """Marks an upload applied; its content lives in the tables now, so no copy is kept."""
    upload.applied_at = utcnow()
    upload.content = b""

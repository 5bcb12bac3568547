"""Uploads that wait between a preview and its confirmation: rosters and unit trees."""

import secrets
from collections.abc import Callable
from datetime import timedelta

from flask import abort
from flask_login import current_user
from sqlalchemy import select

from pakta.db import get_session
from pakta.models import RosterUpload, utcnow
from pakta.services.roster import RosterFileError, RosterTable
from pakta.services.roster.stored import dump_table, load_table

UPLOAD_LIFETIME = timedelta(hours=2)


def check_may_import() -> None:
    """Admins import for the whole Pemda, operators for their own unit and those below it."""
    if not current_user.is_admin and current_user.unit_id is None:
        abort(403)


Reader = Callable[[bytes, str], RosterTable]


def accept_upload(field, read: Reader, kind: str) -> RosterUpload | None:
    """Keeps what ``read`` makes of the file of the form's ``field`` for its preview;
    if it cannot read it, puts why not on the field and returns None."""
    content = field.data.read()
    filename = field.data.filename or kind
    try:
        table = read(content, filename)
    except RosterFileError as error:
        field.errors.append(str(error))
        return None
    return store_upload(dump_table(table), filename, kind)


def upload_table(upload: RosterUpload, read: Reader) -> RosterTable:
    """The table read on upload; an upload kept before tables were (its file) is read now."""
    return load_table(upload.content) or read(upload.content, upload.filename)


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

"""Issuing one signer's certificate away from the signing request.

The signature row is committed before anything asks for its certificate, and a certificate
is only ever produced from committed rows, so nothing is lost when a job is lost with its
process (a restart or a crash between signing and rendering): the next visit to the done page
asks again, and the download link issues the certificate itself when it still has none.

Issuing goes through ``bulk.issue_missing``: render and seal in a read
transaction, then store in a short write transaction that first checks that nobody stored one
meanwhile (the signer's own download, an export). That keeps SQLite's busy-snapshot refusal
away from a render that raced a signer's commit, and settles every race on one stored file.
"""

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from pakta.db import database
from pakta.models import IssuedCertificate, Signature
from pakta.services.certificates import bulk, issuing

log = logging.getLogger(__name__)

SessionFactory = Callable[[], Session]

# The done page shows "being prepared" at most this long after signing: past it, its status
# endpoint issues the certificate itself rather than wait for a job that may never come.
PREPARING_LIMIT = timedelta(minutes=1)


def preparing_too_long(signed_at: datetime, now: datetime) -> bool:
    """Whether a certificate still missing at ``now`` has been prepared for too long."""
    return now - signed_at > PREPARING_LIMIT


def is_issued(session: Session, signature_id: int) -> bool:
    """Whether the signature has its stored certificate (without loading the PDF)."""
    found = session.scalar(
        select(IssuedCertificate.id).where(IssuedCertificate.signature_id == signature_id)
    )
    return found is not None


def own_sessions(app: Flask) -> SessionFactory:
    """Sessions on a connection of their own from the app's pool: never a request's."""
    db = database(app)
    return partial(db.sessionmaker, bind=db.engine)


def issue_certificate(
    app: Flask, signature_id: int, make_session: SessionFactory | None = None
) -> bool:
    """Issue and commit the certificate of one signature unless it has one.

    Runs in an app context of ``app`` (pushed here: rendering needs the templates) with
    sessions from ``make_session`` (default: ``own_sessions(app)``). Returns True when the
    signature has its certificate afterwards, False when there is no such (committed)
    signature. Other errors propagate: the caller logs them, or RQ marks the job failed.
    """
    make_session = make_session or own_sessions(app)
    with app.app_context():
        with make_session() as session:
            signed = session.scalar(select(Signature.id).where(Signature.id == signature_id))
            done = signed is not None and is_issued(session, signature_id)
        if signed is None:
            log.warning("certificate job: there is no signature %s", signature_id)
            return False
        if not done:
            bulk.issue_missing(make_session, [signature_id], issuing.issuer_for_app())
        return True


def issue_certificates(
    app: Flask, signature_ids: list[int], make_session: SessionFactory | None = None
) -> bulk.Batch:
    """Issue and commit the certificates of many signatures at once (``bulk.issue_batch``):
    what a batch job runs. Each certificate is all or nothing on its own; the result says
    which failed, for the caller to ask again."""
    make_session = make_session or own_sessions(app)
    with app.app_context():
        batch = bulk.issue_batch(make_session, signature_ids, issuing.issuer_for_app())
    if batch.absent:
        log.warning("certificate batch: there are no signatures %s", batch.absent)
    return batch


def warm_up(app: Flask, make_session: SessionFactory | None = None) -> bool:
    """Produce, and throw away, the newest signature's certificate, storing nothing.

    ``pakta worker`` forks a fresh process for every job; a fork inherits what its parent
    has loaded, so a parent warmed this way hands each job the imported renderer, the
    fonts, the parsed stylesheets, the scaled logo and the seal's parsed key instead
    of making it build them again (about 275 ms of each job, against 50-65 ms warm).
    Before the first signature, it loads the renderer and the seal without one. Returns
    False when warming up failed (missing keys, say): it is logged, and the jobs will fail
    with the same cause, where RQ records it.
    """
    make_session = make_session or own_sessions(app)
    try:
        with app.app_context(), make_session() as session:
            issuer = issuing.issuer_for_app()
            newest = session.scalar(select(Signature).order_by(Signature.id.desc()).limit(1))
            if newest is None:
                issuing.warm_up(issuer)
            else:
                issuing.produce(session, newest, issuer)
    except Exception:  # a worker that cannot warm up still starts; its jobs say why
        log.exception("certificate worker: warming up failed")
        return False
    finally:
        # The forked jobs must open connections of their own, not share the parent's.
        database(app).engine.dispose()
    return True

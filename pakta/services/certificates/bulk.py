"""A campaign's certificates in bulk: a ZIP of PDFs, issuing the missing ones on every core.

Certificates already issued go into the ZIP exactly as stored. Missing ones are issued first,
by a pool of worker processes (``ProcessPoolExecutor``, spawned, so no connection, lock or
thread is inherited): each worker builds its own app with ``create_app`` from the parent app's
configuration, issues a chunk of signatures with its own database session, commits each
certificate, and returns the signature ids; the parent then reads those stored PDFs from the
database into the ZIP, as ``<unit code>/<certificate number>.pdf``.

Issuing here is ``issuing.issue`` split in two transactions, because two SQLite writers
cannot each hold a read transaction across a render and then write: SQLite refuses at once
(busy snapshot) to turn a read transaction into a write one after another writer committed.
So a certificate is rendered and sealed in a read transaction, which then ends, and stored in
a short write transaction (``BEGIN IMMEDIATE`` on SQLite, which does wait out the busy
timeout) that first checks nobody stored one meanwhile (a signer downloading theirs, another
export). PostgreSQL needs none of this, and the unique signature id settles any race.

Spawned workers import the caller's ``__main__`` module again, as ``multiprocessing`` does: a
script that calls ``export_zip`` must keep its work under ``if __name__ == "__main__":``
(``pakta``'s own command line and ``bench/certificates.py`` do).
"""

import logging
import math
import os
import re
import zipfile
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path
from typing import BinaryIO
from zoneinfo import ZoneInfo

from flask import Flask
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from pakta import config as settings
from pakta.db import begin_write, database
from pakta.files import atomic_writer
from pakta.keys import certificate as certificate_keys
from pakta.models import Campaign, IssuedCertificate, Signature, Unit
from pakta.services.certificates import issuing

__all__ = [
    "Batch",
    "Entry",
    "entries",
    "export_zip",
    "issue_batch",
    "issue_missing",
    "worker_config",
]

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]

MAX_CHUNK = 8  # signatures a worker issues per task: small, so progress moves and loads balance
READ_BATCH = 50  # stored PDFs read from the database at a time
_UNSAFE = re.compile(r"[^0-9A-Za-z._-]+")


@dataclass(frozen=True)
class Entry:
    signature_id: int
    unit_code: str
    certificate_number: str
    issued: bool

    @property
    def name(self) -> str:
        """The file's name in the ZIP; never an absolute path or one that climbs out."""
        return f"{_safe(self.unit_code)}/{_safe(self.certificate_number)}.pdf"


def _safe(part: str) -> str:
    return _UNSAFE.sub("_", part).lstrip(".") or "_"


def entries(session: Session, campaign_id: int, unit_ids: set[int] | None) -> list[Entry]:
    """The campaign's valid signatures made in ``unit_ids`` (None: in every unit), by unit and
    number: a revoked certificate is void and left out.

    A signature belongs to the unit it was signed in (the one its certificate prints), even
    if the signer has moved since.
    """
    stmt = (
        select(
            Signature.id,
            Unit.code,
            Signature.certificate_number,
            IssuedCertificate.id.is_not(None),
        )
        .join(Unit, Unit.id == Signature.unit_id)
        .outerjoin(IssuedCertificate, IssuedCertificate.signature_id == Signature.id)
        .where(Signature.campaign_id == campaign_id, Signature.is_valid)
        .order_by(Unit.code, Signature.certificate_number)
    )
    if unit_ids is not None:
        if not unit_ids:
            return []
        stmt = stmt.where(Signature.unit_id.in_(sorted(unit_ids)))
    return [Entry(*row) for row in session.execute(stmt)]


# -- issuing ------------------------------------------------------------------------------


# What a certificate prints, in the query that reads the signature instead of in one lazy
# load each (in a worker every job reads its signature afresh).
CERTIFICATE_ROWS = (
    joinedload(Signature.campaign).undefer(Campaign.logo),
    joinedload(Signature.employee),
    joinedload(Signature.unit),
    joinedload(Signature.pact_text),
)


def _produce(
    session: Session, signature_id: int, issuer: issuing.Issuer, signer
) -> IssuedCertificate | None:
    """The certificate ``issuing.issue`` would store, not stored; None if one exists."""
    signature = session.get(Signature, signature_id, options=CERTIFICATE_ROWS)
    if signature is None:
        raise LookupError(f"there is no signature {signature_id}")
    if issuing.issued(session, signature) is not None:
        return None
    return issuing.produce(session, signature, issuer, signer)


def _store(session: Session, certificate: IssuedCertificate) -> None:
    """Store it unless another one was stored meanwhile (that one is then the certificate)."""
    begin_write(session)
    exists = session.scalar(
        select(IssuedCertificate.id).where(
            IssuedCertificate.signature_id == certificate.signature_id
        )
    )
    if exists is not None:
        session.rollback()
        return
    session.add(certificate)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()


def issue_missing(
    make_session: Callable[[], Session],
    signature_ids: Iterable[int],
    issuer: issuing.Issuer,
    on_done: Callable[[int], None] | None = None,
) -> list[int]:
    """Issue and commit the certificates of ``signature_ids`` that have none; needs an app
    context (for the template). Returns the ids, each of which now has a stored certificate."""
    done = []
    with make_session() as session:
        signer = certificate_keys.signer(session, issuer.instance_path, issuer.signing_key_pem)
        session.rollback()
        for signature_id in signature_ids:
            certificate = _produce(session, signature_id, issuer, signer)
            session.rollback()  # end the read transaction before asking for the write lock
            if certificate is not None:
                _store(session, certificate)
            done.append(signature_id)
            if on_done is not None:
                on_done(signature_id)
    return done


@dataclass(frozen=True)
class Batch:
    """What ``issue_batch`` did with each signature it was given."""

    issued: list[int]  # now have a stored certificate (stored here or before)
    absent: list[int]  # there is no such signature
    failed: list[int]  # could not be produced or stored this time


def issue_batch(
    make_session: Callable[[], Session], signature_ids: Iterable[int], issuer: issuing.Issuer
) -> Batch:
    """Issue and commit the certificates of ``signature_ids`` that have none, reading them in
    one query and storing them in one write transaction; needs an app context.

    Each certificate is all or nothing on its own: one that fails to render or to store
    (a savepoint each) is logged and reported in ``failed``, and the others are stored. A
    certificate stored meanwhile by someone else is kept, as in ``issue_missing``.
    """
    wanted = list(dict.fromkeys(signature_ids))
    produced: list[IssuedCertificate] = []
    failed: list[int] = []
    with make_session() as session:
        signer = certificate_keys.signer(session, issuer.instance_path, issuer.signing_key_pem)
        found = {
            signature.id: signature
            for signature in session.scalars(
                select(Signature).where(Signature.id.in_(wanted)).options(*CERTIFICATE_ROWS)
            ).unique()
        }
        stored = _stored_ids(session, list(found))
        for signature_id in wanted:
            if signature_id not in found or signature_id in stored:
                continue
            try:
                produced.append(issuing.produce(session, found[signature_id], issuer, signer))
            except Exception:
                log.exception("the certificate of signature %s could not be made", signature_id)
                failed.append(signature_id)
        session.rollback()  # end the read transaction before asking for the write lock
        if produced:
            failed += _store_each(session, produced)
    absent = [signature_id for signature_id in wanted if signature_id not in found]
    issued = [i for i in wanted if i in found and i not in failed]
    return Batch(issued=issued, absent=absent, failed=failed)


def _stored_ids(session: Session, signature_ids: list[int]) -> set[int]:
    return set(
        session.scalars(
            select(IssuedCertificate.signature_id).where(
                IssuedCertificate.signature_id.in_(signature_ids)
            )
        )
    )


def _store_each(session: Session, certificates: list[IssuedCertificate]) -> list[int]:
    """Store each certificate in a savepoint of one transaction, unless one was stored
    meanwhile; returns the signature ids whose certificate could not be stored."""
    begin_write(session)
    taken = _stored_ids(session, [certificate.signature_id for certificate in certificates])
    failed = []
    for certificate in certificates:
        if certificate.signature_id in taken:
            continue
        try:
            with session.begin_nested():
                session.add(certificate)
        except IntegrityError:
            # Stored by someone else between our check and our insert: theirs stands.
            continue
        except Exception:
            signature_id = certificate.signature_id
            log.exception("the certificate of signature %s could not be stored", signature_id)
            failed.append(signature_id)
    session.commit()
    return failed


def worker_config(app: Flask) -> dict:
    """The configuration a worker process builds the same app from."""
    config = {name: app.config[name] for name in settings.DEFAULTS}
    config["INSTANCE_PATH"] = app.instance_path
    return config


_worker_app: Flask | None = None


def _start_worker(config: Mapping) -> None:
    global _worker_app
    from pakta import create_app

    _worker_app = create_app(dict(config))


def _issue_chunk(signature_ids: list[int]) -> list[int]:
    app = _worker_app
    assert app is not None, "the worker was not started with _start_worker"
    with app.app_context():
        issuer = issuing.issuer_for_app()
        return issue_missing(database(app).sessionmaker, signature_ids, issuer)


# -- the ZIP ------------------------------------------------------------------------------


class _Writer:
    """Copies stored PDFs into the ZIP and reports progress."""

    def __init__(self, app: Flask, archive: zipfile.ZipFile, total: int, progress: Progress | None):
        self.app, self.archive, self.total, self.progress = app, archive, total, progress
        self.zone = ZoneInfo(app.config["TIMEZONE"])
        self.written = 0

    def write(self, batch: list[Entry]) -> None:
        by_id = {entry.signature_id: entry for entry in batch}
        with database(self.app).sessionmaker() as session:
            for start in range(0, len(batch), READ_BATCH):
                ids = [entry.signature_id for entry in batch[start : start + READ_BATCH]]
                rows = session.execute(
                    select(
                        IssuedCertificate.signature_id,
                        IssuedCertificate.pdf,
                        IssuedCertificate.created_at,
                    ).where(IssuedCertificate.signature_id.in_(ids))
                ).all()
                session.rollback()
                if len(rows) != len(ids):
                    missing = sorted(set(ids) - {row[0] for row in rows})
                    raise RuntimeError(f"signatures without a stored certificate: {missing}")
                for signature_id, pdf, created_at in sorted(rows, key=lambda row: row[0]):
                    local = created_at.astimezone(self.zone)
                    info = zipfile.ZipInfo(by_id[signature_id].name, local.timetuple()[:6])
                    info.compress_type = zipfile.ZIP_STORED  # PDF streams are compressed already
                    info.external_attr = 0o644 << 16
                    self.archive.writestr(info, pdf)
                    self.written += 1
                if self.progress is not None:
                    self.progress(self.written, self.total)


def export_zip(
    app: Flask,
    campaign_id: int,
    unit_ids: set[int] | None,
    out: BinaryIO | str | os.PathLike,
    *,
    workers: int | None = None,
    progress: Progress | None = None,
) -> int:
    """Write the certificates of a campaign's signatures in ``unit_ids`` (None: all) as a ZIP.

    Missing certificates are issued, and committed, on ``workers`` processes (default: one a
    CPU; 1 issues them in this process, in an app context of ``app``). ``progress(done,
    total)`` is called as certificates go into the ZIP, ending with ``(total, total)``.
    Returns the number of PDFs written. ``out`` is a writable binary file or a path; a path
    only appears once the ZIP is complete. The ZIP lists the certificates issued before,
    by unit and number, then the others as they are issued.
    """
    if isinstance(out, str | os.PathLike):
        return _to_path(Path(out), app, campaign_id, unit_ids, workers, progress)
    with zipfile.ZipFile(out, "w") as archive:
        return _export(archive, app, campaign_id, unit_ids, workers, progress)


def _to_path(path: Path, app, campaign_id, unit_ids, workers, progress) -> int:
    # Mode 0600: the certificates print full NIPs.
    with atomic_writer(path, mode=0o600) as handle, zipfile.ZipFile(handle, "w") as archive:
        return _export(archive, app, campaign_id, unit_ids, workers, progress)


def _export(archive, app, campaign_id, unit_ids, workers, progress) -> int:
    with database(app).sessionmaker() as session:
        found = entries(session, campaign_id, unit_ids)
    writer = _Writer(app, archive, len(found), progress)
    if not found:
        if progress is not None:
            progress(0, 0)
        return 0
    writer.write([entry for entry in found if entry.issued])
    missing = [entry for entry in found if not entry.issued]
    if missing:
        _issue_and_write(app, missing, writer, workers or os.cpu_count() or 1)
    return writer.written


def _issue_and_write(app: Flask, missing: list[Entry], writer: _Writer, workers: int) -> None:
    with app.app_context():
        issuer = issuing.issuer_for_app()
        # Fail here, before any process starts, when keys are missing.
        with database(app).sessionmaker() as session:
            certificate_keys.signer(session, issuer.instance_path, issuer.signing_key_pem)
        issuing.seal_signer(issuer)
        processes = min(workers, len(missing))
        if processes <= 1:
            by_id = {entry.signature_id: entry for entry in missing}
            issue_missing(
                database(app).sessionmaker,
                list(by_id),
                issuer,
                on_done=lambda signature_id: writer.write([by_id[signature_id]]),
            )
            return
    _in_processes(app, missing, writer, processes)


def _in_processes(app: Flask, missing: list[Entry], writer: _Writer, processes: int) -> None:
    by_id = {entry.signature_id: entry for entry in missing}
    ids = list(by_id)
    size = max(1, min(MAX_CHUNK, math.ceil(len(ids) / (processes * 4))))
    executor = ProcessPoolExecutor(
        max_workers=processes,
        mp_context=get_context("spawn"),
        initializer=_start_worker,
        initargs=(worker_config(app),),
    )
    try:
        pending = {
            executor.submit(_issue_chunk, ids[start : start + size])
            for start in range(0, len(ids), size)
        }
        while pending:
            finished, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in finished:
                writer.write([by_id[signature_id] for signature_id in future.result()])
    except BaseException:
        executor.shutdown(wait=True, cancel_futures=True)
        raise
    executor.shutdown(wait=True)

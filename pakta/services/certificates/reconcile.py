"""Reconciliation: every valid signature gets its certificate, whatever happened to its job.

A certificate job can be lost in ways no retry sees: Redis emptied, a job that failed every
retry during a longer outage, a worker killed before RQ noticed. The database knows better
than any queue what is missing, so this looks there: each valid (not revoked) signature
older than ``GRACE`` without a stored certificate is asked for again, in batches
(``pakta.jobs.enqueue_certificates``). Asking is idempotent (a signature already waiting in
a job is not asked for twice, and storing settles on one certificate), so running this
often, from several workers at once, costs only the query.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from pakta.models import IssuedCertificate, Signature

# Younger signatures are left to the job their signing asked for.
GRACE = timedelta(minutes=1)


@dataclass(frozen=True)
class Reconciled:
    missing: int  # valid signatures older than the grace without a certificate
    enqueued: int  # asked for with a new job
    waiting: int  # whose job was already waiting or running
    failed: int  # that could not be asked for


def missing(session: Session, *, now: datetime, grace: timedelta = GRACE) -> list[int]:
    """The ids of valid signatures made before ``now - grace`` that have no certificate."""
    return list(
        session.scalars(
            select(Signature.id)
            .where(Signature.is_valid)
            .outerjoin(IssuedCertificate, IssuedCertificate.signature_id == Signature.id)
            .where(IssuedCertificate.id.is_(None), Signature.signed_at < now - grace)
            .order_by(Signature.id)
        )
    )

"""The tamper-evident logs (RFC 6962 Merkle trees) of signing events and the audit trail."""

from pakta.services.transparency_log.events import (
    log_audit_event,
    log_revocation,
    log_signature,
)

__all__ = ["log_audit_event", "log_revocation", "log_signature"]

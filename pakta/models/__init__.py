"""The domain model. Importing this package registers every table on ``Base.metadata``."""

from pakta.models.apel import ApelSession, VerificationAttempt
from pakta.models.api import ApiToken
from pakta.models.audit import AuditEvent
from pakta.models.base import Base, utcnow
from pakta.models.campaign import Campaign, PactText
from pakta.models.certificate import (
    IssuedCertificate,
    RevocationAction,
    RevocationEvent,
    RevocationReason,
    SigningKey,
)
from pakta.models.link import SigningLink
from pakta.models.log import LogCheckpoint, LogEntry, LogHead, LogName
from pakta.models.login import LoginSession, RecoveryCode
from pakta.models.org import Employee, EmploymentType, Unit
from pakta.models.pemda import PemdaProfile
from pakta.models.reminder import Reminder
from pakta.models.roster import RosterUpload
from pakta.models.signature import Signature, SignatureMethod
from pakta.models.tally import UnitTally
from pakta.models.user import Role, User

__all__ = [
    "ApelSession",
    "ApiToken",
    "AuditEvent",
    "Base",
    "Campaign",
    "Employee",
    "EmploymentType",
    "IssuedCertificate",
    "LogCheckpoint",
    "LogEntry",
    "LogHead",
    "LogName",
    "LoginSession",
    "PactText",
    "PemdaProfile",
    "RecoveryCode",
    "Reminder",
    "RevocationAction",
    "RevocationEvent",
    "RevocationReason",
    "Role",
    "RosterUpload",
    "Signature",
    "SignatureMethod",
    "SigningKey",
    "SigningLink",
    "Unit",
    "UnitTally",
    "User",
    "VerificationAttempt",
    "utcnow",
]

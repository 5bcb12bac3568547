"""The transparency logs: append-only Merkle trees over signing events and the audit trail.

Each log (``LogName``) has one ``LogHead`` row: its size and the right edge of its tree
(``Frontier``), locked by every append so that sequence numbers have no gaps and the tree
never forks. Entries keep the exact bytes that were hashed (canonical JSON), so anyone can
recompute the tree. On PostgreSQL a trigger refuses UPDATE and DELETE on entries and
checkpoints (migration 0010).
"""

import enum
from datetime import datetime

from sqlalchemy import Index, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from pakta.models.base import Base, UTCDateTime, enum_type, utcnow


class LogName(enum.StrEnum):
    SIGNING = "signing"
    AUDIT = "audit"


class LogHead(Base):
    __tablename__ = "log_head"

    log: Mapped[LogName] = mapped_column(enum_type(LogName, "log_name"), primary_key=True)
    size: Mapped[int] = mapped_column(default=0)
    # The roots of the perfect subtrees along the right edge, 32 bytes each, largest first.
    frontier: Mapped[bytes] = mapped_column(LargeBinary, default=b"")
    root_hash: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class LogEntry(Base):
    __tablename__ = "log_entry"
    __table_args__ = (
        UniqueConstraint("log", "seq"),
        Index("ix_log_entry_log_subject", "log", "subject"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    log: Mapped[LogName] = mapped_column(enum_type(LogName, "log_name"))
    # 0-based position in the log: the leaf index of the Merkle tree.
    seq: Mapped[int]
    event_type: Mapped[str] = mapped_column(String(32))
    # What the entry is about, for lookups: a certificate number, an audit event's id.
    subject: Mapped[str] = mapped_column(String(64))
    # The canonical JSON (sorted keys, no spaces, UTF-8) whose bytes are the Merkle leaf.
    body: Mapped[str] = mapped_column(Text)
    leaf_hash: Mapped[str] = mapped_column(String(64))
    # The tree's root once this entry was added: the witness copy a certificate prints.
    root_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class LogCheckpoint(Base):
    """A signed statement of a log's size and root (a C2SP signed note), kept as signed."""

    __tablename__ = "log_checkpoint"
    __table_args__ = (Index("ix_log_checkpoint_log_tree_size", "log", "tree_size"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    log: Mapped[LogName] = mapped_column(enum_type(LogName, "log_name"))
    tree_size: Mapped[int]
    root_hash: Mapped[str] = mapped_column(String(64))
    kid: Mapped[str] = mapped_column(String(16))
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    note: Mapped[str] = mapped_column(Text)

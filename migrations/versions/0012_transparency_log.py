"""transparency log: append-only Merkle logs of signing events and the audit trail

The log's entries, its checkpoints and the audit trail refuse UPDATE and DELETE through a
trigger, on PostgreSQL and SQLite alike: only someone who can drop the trigger (the tables'
owner) can rewrite them, and `pakta audit verify` shows what they did. One change is let
through on the audit trail: blanking an event's client address and nothing else, which is
what `pakta purge` does after the retention period (UU 27/2022); the log keeps only a keyed
hash of the address.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 02:50:00
"""

from alembic import op
import sqlalchemy as sa
import pakta.models.base


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

EMPTY_ROOT = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'
APPEND_ONLY = ('log_entry', 'log_checkpoint', 'audit_event')
# The audit trail's columns that a purge must leave as they were.
AUDIT_KEPT = (
    'id', 'occurred_at', 'actor_id', 'actor', 'action', 'target_type', 'target_id', 'details'
)


def upgrade() -> None:
    op.create_table('log_head',
    sa.Column('log', sa.Enum('signing', 'audit', name='log_name', native_enum=False, length=16), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('frontier', sa.LargeBinary(), nullable=False),
    sa.Column('root_hash', sa.String(length=64), nullable=False),
    sa.Column('updated_at', pakta.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('log', name=op.f('pk_log_head'))
    )
    op.create_table('log_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('log', sa.Enum('signing', 'audit', name='log_name', native_enum=False, length=16), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('event_type', sa.String(length=32), nullable=False),
    sa.Column('subject', sa.String(length=64), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('leaf_hash', sa.String(length=64), nullable=False),
    sa.Column('root_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', pakta.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_log_entry')),
    sa.UniqueConstraint('log', 'seq', name=op.f('uq_log_entry_log_seq'))
    )
    op.create_index('ix_log_entry_log_subject', 'log_entry', ['log', 'subject'], unique=False)
    op.create_table('log_checkpoint',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('log', sa.Enum('signing', 'audit', name='log_name', native_enum=False, length=16), nullable=False),
    sa.Column('tree_size', sa.Integer(), nullable=False),
    sa.Column('root_hash', sa.String(length=64), nullable=False),
    sa.Column('kid', sa.String(length=16), nullable=False),
    sa.Column('signed_at', pakta.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_log_checkpoint'))
    )
    op.create_index('ix_log_checkpoint_log_tree_size', 'log_checkpoint', ['log', 'tree_size'], unique=False)
    op.execute(
        "INSERT INTO log_head (log, size, frontier, root_hash, updated_at) VALUES "
        f"('signing', 0, x'', '{EMPTY_ROOT}', CURRENT_TIMESTAMP), "
        f"('audit', 0, x'', '{EMPTY_ROOT}', CURRENT_TIMESTAMP)"
        if op.get_bind().dialect.name == 'sqlite' else
        "INSERT INTO log_head (log, size, frontier, root_hash, updated_at) VALUES "
        f"('signing', 0, '\\x'::bytea, '{EMPTY_ROOT}', CURRENT_TIMESTAMP), "
        f"('audit', 0, '\\x'::bytea, '{EMPTY_ROOT}', CURRENT_TIMESTAMP)"
    )
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(
            "CREATE FUNCTION pakta_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME "
            "USING ERRCODE = 'insufficient_privilege'; END $$"
        )
        op.execute(
            "CREATE FUNCTION pakta_audit_purge_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN IF TG_OP = 'UPDATE' AND NEW.ip_address = '' "
            "AND to_jsonb(NEW) - 'ip_address' = to_jsonb(OLD) - 'ip_address' THEN RETURN NEW; "
            "END IF; RAISE EXCEPTION '% is append-only', TG_TABLE_NAME "
            "USING ERRCODE = 'insufficient_privilege'; END $$"
        )
        for table in APPEND_ONLY:
            guard = 'pakta_audit_purge_only' if table == 'audit_event' else 'pakta_refuse_change'
            op.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION {guard}()"
            )
    else:
        purge_only = " AND ".join(f"NEW.{column} IS OLD.{column}" for column in AUDIT_KEPT)
        for table in APPEND_ONLY:
            for change in ('UPDATE', 'DELETE'):
                allowed = (
                    f" WHEN NOT (NEW.ip_address = '' AND {purge_only})"
                    if (table, change) == ('audit_event', 'UPDATE') else ""
                )
                op.execute(
                    f"CREATE TRIGGER {table}_no_{change.lower()} BEFORE {change} ON {table}"
                    f"{allowed} BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
                )


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        for table in APPEND_ONLY:
            op.execute(f"DROP TRIGGER {table}_append_only ON {table}")
        op.execute("DROP FUNCTION pakta_refuse_change()")
        op.execute("DROP FUNCTION pakta_audit_purge_only()")
    else:
        for table in APPEND_ONLY:
            for change in ('update', 'delete'):
                op.execute(f"DROP TRIGGER {table}_no_{change}")
    op.drop_index('ix_log_checkpoint_log_tree_size', table_name='log_checkpoint')
    op.drop_table('log_checkpoint')
    op.drop_index('ix_log_entry_log_subject', table_name='log_entry')
    op.drop_table('log_entry')
    op.drop_table('log_head')

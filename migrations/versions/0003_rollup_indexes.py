"""rollup indexes

Two indexes the compliance rollups read instead of the tables (services.rollups,
bench/rollups.py): the active roster per unit and employment type, and a
campaign's signatures per unit at signing.

The file is numbered 0003 like certificates_keys_and_revocations, written at
the same time; its revision id is distinct and it comes after that one.

Revision ID: 0003_rollup_indexes
Revises: 0003
Create Date: 2026-11-23 11:45:00.000000
"""

from alembic import op


revision = '0003_rollup_indexes'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('employee', schema=None) as batch_op:
        batch_op.create_index(
            'ix_employee_active_unit_id_employment_type',
            ['active', 'unit_id', 'employment_type'],
            unique=False,
        )
    with op.batch_alter_table('signature', schema=None) as batch_op:
        batch_op.create_index(
            'ix_signature_campaign_id_unit_id_employee_id',
            ['campaign_id', 'unit_id', 'employee_id'],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table('signature', schema=None) as batch_op:
        batch_op.drop_index('ix_signature_campaign_id_unit_id_employee_id')
    with op.batch_alter_table('employee', schema=None) as batch_op:
        batch_op.drop_index('ix_employee_active_unit_id_employment_type')

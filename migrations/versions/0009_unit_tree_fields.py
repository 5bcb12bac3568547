"""unit tree fields: a unit's eselon and kind, and the kind of a pending upload

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 00:30:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('unit', schema=None) as batch_op:
        batch_op.add_column(sa.Column('eselon', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('kind', sa.String(length=64), nullable=True))
    with op.batch_alter_table('roster_upload', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('kind', sa.String(length=16), server_default='roster', nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table('roster_upload', schema=None) as batch_op:
        batch_op.drop_column('kind')
    with op.batch_alter_table('unit', schema=None) as batch_op:
        batch_op.drop_column('kind')
        batch_op.drop_column('eselon')

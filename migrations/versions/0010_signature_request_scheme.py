"""signature request scheme: whether the signer's browser used https

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 02:30:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('signature', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('request_scheme', sa.String(length=8), server_default='', nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table('signature', schema=None) as batch_op:
        batch_op.drop_column('request_scheme')

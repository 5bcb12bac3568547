"""instance settings: the Pemda's name and logo

Revision ID: 0008
Revises: 0006
Create Date: 2026-12-06 23:45:00
"""

from alembic import op
import sqlalchemy as sa
import pakta.models.base


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

# What `pakta campaign create` used to print when no authority was given: a placeholder,
# not a choice. Empty now means "the Pemda's name from the settings".
GENERIC_AUTHORITY = 'Pemerintah Daerah'


def upgrade() -> None:
    op.create_table('pemda_profile',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=255), server_default='', nullable=False),
    sa.Column('logo', sa.LargeBinary(), nullable=True),
    sa.Column('updated_at', pakta.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint('id = 1', name=op.f('ck_pemda_profile_single_row')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pemda_profile'))
    )
    op.execute("INSERT INTO pemda_profile (id, name) VALUES (1, '')")
    campaign = sa.table('campaign', sa.column('issuing_authority', sa.String))
    op.execute(
        campaign.update()
        .where(campaign.c.issuing_authority == GENERIC_AUTHORITY)
        .values(issuing_authority='')
    )


def downgrade() -> None:
    campaign = sa.table('campaign', sa.column('issuing_authority', sa.String))
    op.execute(
        campaign.update()
        .where(campaign.c.issuing_authority == '')
        .values(issuing_authority=GENERIC_AUTHORITY)
    )
    op.drop_table('pemda_profile')

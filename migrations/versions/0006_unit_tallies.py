"""unit tallies: running counts behind the compliance rollups

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 14:10:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

# The same counts as services.tallies.count_from_rows, for every campaign at once.
COUNT_EXISTING = """
INSERT INTO unit_tally (campaign_id, unit_id, employment_type, roster, signed, collected)
SELECT campaign_id, unit_id, employment_type, sum(roster), sum(signed), sum(collected)
FROM (
    SELECT campaign.id AS campaign_id, employee.unit_id AS unit_id,
           employee.employment_type AS employment_type, 1 AS roster,
           CASE WHEN signature.id IS NULL THEN 0 ELSE 1 END AS signed, 0 AS collected
    FROM campaign
    CROSS JOIN employee
    LEFT OUTER JOIN signature
        ON signature.employee_id = employee.id AND signature.campaign_id = campaign.id
    WHERE employee.active
    UNION ALL
    SELECT signature.campaign_id, signature.unit_id, employee.employment_type, 0, 0, 1
    FROM signature JOIN employee ON employee.id = signature.employee_id
) AS counted
GROUP BY campaign_id, unit_id, employment_type
"""


def upgrade() -> None:
    op.create_table('unit_tally',
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('employment_type', sa.String(length=16), nullable=False),
    sa.Column('roster', sa.Integer(), nullable=False),
    sa.Column('signed', sa.Integer(), nullable=False),
    sa.Column('collected', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaign.id'], name=op.f('fk_unit_tally_campaign_id_campaign'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_unit_tally_unit_id_unit'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('campaign_id', 'unit_id', 'employment_type', name=op.f('pk_unit_tally'))
    )
    op.execute(COUNT_EXISTING)


def downgrade() -> None:
    op.drop_table('unit_tally')

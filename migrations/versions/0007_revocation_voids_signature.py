"""revocation voids the signature: signature.revoked_at and one valid signature per person

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 23:45:00
"""

from alembic import op
import sqlalchemy as sa
import pakta.models.base


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

# The newest event of each signature decides (as services.certificates.revocations.latest
# does: by time, then id); a signature whose newest event is a revocation is void from then.
FILL_REVOKED_AT = """
UPDATE signature SET revoked_at = (
    SELECT newest.occurred_at FROM revocation_event AS newest
    WHERE newest.signature_id = signature.id
    ORDER BY newest.occurred_at DESC, newest.id DESC
    LIMIT 1
)
WHERE (
    SELECT newest.action FROM revocation_event AS newest
    WHERE newest.signature_id = signature.id
    ORDER BY newest.occurred_at DESC, newest.id DESC
    LIMIT 1
) = 'revoke'
"""

# Migration 0006's count of the tallies; {valid} limits it to valid signatures, as the
# services count from 0007 on (before, revoked signatures counted as signed).
COUNT_TALLIES = """
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
        {valid}
    WHERE employee.active
    UNION ALL
    SELECT signature.campaign_id, signature.unit_id, employee.employment_type, 0, 0, 1
    FROM signature JOIN employee ON employee.id = signature.employee_id
    WHERE 1 = 1 {valid}
) AS counted
GROUP BY campaign_id, unit_id, employment_type
"""

PEOPLE_SIGNED_AGAIN = """
SELECT count(*) FROM (
    SELECT campaign_id, employee_id FROM signature
    GROUP BY campaign_id, employee_id HAVING count(*) > 1
) AS twice
"""


def _recount_tallies(valid: str) -> None:
    op.execute('DELETE FROM unit_tally')
    op.execute(COUNT_TALLIES.format(valid=valid))


class SignedAgain(RuntimeError):
    """The older schema allows one signature per person and campaign, voided or not."""


def upgrade() -> None:
    with op.batch_alter_table('signature', schema=None) as batch_op:
        batch_op.add_column(sa.Column('revoked_at', pakta.models.base.UTCDateTime(timezone=True), nullable=True))
        batch_op.drop_constraint('uq_signature_campaign_id_employee_id', type_='unique')
    op.execute(FILL_REVOKED_AT)
    op.create_index(
        'uq_signature_campaign_id_employee_id_valid',
        'signature',
        ['campaign_id', 'employee_id'],
        unique=True,
        sqlite_where=sa.text('revoked_at IS NULL'),
        postgresql_where=sa.text('revoked_at IS NULL'),
    )
    _recount_tallies(valid='AND signature.revoked_at IS NULL')


def downgrade() -> None:
    # Signatures are evidence and are never deleted: rather than drop the older of two
    # signatures, refuse to go back while anyone has signed again after a revocation.
    twice = op.get_bind().execute(sa.text(PEOPLE_SIGNED_AGAIN)).scalar()
    if twice:
        raise SignedAgain(
            f"{twice} people signed a campaign again after a revocation; the schema before "
            "revision 0007 allows one signature per person and campaign. Nothing was changed."
        )
    op.drop_index('uq_signature_campaign_id_employee_id_valid', table_name='signature')
    with op.batch_alter_table('signature', schema=None) as batch_op:
        batch_op.create_unique_constraint('uq_signature_campaign_id_employee_id', ['campaign_id', 'employee_id'])
        batch_op.drop_column('revoked_at')
    _recount_tallies(valid='')

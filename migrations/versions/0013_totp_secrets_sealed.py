"""TOTP secrets sealed at rest: AES-256-GCM under the TOTP key file, bound to the account

A database dump or backup held every admin's TOTP secret in clear, enough to make their
codes. The upgrade seals each secret (pakta.keys.totp: ``v1$<key id>$...``, the account's
id as associated data) under the key the app uses, which the migration reads from the
app's configuration: run it with `pakta db upgrade`. The downgrade opens them again.
Recovery codes were already kept as keyed hashes (HMAC-SHA256 under the instance secret)
and are left as they are.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 06:00:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

SEALED_PREFIX = 'v1$'
users = sa.table('app_user', sa.column('id', sa.Integer), sa.column('totp_secret', sa.String))


def _keyring():
    """The app's own TOTP keyring (made on first use outside production, as the app does)."""
    from flask import current_app, has_app_context

    from pakta.keys import totp

    if not has_app_context():
        raise RuntimeError(
            'TOTP secrets are sealed with the key in the app\'s configuration: run this '
            'migration with `pakta db upgrade` or `pakta db downgrade`'
        )
    return totp.keyring_for(current_app.config)


def _secrets(connection) -> list[tuple[int, str]]:
    return connection.execute(
        sa.select(users.c.id, users.c.totp_secret).where(users.c.totp_secret.is_not(None))
    ).all()


def _set(connection, user_id: int, value: str) -> None:
    connection.execute(users.update().where(users.c.id == user_id).values(totp_secret=value))


def upgrade() -> None:
    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.alter_column('totp_secret',
               existing_type=sa.String(length=64),
               type_=sa.String(length=255),
               existing_nullable=True)
    connection = op.get_bind()
    clear = [row for row in _secrets(connection) if not row[1].startswith(SEALED_PREFIX)]
    if clear:
        keyring = _keyring()
        for user_id, secret in clear:
            _set(connection, user_id, keyring.seal(secret, user_id))


def downgrade() -> None:
    connection = op.get_bind()
    sealed = [row for row in _secrets(connection) if row[1].startswith(SEALED_PREFIX)]
    if sealed:
        from pakta.keys import totp

        keyring = _keyring()
        # A secret that does not open stops the downgrade, which changes nothing then.
        for user_id, value in sealed:
            try:
                secret = keyring.open(value, user_id)
            except totp.SealError as error:
                raise totp.SealError(
                    f'the TOTP secret of user {user_id} does not open ({error}): '
                    'nothing was changed'
                ) from None
            _set(connection, user_id, secret)
    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.alter_column('totp_secret',
               existing_type=sa.String(length=255),
               type_=sa.String(length=64),
               existing_nullable=True)

"""a care request records whether council staff answered it on the provider's behalf

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 06:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op


revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('care_request', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('responded_on_behalf', sa.Boolean(), nullable=False, server_default=sa.false())
        )
    # Requests answered before this column existed: an answer by anyone but the listing's own sign-in
    # was given on the provider's behalf.
    op.execute(
        sa.text(
            "UPDATE care_request SET responded_on_behalf = :yes WHERE responded_by_id IS NOT NULL "
            "AND NOT EXISTS (SELECT 1 FROM provider WHERE provider.id = care_request.provider_id "
            "AND provider.owner_id = care_request.responded_by_id)"
        ).bindparams(yes=True)
    )


def downgrade() -> None:
    with op.batch_alter_table('care_request', schema=None) as batch_op:
        batch_op.drop_column('responded_on_behalf')

"""prepared demand cells: the period-free figures of each market-gaps cell (budgeted-rate quartiles,
median days to a first agreement), derived from `market_demand` on first read of a council

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-04 19:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "market_demand_cell",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("council_id", sa.Integer(), nullable=False),
        sa.Column("postcode_district", sa.String(length=4), nullable=False),
        sa.Column("service_code", sa.String(length=40), nullable=False),
        sa.Column("band", sa.String(length=20), nullable=True),
        sa.Column("rate_lower_quartile", sa.Float(), nullable=True),
        sa.Column("rate_median", sa.Float(), nullable=True),
        sa.Column("rate_upper_quartile", sa.Float(), nullable=True),
        sa.Column("median_waited_days", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_market_demand_cell_place", "market_demand_cell", ["council_id", "postcode_district"])


def downgrade() -> None:
    op.drop_index("ix_market_demand_cell_place", table_name="market_demand_cell")
    op.drop_table("market_demand_cell")

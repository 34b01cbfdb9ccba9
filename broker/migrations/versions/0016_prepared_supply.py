"""prepared supply for marketGaps: listing reach and offers, supply cells, their state and outbox

Revision ID: 0016
Revises: 0013
Create Date: 2026-12-03 10:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import broker.db

revision: str = "0016"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "market_listing_reach",
        sa.Column("provider_id", sa.Integer(), nullable=False),
        sa.Column("district", sa.String(length=8), nullable=False),
        sa.PrimaryKeyConstraint("provider_id", "district"),
    )
    op.create_index("ix_market_listing_reach_district", "market_listing_reach", ["district", "provider_id"])
    op.create_table(
        "market_listing_offer",
        sa.Column("provider_id", sa.Integer(), nullable=False),
        sa.Column("service_code", sa.String(length=40), nullable=False),
        sa.Column("band", sa.String(length=20), nullable=False),
        sa.Column("free_microhours", sa.BigInteger(), nullable=False),
        sa.Column("rate_pence", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("provider_id", "service_code", "band"),
    )
    op.create_index("ix_market_listing_offer_cell", "market_listing_offer", ["service_code", "band"])
    op.create_table(
        "market_supply_cell",
        sa.Column("district", sa.String(length=8), nullable=False),
        sa.Column("service_code", sa.String(length=40), nullable=False),
        sa.Column("band", sa.String(length=20), nullable=False),
        sa.Column("providers", sa.Integer(), nullable=False),
        sa.Column("free_microhours", sa.BigInteger(), nullable=False),
        sa.Column("rate_lower_quartile", sa.Float(), nullable=True),
        sa.Column("rate_median", sa.Float(), nullable=True),
        sa.Column("rate_upper_quartile", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("district", "service_code", "band"),
    )
    op.create_table(
        "market_supply_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=True),
        sa.Column("prepared_at", broker.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "supply_outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("provider_id", sa.Integer(), nullable=False),
        sa.Column("enqueued_at", broker.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    op.drop_table("supply_outbox")
    op.drop_table("market_supply_state")
    op.drop_table("market_supply_cell")
    op.drop_index("ix_market_listing_offer_cell", table_name="market_listing_offer")
    op.drop_table("market_listing_offer")
    op.drop_index("ix_market_listing_reach_district", table_name="market_listing_reach")
    op.drop_table("market_listing_reach")

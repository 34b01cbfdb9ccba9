"""demand plan-cells: each plan's demand and started agreements per market-gaps cell, and each
cell's figures with every started agreement counted, so `marketGaps` takes out only the agreements a
period does not count, from the plan-cells they touch

The cells are derived data: they are emptied here, and a council's cells and plan-cells are worked
out again from `market_demand` on its first read (`demand.cells_of`).

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-08 02:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_CELL_FIGURES = (
    sa.Column("people", sa.Integer(), nullable=False, server_default="0"),
    sa.Column("people_waiting", sa.Integer(), nullable=False, server_default="0"),
    sa.Column("demand_hours", sa.Float(), nullable=False, server_default="0"),
    sa.Column("agreed_hours", sa.Float(), nullable=False, server_default="0"),
    sa.Column("unmet_hours", sa.Float(), nullable=False, server_default="0"),
    sa.Column("sources", sa.Integer(), nullable=False, server_default="0"),
)

_AGREEMENT_CELL_INDEXES = (
    ("ix_market_demand_agreement_cell_agreement_id", ["agreement_id"]),
    ("ix_market_demand_agreement_cell_place", ["council_id", "postcode_district"]),
    ("ix_market_demand_agreement_cell_start", ["council_id", "start_date"]),
    ("ix_market_demand_agreement_cell_end", ["council_id", "end_date"]),
)


def upgrade() -> None:
    op.execute("DELETE FROM market_demand_cell")
    with op.batch_alter_table("market_demand_cell") as table:
        for column in _CELL_FIGURES:
            table.add_column(column)
    op.create_table(
        "market_demand_plan_cell",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("council_id", sa.Integer(), nullable=False),
        sa.Column("holder_id", sa.Integer(), nullable=False),
        sa.Column("postcode_district", sa.String(length=4), nullable=False),
        sa.Column("service_code", sa.String(length=40), nullable=False),
        sa.Column("band_key", sa.String(length=20), nullable=False),
        sa.Column("demand_hours", sa.Float(), nullable=False),
        sa.Column("agreed_hours", sa.Float(), nullable=False),
        sa.Column("sources", sa.Integer(), nullable=False),
        sa.Column("holder_waiting", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["plan_id"], ["support_plan.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_market_demand_plan_cell_plan_id", "market_demand_plan_cell", ["plan_id"])
    op.create_index(
        "ix_market_demand_plan_cell_place", "market_demand_plan_cell", ["council_id", "postcode_district"]
    )


    op.create_table(
        "market_demand_agreement_cell",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agreement_id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("council_id", sa.Integer(), nullable=False),
        sa.Column("holder_id", sa.Integer(), nullable=False),
        sa.Column("postcode_district", sa.String(length=4), nullable=False),
        sa.Column("service_code", sa.String(length=40), nullable=False),
        sa.Column("band_key", sa.String(length=20), nullable=False),
        sa.Column("hours", sa.Float(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("plan_demand_hours", sa.Float(), nullable=False),
        sa.Column("plan_agreed_hours", sa.Float(), nullable=False),
        sa.Column("holder_waiting", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["agreement_id"], ["agreement.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    for name, columns in _AGREEMENT_CELL_INDEXES:
        op.create_index(name, "market_demand_agreement_cell", columns)


def downgrade() -> None:
    for name, _ in _AGREEMENT_CELL_INDEXES:
        op.drop_index(name, table_name="market_demand_agreement_cell")
    op.drop_table("market_demand_agreement_cell")
    op.drop_index("ix_market_demand_plan_cell_place", table_name="market_demand_plan_cell")
    op.drop_index("ix_market_demand_plan_cell_plan_id", table_name="market_demand_plan_cell")
    op.drop_table("market_demand_plan_cell")
    with op.batch_alter_table("market_demand_cell") as table:
        for column in reversed(_CELL_FIGURES):
            table.drop_column(column.name)

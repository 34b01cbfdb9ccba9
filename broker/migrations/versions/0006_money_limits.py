"""money limits: 64-bit pence, idempotency keys per DP holder, supplementary payments

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 06:30:00

- Every money column becomes BIGINT on PostgreSQL (SQLite's INTEGER is already 64-bit).
- Payment and refund idempotency keys are unique per DP holder, not across the whole service
  (refunds gain the holder of their payment, filled in from it).
- A payment may say why it pays days already paid (`supplementary_reason`).
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel

from alembic import op

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MONEY = [
    ("provider", "hourly_rate_pence", True),
    ("dp_holder", "weekly_budget_pence", False),
    ("plan_need", "budgeted_rate_pence", False),
    ("agreement", "hourly_rate_pence", False),
    ("agreement_need", "budgeted_rate_pence", False),
    ("lead_contract", "annual_value_pence", False),
    ("payment", "amount_pence", False),
    ("payment", "refunded_pence", False),
    ("refund", "amount_pence", False),
]
# Names SQLite's unnamed UNIQUE constraints (batch mode reflects them) so they can be dropped.
NAMING = {"uq": "uq_%(table_name)s_%(column_0_name)s"}


def _key_constraint(table: str) -> str:
    """The name of the old one-column unique constraint on `idempotency_key`."""
    for constraint in sa.inspect(op.get_bind()).get_unique_constraints(table):
        if constraint["column_names"] == ["idempotency_key"] and constraint["name"]:
            return constraint["name"]
    return f"uq_{table}_idempotency_key"


def _money_type(kind: type[sa.types.TypeEngine]) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, column, nullable in MONEY:
        op.alter_column(
            table,
            column,
            type_=kind(),
            existing_type=sa.Integer() if kind is sa.BigInteger else sa.BigInteger(),
            existing_nullable=nullable,
        )


def upgrade() -> None:
    _money_type(sa.BigInteger)
    payment_key = _key_constraint("payment")
    with op.batch_alter_table('payment', naming_convention=NAMING) as batch_op:
        batch_op.add_column(
            sa.Column('supplementary_reason', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True)
        )
        batch_op.drop_constraint(payment_key, type_='unique')
        batch_op.create_unique_constraint('uq_payment_holder_key', ['holder_id', 'idempotency_key'])

    refund_key = _key_constraint("refund")
    with op.batch_alter_table('refund') as batch_op:
        batch_op.add_column(sa.Column('holder_id', sa.Integer(), nullable=True))
    op.execute(
        "UPDATE refund SET holder_id = (SELECT payment.holder_id FROM payment WHERE payment.id = refund.payment_id)"
    )
    with op.batch_alter_table('refund', naming_convention=NAMING) as batch_op:
        batch_op.alter_column('holder_id', existing_type=sa.Integer(), nullable=False)
        batch_op.create_foreign_key('fk_refund_holder_id_dp_holder', 'dp_holder', ['holder_id'], ['id'])
        batch_op.drop_constraint(refund_key, type_='unique')
        batch_op.create_unique_constraint('uq_refund_holder_key', ['holder_id', 'idempotency_key'])


def downgrade() -> None:
    """Back to keys unique across the service: fails if two holders have used the same key."""
    with op.batch_alter_table('refund', naming_convention=NAMING) as batch_op:
        batch_op.drop_constraint('uq_refund_holder_key', type_='unique')
        batch_op.drop_constraint('fk_refund_holder_id_dp_holder', type_='foreignkey')
        batch_op.drop_column('holder_id')
        batch_op.create_unique_constraint('uq_refund_idempotency_key', ['idempotency_key'])
    with op.batch_alter_table('payment', naming_convention=NAMING) as batch_op:
        batch_op.drop_constraint('uq_payment_holder_key', type_='unique')
        batch_op.drop_column('supplementary_reason')
        batch_op.create_unique_constraint('uq_payment_idempotency_key', ['idempotency_key'])
    _money_type(sa.Integer)

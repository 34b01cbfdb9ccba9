"""market: direct payments, council figures, the take-up target, the unmet-need ledger, plan activations

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 12:10:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import broker.db

revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'direct_payment',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('holder_id', sa.Integer(), nullable=False),
        sa.Column('council_id', sa.Integer(), nullable=False),
        sa.Column('start_date', sa.Date(), nullable=False),
        sa.Column('end_date', sa.Date(), nullable=True),
        sa.Column('end_reason', sa.String(length=500), nullable=False),
        sa.Column('age_band', sa.Enum('AGED_18_TO_64', 'AGED_65_PLUS', name='ageband', native_enum=False,
                                      length=20), nullable=False),
        sa.Column('recorded_by_id', sa.Integer(), nullable=True),
        sa.Column('recorded_at', broker.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['council_id'], ['council.id']),
        sa.ForeignKeyConstraint(['holder_id'], ['dp_holder.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['recorded_by_id'], ['user_account.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('holder_id'),
    )
    op.create_index('ix_direct_payment_council_start', 'direct_payment', ['council_id', 'start_date'], unique=False)
    op.create_table(
        'council_figures',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('council_id', sa.Integer(), nullable=False),
        sa.Column('month', sa.Date(), nullable=False),
        sa.Column('people_on_long_term_community_support', sa.Integer(), nullable=False),
        sa.Column('people_on_long_term_community_support_18_to_64', sa.Integer(), nullable=True),
        sa.Column('people_on_long_term_community_support_65_plus', sa.Integer(), nullable=True),
        sa.Column('people_on_direct_payments', sa.Integer(), nullable=True),
        sa.Column('recorded_by_id', sa.Integer(), nullable=True),
        sa.Column('recorded_at', broker.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['council_id'], ['council.id']),
        sa.ForeignKeyConstraint(['recorded_by_id'], ['user_account.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('council_id', 'month'),
    )
    op.create_table(
        'take_up_target',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('council_id', sa.Integer(), nullable=False),
        sa.Column('target_basis_points', sa.Integer(), nullable=False),
        sa.Column('by_date', sa.Date(), nullable=False),
        sa.Column('planned_new_per_year', sa.Integer(), nullable=False),
        sa.Column('set_by_id', sa.Integer(), nullable=True),
        sa.Column('set_at', broker.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['council_id'], ['council.id']),
        sa.ForeignKeyConstraint(['set_by_id'], ['user_account.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('council_id'),
    )
    op.create_table(
        'unmet_need',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('council_id', sa.Integer(), nullable=False),
        sa.Column('plan_id', sa.Integer(), nullable=True),
        sa.Column('need_id', sa.Integer(), nullable=True),
        sa.Column('postcode_district', sa.String(length=4), nullable=False),
        sa.Column('service_code', sa.String(length=40), nullable=False),
        sa.Column('time_band', sa.String(length=20), nullable=True),
        sa.Column('hours_per_week', sa.Float(), nullable=False),
        sa.Column('failed_constraint', sa.Enum('RATE', 'SCHEDULE', 'CAPACITY', 'TRAVEL_RADIUS', 'LANGUAGE',
                                               'GENDER', 'ACCREDITATION', name='failedconstraint',
                                               native_enum=False, length=20), nullable=False),
        sa.Column('source', sa.Enum('NO_CANDIDATE', 'REQUEST_DECLINED', 'REQUEST_EXPIRED', 'NOT_ALLOCATED',
                                    name='unmetsource', native_enum=False, length=20), nullable=False),
        sa.Column('request_id', sa.Integer(), nullable=True),
        sa.Column('recorded_at', broker.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['council_id'], ['council.id']),
        sa.ForeignKeyConstraint(['need_id'], ['plan_need.id'], ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['plan_id'], ['support_plan.id'], ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['request_id'], ['care_request.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index(op.f('ix_unmet_need_request_id'), 'unmet_need', ['request_id'], unique=False)
    op.create_index('ix_unmet_need_council_recorded', 'unmet_need', ['council_id', 'recorded_at'], unique=False)
    op.create_table(
        'plan_activation',
        sa.Column('plan_id', sa.Integer(), nullable=False),
        sa.Column('activated_at', broker.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['plan_id'], ['support_plan.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('plan_id'),
    )


def downgrade() -> None:
    op.drop_table('plan_activation')
    op.drop_index('ix_unmet_need_council_recorded', table_name='unmet_need')
    op.drop_index(op.f('ix_unmet_need_request_id'), table_name='unmet_need')
    op.drop_table('unmet_need')
    op.drop_table('take_up_target')
    op.drop_table('council_figures')
    op.drop_index('ix_direct_payment_council_start', table_name='direct_payment')
    op.drop_table('direct_payment')

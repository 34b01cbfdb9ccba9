"""user administration: one-time password tokens and the record of account changes

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 11:30:00
"""
from collections.abc import Sequence

import sqlalchemy as sa

import broker.db
from alembic import op


revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'password_reset',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('purpose', sa.Enum('RESET', 'INVITE', name='resetpurpose', native_enum=False, length=10),
                  nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', broker.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('expires_at', broker.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('used_at', broker.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id']),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('token_hash'),
    )
    op.create_index(op.f('ix_password_reset_user_id'), 'password_reset', ['user_id'], unique=False)
    op.create_table(
        'user_change',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('changed_by_id', sa.Integer(), nullable=True),
        sa.Column('kind', sa.Enum('CREATED', 'INVITED', 'ROLE_CHANGED', 'DEACTIVATED', 'REACTIVATED',
                                  'UNLOCKED', 'RESET_REQUESTED', 'RESET_ISSUED', 'PASSWORD_RESET', 'PASSWORD_CHANGED',
                                  name='userchangekind', native_enum=False, length=20), nullable=False),
        sa.Column('detail', sa.String(length=200), nullable=False),
        sa.Column('changed_at', broker.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['changed_by_id'], ['user_account.id']),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index(op.f('ix_user_change_user_id'), 'user_change', ['user_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_user_change_user_id'), table_name='user_change')
    op.drop_table('user_change')
    op.drop_index(op.f('ix_password_reset_user_id'), table_name='password_reset')
    op.drop_table('password_reset')

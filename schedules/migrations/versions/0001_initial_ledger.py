"""initial ledger

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import schedules.models

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('campaigns',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('priority', sa.String(length=16), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('report_due', sa.Date(), nullable=True),
    sa.Column('definition', sa.JSON(), nullable=False),
    sa.Column('definition_hash', sa.String(length=64), nullable=False),
    sa.Column('approved_hash', sa.String(length=64), nullable=True),
    sa.Column('approved_definition', sa.JSON(), nullable=True),
    sa.Column('approved_by', sa.Text(), nullable=True),
    sa.Column('approved_at', schedules.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('source_path', sa.Text(), nullable=True),
    sa.Column('created_at', schedules.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', schedules.models.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('contents',
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('body', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('hash')
    )
    op.create_table('delivery_log',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('at', schedules.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('campaign_id', sa.String(length=64), nullable=True),
    sa.Column('post_id', sa.Integer(), nullable=True),
    sa.Column('endpoint_id', sa.String(length=100), nullable=True),
    sa.Column('event', sa.String(length=16), nullable=False),
    sa.Column('actor', sa.Text(), nullable=True),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('delivery_log', schema=None) as batch_op:
        batch_op.create_index('ix_log_at', ['at'], unique=False)
        batch_op.create_index('ix_log_campaign_at', ['campaign_id', 'at'], unique=False)
        batch_op.create_index('ix_log_post', ['post_id'], unique=False)

    op.create_table('tokens',
    sa.Column('endpoint_id', sa.String(length=100), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('ciphertext', sa.Text(), nullable=False),
    sa.Column('updated_at', schedules.models.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('endpoint_id', 'name')
    )
    op.create_table('posts',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('key', sa.String(length=300), nullable=False),
    sa.Column('campaign_id', sa.String(length=64), nullable=False),
    sa.Column('message_id', sa.String(length=64), nullable=False),
    sa.Column('endpoint_id', sa.String(length=100), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('unit_id', sa.String(length=100), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('priority', sa.Integer(), nullable=False),
    sa.Column('slot_at', schedules.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('due_at', schedules.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', schedules.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('available_at', schedules.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('lease_owner', sa.String(length=200), nullable=True),
    sa.Column('lease_expires_at', schedules.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('external_id', sa.Text(), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('confirmation', sa.String(length=16), nullable=True),
    sa.Column('updated_at', schedules.models.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], ),
    sa.ForeignKeyConstraint(['content_hash'], ['contents.hash'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('key')
    )
    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.create_index('ix_posts_campaign', ['campaign_id', 'state'], unique=False)
        batch_op.create_index('ix_posts_claim', ['state', 'available_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.drop_index('ix_posts_claim')
        batch_op.drop_index('ix_posts_campaign')

    op.drop_table('posts')
    op.drop_table('tokens')
    with op.batch_alter_table('delivery_log', schema=None) as batch_op:
        batch_op.drop_index('ix_log_post')
        batch_op.drop_index('ix_log_campaign_at')
        batch_op.drop_index('ix_log_at')

    op.drop_table('delivery_log')
    op.drop_table('contents')
    op.drop_table('campaigns')

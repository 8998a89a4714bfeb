"""web users and dashboard read indexes

Revision ID: 0002
Revises: 0001

The dashboard reads the ledger in shapes the dispatcher never needs: progress per channel,
the loudspeaker confirmation grid, the log filtered by event. These indexes keep each page
under 300 ms with a million log rows on SQLite (see bench/bench_web.py).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import schedules.models

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'web_users',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('full_name', sa.Text(), nullable=True),
        sa.Column('role', sa.String(length=16), nullable=False),
        sa.Column('password_hash', sa.Text(), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('created_at', schedules.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column('updated_at', schedules.models.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('name'),
    )
    # Plain CREATE INDEX (not batch mode): never rebuild a big ledger table to add an index.
    op.create_index('ix_posts_progress', 'posts',
                    ['campaign_id', 'channel', 'state', 'confirmation'])
    op.create_index('ix_posts_grid', 'posts',
                    ['campaign_id', 'channel', 'unit_id', 'slot_at', 'confirmation', 'state'])
    op.create_index('ix_log_event_at', 'delivery_log', ['event', 'at'])


def downgrade() -> None:
    op.drop_index('ix_log_event_at', 'delivery_log')
    op.drop_index('ix_posts_grid', 'posts')
    op.drop_index('ix_posts_progress', 'posts')
    op.drop_table('web_users')

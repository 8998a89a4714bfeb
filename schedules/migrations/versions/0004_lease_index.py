"""lease index: live leases, for finding the ones a dead worker left

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

CLAIMED = sa.text("state = 'claimed'")


def upgrade() -> None:
    op.create_index("ix_posts_leases", "posts", ["lease_expires_at"],
                    sqlite_where=CLAIMED, postgresql_where=CLAIMED)


def downgrade() -> None:
    op.drop_index("ix_posts_leases", "posts")

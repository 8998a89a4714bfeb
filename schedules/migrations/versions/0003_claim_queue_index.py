"""claim queues: partial indexes on the open posts in due order

The claim used to sort every open post on each pass (``ORDER BY priority DESC, available_at``
could not use the (state, available_at) index). Two partial indexes replace it: the open
queue, and the small urgent queue that is claimed first.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

OPEN = "state IN ('pending', 'retry')"
URGENT = f"{OPEN} AND priority > 0"


def upgrade() -> None:
    op.drop_index("ix_posts_claim", "posts")
    op.create_index("ix_posts_queue", "posts", ["available_at"],
                    sqlite_where=sa.text(OPEN), postgresql_where=sa.text(OPEN))
    op.create_index("ix_posts_urgent", "posts", ["available_at"],
                    sqlite_where=sa.text(URGENT), postgresql_where=sa.text(URGENT))


def downgrade() -> None:
    op.drop_index("ix_posts_urgent", "posts")
    op.drop_index("ix_posts_queue", "posts")
    op.create_index("ix_posts_claim", "posts", ["state", "available_at"])

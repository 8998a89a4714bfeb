"""lanes: workers table (heartbeat, deliveries in flight) and open posts by window end

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

OPEN = sa.text("state IN ('pending', 'retry')")


def upgrade() -> None:
    op.create_table(
        "workers",
        sa.Column("owner", sa.String(200), primary_key=True),
        sa.Column("host", sa.String(200), nullable=False),
        sa.Column("pid", sa.Integer, nullable=False),
        sa.Column("lanes", sa.Integer, nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("jobs", sa.JSON, nullable=False),
        sa.Column("fault", sa.Text, nullable=True),
    )
    op.create_index("ix_posts_open_expiry", "posts", ["expires_at"],
                    sqlite_where=OPEN, postgresql_where=OPEN)


def downgrade() -> None:
    op.drop_index("ix_posts_open_expiry", "posts")
    op.drop_table("workers")

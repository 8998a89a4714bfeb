"""ward reports: what the wards did (append-only, corrections are new rows); ward accounts

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import schedules.models

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ward_reports",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("campaign_id", sa.String(64), sa.ForeignKey("campaigns.id"), nullable=False),
        sa.Column("unit_id", sa.String(100), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("times", sa.Integer(), nullable=False),
        sa.Column("participants", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("photos", sa.JSON(), nullable=False),
        sa.Column("reporter", sa.Text(), nullable=False),
        sa.Column("telegram_user", sa.BigInteger(), nullable=True),
        sa.Column("telegram_chat", sa.String(64), nullable=True),
        sa.Column("web_user", sa.String(100), nullable=True),
        sa.Column("via", sa.String(16), nullable=False),
        sa.Column("created_at", schedules.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("corrects", sa.Integer(), sa.ForeignKey("ward_reports.id"), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_ward_reports_campaign", "ward_reports", ["campaign_id", "unit_id"])
    op.create_index("ix_ward_reports_corrects", "ward_reports", ["corrects"])
    # A plain ADD COLUMN (no batch rebuild): SQLite and PostgreSQL both add a nullable column
    # in place.
    op.add_column("web_users", sa.Column("unit", sa.String(100), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("web_users") as batch:
        batch.drop_column("unit")
    op.drop_index("ix_ward_reports_corrects", "ward_reports")
    op.drop_index("ix_ward_reports_campaign", "ward_reports")
    op.drop_table("ward_reports")

"""Who created each disk and VM: a user who is not an administrator sees and changes only his own.

Revision ID: e0004
Revises: e0003
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "e0004"
down_revision = "e0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table in ("disks", "vms"):
        op.add_column(table, sa.Column("owner_id", sa.String(36), nullable=True))
        op.create_index(f"ix_{table}_owner_id", table, ["owner_id"])


def downgrade() -> None:
    for table in ("disks", "vms"):
        op.drop_index(f"ix_{table}_owner_id", table_name=table)
        op.drop_column(table, "owner_id")

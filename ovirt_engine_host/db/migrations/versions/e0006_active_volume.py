"""A disk and its active volume: ``disks.backend_id`` (optional, "the backend's id") becomes
``active_volume_id``, always set — the volume the disk runs on now (oVirt's image id), which a
preview, a commit or a stateless run changes while the disk keeps its id. Existing disks run on
the volume they were created with: their own id where no backend id was kept.

Revision ID: e0006
Revises: e0005
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "e0006"
down_revision = "e0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("disks", sa.Column("active_volume_id", sa.String(255), nullable=True))
    op.execute("UPDATE disks SET active_volume_id = COALESCE(backend_id, id)")
    with op.batch_alter_table("disks") as batch:
        batch.alter_column("active_volume_id", existing_type=sa.String(255), nullable=False)
        batch.drop_column("backend_id")


def downgrade() -> None:
    op.add_column("disks", sa.Column("backend_id", sa.String(255), nullable=True))
    op.execute("UPDATE disks SET backend_id = active_volume_id")
    with op.batch_alter_table("disks") as batch:
        batch.drop_column("active_volume_id")

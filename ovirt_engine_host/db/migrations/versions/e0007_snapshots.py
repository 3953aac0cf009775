"""VM snapshots and their disks' parts; the job that holds a VM's disks (image_locked).

Revision ID: e0007
Revises: e0006
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "e0007"
down_revision = "e0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("vms", sa.Column("locked_by_job_id", sa.String(36), nullable=True))
    op.create_table(
        "snapshots",
        sa.Column("id", sa.String(36)),
        sa.Column("vm_id", sa.String(36), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("type", sa.String(20), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("date", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_snapshots"),
        sa.ForeignKeyConstraint(["vm_id"], ["vms.id"], name="fk_snapshots_vm_id_vms", ondelete="CASCADE"),
    )
    op.create_index("ix_snapshots_vm_id", "snapshots", ["vm_id"])
    op.create_table(
        "disk_snapshots",
        sa.Column("id", sa.String(36)),
        sa.Column("snapshot_id", sa.String(36), nullable=False),
        sa.Column("disk_id", sa.String(36), nullable=False),
        sa.Column("volume_id", sa.String(255), nullable=False),
        sa.Column("backend_id", sa.String(255), nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_disk_snapshots"),
        sa.ForeignKeyConstraint(
            ["snapshot_id"], ["snapshots.id"], name="fk_disk_snapshots_snapshot_id_snapshots", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["disk_id"], ["disks.id"], name="fk_disk_snapshots_disk_id_disks", ondelete="CASCADE"),
    )
    op.create_index("ix_disk_snapshots_snapshot_id", "disk_snapshots", ["snapshot_id"])
    op.create_index("ix_disk_snapshots_disk_id", "disk_snapshots", ["disk_id"])


def downgrade() -> None:
    op.drop_table("disk_snapshots")
    op.drop_table("snapshots")
    with op.batch_alter_table("vms") as batch:
        batch.drop_column("locked_by_job_id")

"""The volumes a disk has, and what each was made from (``disk_volumes``); hidden disk snapshots
(``disk_snapshots.snapshot_id`` nullable: a part whose VM snapshot was removed while a volume
made from it still needs it); disks being removed (``disks.removing``).

Existing disks get a row for their active volume and for every volume one of their snapshots
copies; where those came from is not known for rows made before this revision (``origin_id``
null), so such a volume is deleted only once no snapshot copies it, as Cinder requires anyway.

Revision ID: e0008
Revises: e0007
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "e0008"
down_revision = "e0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("disks") as batch:
        batch.add_column(sa.Column("removing", sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table("disk_snapshots") as batch:
        batch.alter_column("snapshot_id", existing_type=sa.String(36), nullable=True)
        batch.drop_constraint("fk_disk_snapshots_snapshot_id_snapshots", type_="foreignkey")
        batch.create_foreign_key(
            "fk_disk_snapshots_snapshot_id_snapshots", "snapshots", ["snapshot_id"], ["id"], ondelete="SET NULL"
        )
        batch.create_index("ix_disk_snapshots_volume_id", ["volume_id"])
    op.create_table(
        "disk_volumes",
        sa.Column("id", sa.String(255)),
        sa.Column("disk_id", sa.String(36), nullable=False),
        sa.Column("origin_id", sa.String(36), nullable=True),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_disk_volumes"),
        sa.ForeignKeyConstraint(["disk_id"], ["disks.id"], name="fk_disk_volumes_disk_id_disks", ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["origin_id"], ["disk_snapshots.id"], name="fk_disk_volumes_origin_id_disk_snapshots", ondelete="SET NULL"
        ),
    )
    op.create_index("ix_disk_volumes_disk_id", "disk_volumes", ["disk_id"])
    op.create_index("ix_disk_volumes_origin_id", "disk_volumes", ["origin_id"])
    op.execute("INSERT INTO disk_volumes (id, disk_id, created) SELECT active_volume_id, id, created FROM disks")
    op.execute(
        "INSERT INTO disk_volumes (id, disk_id, created) SELECT volume_id, MIN(disk_id), MIN(created)"
        " FROM disk_snapshots WHERE volume_id NOT IN (SELECT id FROM disk_volumes) GROUP BY volume_id"
    )


def downgrade() -> None:
    op.drop_table("disk_volumes")
    op.execute("DELETE FROM disk_snapshots WHERE snapshot_id IS NULL")
    with op.batch_alter_table("disk_snapshots") as batch:
        batch.drop_index("ix_disk_snapshots_volume_id")
        batch.drop_constraint("fk_disk_snapshots_snapshot_id_snapshots", type_="foreignkey")
        batch.create_foreign_key(
            "fk_disk_snapshots_snapshot_id_snapshots", "snapshots", ["snapshot_id"], ["id"], ondelete="CASCADE"
        )
        batch.alter_column("snapshot_id", existing_type=sa.String(36), nullable=False)
    with op.batch_alter_table("disks") as batch:
        batch.drop_column("removing")

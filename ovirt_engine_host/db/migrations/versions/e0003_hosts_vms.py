"""Hosts, VMs and their disk attachments.

Revision ID: e0003
Revises: e0002
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "e0003"
down_revision = "e0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "hosts",
        sa.Column("id", sa.String(36)),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("address", sa.String(255), nullable=False),
        sa.Column("libvirt_uri", sa.String(1024), nullable=False),
        sa.Column("data_center_id", sa.String(36), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_hosts"),
        sa.UniqueConstraint("name", name="uq_hosts_name"),
        sa.ForeignKeyConstraint(
            ["data_center_id"], ["data_centers.id"], name="fk_hosts_data_center_id_data_centers", ondelete="RESTRICT"
        ),
    )
    op.create_table(
        "vms",
        sa.Column("id", sa.String(36)),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("memory", sa.BigInteger, nullable=False),
        sa.Column("cpus", sa.Integer, nullable=False),
        sa.Column("data_center_id", sa.String(36), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("status_detail", sa.Text, nullable=True),
        sa.Column("host_id", sa.String(36), nullable=True),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_vms"),
        sa.UniqueConstraint("name", name="uq_vms_name"),
        sa.ForeignKeyConstraint(
            ["data_center_id"], ["data_centers.id"], name="fk_vms_data_center_id_data_centers", ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(["host_id"], ["hosts.id"], name="fk_vms_host_id_hosts", ondelete="SET NULL"),
    )
    op.create_table(
        "disk_attachments",
        sa.Column("id", sa.String(36)),
        sa.Column("vm_id", sa.String(36), nullable=False),
        sa.Column("disk_id", sa.String(36), nullable=False),
        sa.Column("interface", sa.String(20), nullable=False),
        sa.Column("bootable", sa.Boolean, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("connection", sa.Text, nullable=True),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_disk_attachments"),
        sa.UniqueConstraint("vm_id", "disk_id", name="uq_disk_attachments_vm_id_disk_id"),
        sa.ForeignKeyConstraint(["vm_id"], ["vms.id"], name="fk_disk_attachments_vm_id_vms", ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["disk_id"], ["disks.id"], name="fk_disk_attachments_disk_id_disks", ondelete="CASCADE"
        ),
    )
    op.create_index("ix_disk_attachments_vm_id", "disk_attachments", ["vm_id"])
    op.create_index("ix_disk_attachments_disk_id", "disk_attachments", ["disk_id"])


def downgrade() -> None:
    op.drop_table("disk_attachments")
    op.drop_table("vms")
    op.drop_table("hosts")

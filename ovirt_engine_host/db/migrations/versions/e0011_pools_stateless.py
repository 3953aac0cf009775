"""VM pools and stateless runs: the ``vm_pools`` table, a VM's pool (``vms.pool_id``), its
``stateless`` flag and the user a pool VM is allocated to, and a disk's own volume while a
stateless run has it on a throw-away one (``disks.stateless_base_volume_id``).

Revision ID: e0011
Revises: e0010
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "e0011"
down_revision = "e0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "vm_pools",
        sa.Column("id", sa.String(36)),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("max_user_vms", sa.Integer(), nullable=False),
        sa.Column("prestarted_vms", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(20), nullable=False),
        sa.Column("template_id", sa.String(36), nullable=False),
        sa.Column("data_center_id", sa.String(36), nullable=False),
        sa.Column("owner_id", sa.String(36), nullable=True),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_vm_pools"),
        sa.UniqueConstraint("name", name="uq_vm_pools_name"),
        sa.ForeignKeyConstraint(
            ["template_id"], ["templates.id"], name="fk_vm_pools_template_id_templates", ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["data_center_id"], ["data_centers.id"], name="fk_vm_pools_data_center_id_data_centers",
            ondelete="RESTRICT",
        ),
    )  # fmt: skip
    op.create_index("ix_vm_pools_owner_id", "vm_pools", ["owner_id"])
    with op.batch_alter_table("vms") as batch:
        batch.add_column(sa.Column("pool_id", sa.String(36), nullable=True))
        batch.add_column(sa.Column("stateless", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("allocated_to", sa.String(36), nullable=True))
        batch.create_foreign_key("fk_vms_pool_id_vm_pools", "vm_pools", ["pool_id"], ["id"], ondelete="RESTRICT")
        batch.create_index("ix_vms_pool_id", ["pool_id"])
    with op.batch_alter_table("disks") as batch:
        batch.add_column(sa.Column("stateless_base_volume_id", sa.String(255), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("disks") as batch:
        batch.drop_column("stateless_base_volume_id")
    with op.batch_alter_table("vms") as batch:
        batch.drop_index("ix_vms_pool_id")
        batch.drop_constraint("fk_vms_pool_id_vm_pools", type_="foreignkey")
        batch.drop_column("allocated_to")
        batch.drop_column("stateless")
        batch.drop_column("pool_id")
    op.drop_index("ix_vm_pools_owner_id", "vm_pools")
    op.drop_table("vm_pools")

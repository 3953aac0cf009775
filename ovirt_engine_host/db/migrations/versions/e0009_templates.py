"""Templates: their own table, their disks (``disks.template_id``) and the VMs made from them
(``vms.template_id``, which keeps a template from being removed while such a VM exists).

Revision ID: e0009
Revises: e0008
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "e0009"
down_revision = "e0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "templates",
        sa.Column("id", sa.String(36)),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("data_center_id", sa.String(36), nullable=False),
        sa.Column("memory", sa.BigInteger(), nullable=False),
        sa.Column("cpus", sa.Integer(), nullable=False),
        sa.Column("source_vm_id", sa.String(36), nullable=True),
        sa.Column("owner_id", sa.String(36), nullable=True),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_templates"),
        sa.UniqueConstraint("name", name="uq_templates_name"),
        sa.ForeignKeyConstraint(
            ["data_center_id"], ["data_centers.id"], name="fk_templates_data_center_id_data_centers",
            ondelete="RESTRICT",
        ),
    )  # fmt: skip
    op.create_index("ix_templates_owner_id", "templates", ["owner_id"])
    with op.batch_alter_table("disks") as batch:
        batch.add_column(sa.Column("template_id", sa.String(36), nullable=True))
        batch.create_foreign_key(
            "fk_disks_template_id_templates", "templates", ["template_id"], ["id"], ondelete="SET NULL"
        )
        batch.create_index("ix_disks_template_id", ["template_id"])
    with op.batch_alter_table("vms") as batch:
        batch.add_column(sa.Column("template_id", sa.String(36), nullable=True))
        batch.create_foreign_key(
            "fk_vms_template_id_templates", "templates", ["template_id"], ["id"], ondelete="RESTRICT"
        )
        batch.create_index("ix_vms_template_id", ["template_id"])


def downgrade() -> None:
    with op.batch_alter_table("vms") as batch:
        batch.drop_index("ix_vms_template_id")
        batch.drop_constraint("fk_vms_template_id_templates", type_="foreignkey")
        batch.drop_column("template_id")
    with op.batch_alter_table("disks") as batch:
        batch.drop_index("ix_disks_template_id")
        batch.drop_constraint("fk_disks_template_id_templates", type_="foreignkey")
        batch.drop_column("template_id")
    op.drop_table("templates")

"""Storage-domain monitoring: the ``storage_domain_monitors`` table (a domain's last answer from
its backend, its capacity and where that came from, since when it has its status, the due times
of its next status probe and reconciliation, and the lease of the process working on it), and
``disks.sync_detail``, what the reconciliation wrote when it made a disk illegal.

Revision ID: e0012
Revises: e0011
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "e0012"
down_revision = "e0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "storage_domain_monitors",
        sa.Column("storage_domain_id", sa.String(36)),
        sa.Column("status_since", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_answer_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("available", sa.BigInteger(), nullable=True),
        sa.Column("used", sa.BigInteger(), nullable=True),
        sa.Column("capacity_source", sa.String(40), nullable=True),
        sa.Column("probe_due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sync_due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_sync_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lease_owner", sa.String(255), nullable=True),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("storage_domain_id", name="pk_storage_domain_monitors"),
        sa.ForeignKeyConstraint(
            ["storage_domain_id"], ["storage_domains.id"],
            name="fk_storage_domain_monitors_storage_domain_id_storage_domains", ondelete="CASCADE",
        ),
    )  # fmt: skip
    with op.batch_alter_table("disks") as batch:
        batch.add_column(sa.Column("sync_detail", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("disks") as batch:
        batch.drop_column("sync_detail")
    op.drop_table("storage_domain_monitors")

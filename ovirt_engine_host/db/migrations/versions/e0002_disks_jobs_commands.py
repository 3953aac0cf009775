"""Disks, jobs with their steps, and the commands the poller works through.

Revision ID: e0002
Revises: e0001
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "e0002"
down_revision = "e0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "disks",
        sa.Column("id", sa.String(36)),
        sa.Column("alias", sa.String(255), nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("storage_domain_id", sa.String(36), nullable=False),
        sa.Column("provisioned_size", sa.BigInteger, nullable=False),
        sa.Column("actual_size", sa.BigInteger, nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("status_detail", sa.Text, nullable=True),
        sa.Column("format", sa.String(10), nullable=False),
        sa.Column("sparse", sa.Boolean, nullable=False),
        sa.Column("bootable", sa.Boolean, nullable=False),
        sa.Column("shareable", sa.Boolean, nullable=False),
        sa.Column("interface", sa.String(20), nullable=False),
        sa.Column("volume_type", sa.String(255), nullable=True),
        sa.Column("backend_id", sa.String(255), nullable=True),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_disks"),
        sa.ForeignKeyConstraint(
            ["storage_domain_id"],
            ["storage_domains.id"],
            name="fk_disks_storage_domain_id_storage_domains",
            ondelete="CASCADE",
        ),
    )
    op.create_index("ix_disks_storage_domain_id", "disks", ["storage_domain_id"])
    op.create_table(
        "jobs",
        sa.Column("id", sa.String(36)),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("status_detail", sa.Text, nullable=True),
        sa.Column("owner_id", sa.String(36), nullable=True),
        sa.Column("start_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("end_time", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_updated", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_jobs"),
    )
    op.create_table(
        "steps",
        sa.Column("id", sa.String(36)),
        sa.Column("job_id", sa.String(36), nullable=False),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("type", sa.String(20), nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("start_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("end_time", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_steps"),
        sa.ForeignKeyConstraint(["job_id"], ["jobs.id"], name="fk_steps_job_id_jobs", ondelete="CASCADE"),
    )
    op.create_index("ix_steps_job_id", "steps", ["job_id"])
    op.create_table(
        "commands",
        sa.Column("id", sa.String(36)),
        sa.Column("job_id", sa.String(36), nullable=False),
        sa.Column("storage_domain_id", sa.String(36), nullable=False),
        sa.Column("entity_type", sa.String(20), nullable=False),
        sa.Column("entity_id", sa.String(36), nullable=False),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("request_id", sa.String(36), nullable=False),
        sa.Column("backend_id", sa.String(255), nullable=True),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("backend_status", sa.String(40), nullable=True),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("delay", sa.Float, nullable=False),
        sa.Column("next_poll_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_error", sa.Text, nullable=True),
        sa.Column("lease_owner", sa.String(255), nullable=True),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_commands"),
        sa.ForeignKeyConstraint(["job_id"], ["jobs.id"], name="fk_commands_job_id_jobs", ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["storage_domain_id"],
            ["storage_domains.id"],
            name="fk_commands_storage_domain_id_storage_domains",
            ondelete="CASCADE",
        ),
    )
    op.create_index("ix_commands_job_id", "commands", ["job_id"])
    op.create_index("ix_commands_storage_domain_id", "commands", ["storage_domain_id"])
    op.create_index("ix_commands_entity_id", "commands", ["entity_id"])
    op.create_index("ix_commands_state_next_poll_at", "commands", ["state", "next_poll_at"])


def downgrade() -> None:
    op.drop_table("commands")
    op.drop_table("steps")
    op.drop_table("jobs")
    op.drop_table("disks")

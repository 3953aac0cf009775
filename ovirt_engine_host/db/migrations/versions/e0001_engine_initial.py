"""The engine's first tables: users, data centers, storage domains.

Revision ID: e0001
Revises:
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "e0001"
down_revision = None
branch_labels = ("engine",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("administrator", sa.Boolean, nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_users"),
        sa.UniqueConstraint("name", name="uq_users_name"),
    )
    op.create_table(
        "data_centers",
        sa.Column("id", sa.String(36)),
        sa.Column("name", sa.String(40), nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("local", sa.Boolean, nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_data_centers"),
        sa.UniqueConstraint("name", name="uq_data_centers_name"),
    )
    op.create_table(
        "storage_domains",
        sa.Column("id", sa.String(36)),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("type", sa.String(40), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("data_center_id", sa.String(36), nullable=False),
        sa.Column("backend_ref", sa.String(255), nullable=True),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_storage_domains"),
        sa.UniqueConstraint("name", name="uq_storage_domains_name"),
        sa.ForeignKeyConstraint(
            ["data_center_id"],
            ["data_centers.id"],
            name="fk_storage_domains_data_center_id_data_centers",
            ondelete="RESTRICT",
        ),
    )
    op.create_index("ix_storage_domains_backend_ref", "storage_domains", ["backend_ref"])


def downgrade() -> None:
    op.drop_index("ix_storage_domains_backend_ref", "storage_domains")
    op.drop_table("storage_domains")
    op.drop_table("data_centers")
    op.drop_table("users")

"""The Cinder plugin's first tables: providers and authentication keys.

Revision ID: c0001
Revises:
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "c0001"
down_revision = None
branch_labels = ("cinder",)
depends_on = "e0001"  # the engine's data_centers and storage_domains


def upgrade() -> None:
    op.create_table(
        "cinder_providers",
        sa.Column("id", sa.String(36)),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("url", sa.String(2048), nullable=False),
        sa.Column("requires_authentication", sa.Boolean, nullable=False),
        sa.Column("username", sa.String(255), nullable=False),
        sa.Column("password_encrypted", sa.LargeBinary, nullable=True),
        sa.Column("tenant_name", sa.String(255), nullable=False),
        sa.Column("authentication_url", sa.String(2048), nullable=False),
        sa.Column("properties", sa.Text, nullable=False),
        sa.Column("data_center_id", sa.String(36), nullable=False),
        sa.Column("storage_domain_id", sa.String(36), nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_cinder_providers"),
        sa.UniqueConstraint("name", name="uq_cinder_providers_name"),
        sa.ForeignKeyConstraint(
            ["data_center_id"], ["data_centers.id"], name="fk_cinder_providers_data_center_id_data_centers"
        ),
        sa.ForeignKeyConstraint(
            ["storage_domain_id"], ["storage_domains.id"], name="fk_cinder_providers_storage_domain_id_storage_domains"
        ),
    )
    op.create_table(
        "cinder_authentication_keys",
        sa.Column("id", sa.String(36)),
        sa.Column("provider_id", sa.String(36), nullable=False),
        sa.Column("uuid", sa.String(36), nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("usage_type", sa.String(20), nullable=False),
        sa.Column("value_encrypted", sa.LargeBinary, nullable=False),
        sa.Column("creation_date", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_cinder_authentication_keys"),
        sa.UniqueConstraint("provider_id", "uuid", name="uq_cinder_authentication_keys_provider_uuid"),
        sa.ForeignKeyConstraint(
            ["provider_id"],
            ["cinder_providers.id"],
            name="fk_cinder_authentication_keys_provider_id_cinder_providers",
            ondelete="CASCADE",
        ),
    )


def downgrade() -> None:
    op.drop_table("cinder_authentication_keys")
    op.drop_table("cinder_providers")

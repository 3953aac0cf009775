"""A provider no longer keeps its storage domain's id: the engine's domain names the provider
(``backend_ref``), and the plugin finds its domain through the engine's services. One direction,
one source for the link.

Revision ID: c0003
Revises: c0002
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "c0003"
down_revision = "c0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cinder_providers") as batch:
        batch.drop_constraint("fk_cinder_providers_storage_domain_id_storage_domains", type_="foreignkey")
        batch.drop_column("storage_domain_id")


def downgrade() -> None:
    with op.batch_alter_table("cinder_providers") as batch:
        batch.add_column(sa.Column("storage_domain_id", sa.String(36), nullable=False, server_default=""))

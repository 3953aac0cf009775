"""A provider keeps the Cinder v3 endpoint discovered from its URL, apart from the URL it was given.

``cinder_providers.endpoint``: where the plugin sends every Cinder request. Rows added before
this revision get an empty endpoint, which means "discover it from ``url`` when connecting";
the next update of the provider's connection settings stores it.

Revision ID: c0002
Revises: c0001
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "c0002"
down_revision = "c0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cinder_providers") as table:
        table.add_column(sa.Column("endpoint", sa.String(2048), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("cinder_providers") as table:
        table.drop_column("endpoint")

"""The engine installation's id (``engine_identity``, one row, made here): the engine's volumes
and snapshots carry it in the backend, so that no other engine offers them for registration.

Revision ID: e0010
Revises: e0009
Create Date: 2026-12-01
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "e0010"
down_revision = "e0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    table = op.create_table(
        "engine_identity",
        sa.Column("id", sa.String(36)),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_engine_identity"),
    )
    op.bulk_insert(table, [{"id": str(uuid.uuid4()), "created": datetime.now(UTC)}])


def downgrade() -> None:
    op.drop_table("engine_identity")

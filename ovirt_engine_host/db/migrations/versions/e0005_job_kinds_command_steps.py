"""Jobs of many commands: a job's kind (what it does when all its commands have ended) and the
step each command belongs to.

Revision ID: e0005
Revises: e0004
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "e0005"
down_revision = "e0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("jobs", sa.Column("kind", sa.String(40), nullable=True))
    with op.batch_alter_table("commands") as batch:
        batch.add_column(sa.Column("step_id", sa.String(36), nullable=True))
        batch.create_foreign_key("fk_commands_step_id_steps", "steps", ["step_id"], ["id"], ondelete="SET NULL")
        batch.create_index("ix_commands_step_id", ["step_id"])


def downgrade() -> None:
    with op.batch_alter_table("commands") as batch:
        batch.drop_index("ix_commands_step_id")
        batch.drop_constraint("fk_commands_step_id_steps", type_="foreignkey")
        batch.drop_column("step_id")
    op.drop_column("jobs", "kind")

"""Permissions indexed by their holder and the type of their object: ``(user_id, object_type,
object_id, role_id)`` and ``(group_id, object_type, object_id, role_id)`` replace the indexes on
``user_id`` and on ``group_id`` alone (their prefixes). A filtered list or a decision reads only
the permissions the user and his groups hold on one type of object, from the index alone; before,
SQLite read every permission of the type, whoever held it (issue 19).

Revision ID: e0014
Revises: e0013
Create Date: 2026-12-08
"""

from __future__ import annotations

from alembic import op

revision = "e0014"
down_revision = "e0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_permissions_user_object", "permissions", ["user_id", "object_type", "object_id", "role_id"])
    op.create_index("ix_permissions_group_object", "permissions", ["group_id", "object_type", "object_id", "role_id"])
    op.drop_index("ix_permissions_user_id", "permissions")
    op.drop_index("ix_permissions_group_id", "permissions")


def downgrade() -> None:
    op.create_index("ix_permissions_group_id", "permissions", ["group_id"])
    op.create_index("ix_permissions_user_id", "permissions", ["user_id"])
    op.drop_index("ix_permissions_group_object", "permissions")
    op.drop_index("ix_permissions_user_object", "permissions")

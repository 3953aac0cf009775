"""Access: roles (the predefined ones with fixed ids) and the action groups of custom ones,
local groups and their members, permissions (a role given to a user or a group on an object),
SSO access tokens (hashed), and the audit log (``events``). The users' administrator flag becomes
a SuperUser permission on the system.

Revision ID: e0013
Revises: e0012
Create Date: 2026-12-08
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "e0013"
down_revision = "e0012"
branch_labels = None
depends_on = None

SUPER_USER = "00000000-0000-0000-0000-000000000001"
# (id, name, administrative, allows_viewing_children, description): oVirt's predefined roles as
# this engine ships them at this revision; their action groups live in ovirt_engine_host.access.roles.
PREDEFINED = [
    (SUPER_USER, "SuperUser", True, True, "Roles management administrator"),
    ("def00002-0000-0000-0000-def000000002", "DataCenterAdmin", True, True, "Administrator of a data center"),
    ("def00004-0000-0000-0000-def000000004", "StorageAdmin", True, True, "Storage administrator"),
    ("def00005-0000-0000-0000-def000000005", "VmPoolAdmin", True, True, "VM pool administrator"),
    ("def0000a-0000-0000-0000-def00000000a", "DiskOperator", False, True, "Disk operator"),
    ("def0000a-0000-0000-0000-def00000000b", "DiskCreator", False, False, "Disk creator"),
    ("00000000-0000-0000-0001-000000000001", "UserRole", False, True, "Standard role"),
    ("00000000-0000-0000-0001-000000000002", "PowerUserRole", False, False,
     "User role, allowed to create VMs, templates and disks"),
    ("def00006-0000-0000-0000-def000000006", "UserVmManager", False, True,
     "User role, with permission for any operation on VMs"),
    ("def00007-0000-0000-0000-def000000007", "VmCreator", False, False, "User role, allowed to create VMs"),
    ("def00008-0000-0000-0000-def000000008", "TemplateOwner", False, True, "Template owner"),
    ("def00009-0000-0000-0000-def000000009", "TemplateCreator", False, False, "User role, allowed to create templates"),
    ("def0000c-0000-0000-0000-def00000000c", "UserTemplateBasedVm", False, True,
     "Limited privileges to only use templates"),
]  # fmt: skip


def upgrade() -> None:
    now = datetime.now(UTC)
    # The administrators are read, and the flag dropped, before any table refers to users: on
    # SQLite the batch drop copies the table and drops the old one, and the drop would cascade to
    # the rows of a table whose foreign key says ON DELETE CASCADE (the new permissions).
    users = sa.table("users", sa.column("id", sa.String), sa.column("administrator", sa.Boolean))
    administrators = list(op.get_bind().execute(sa.select(users.c.id).where(users.c.administrator.is_(True))).scalars())
    with op.batch_alter_table("users") as batch:
        batch.drop_column("administrator")
    roles = op.create_table(
        "roles",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("name", sa.String(126), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("administrative", sa.Boolean(), nullable=False),
        sa.Column("mutable", sa.Boolean(), nullable=False),
        sa.Column("allows_viewing_children", sa.Boolean(), nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_roles"),
        sa.UniqueConstraint("name", name="uq_roles_name"),
    )
    op.bulk_insert(
        roles,
        [
            {"id": id_, "name": name, "administrative": admin, "allows_viewing_children": children,
             "description": description, "mutable": False, "created": now}
            for id_, name, admin, children, description in PREDEFINED
        ],
    )  # fmt: skip
    op.create_table(
        "role_permits",
        sa.Column("role_id", sa.String(36), nullable=False),
        sa.Column("permit", sa.String(60), nullable=False),
        sa.PrimaryKeyConstraint("role_id", "permit", name="pk_role_permits"),
        sa.ForeignKeyConstraint(["role_id"], ["roles.id"], name="fk_role_permits_role_id_roles", ondelete="CASCADE"),
    )
    op.create_table(
        "user_groups",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_user_groups"),
        sa.UniqueConstraint("name", name="uq_user_groups_name"),
    )
    op.create_table(
        "group_members",
        sa.Column("group_id", sa.String(36), nullable=False),
        sa.Column("user_id", sa.String(36), nullable=False),
        sa.PrimaryKeyConstraint("group_id", "user_id", name="pk_group_members"),
        sa.ForeignKeyConstraint(
            ["group_id"], ["user_groups.id"], name="fk_group_members_group_id_user_groups", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_group_members_user_id_users", ondelete="CASCADE"),
    )
    op.create_index("ix_group_members_user_id", "group_members", ["user_id"])
    permissions = op.create_table(
        "permissions",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("role_id", sa.String(36), nullable=False),
        sa.Column("user_id", sa.String(36), nullable=True),
        sa.Column("group_id", sa.String(36), nullable=True),
        sa.Column("object_type", sa.String(60), nullable=False),
        sa.Column("object_id", sa.String(255), nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_permissions"),
        sa.ForeignKeyConstraint(["role_id"], ["roles.id"], name="fk_permissions_role_id_roles", ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_permissions_user_id_users", ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["group_id"], ["user_groups.id"], name="fk_permissions_group_id_user_groups", ondelete="CASCADE"
        ),
    )
    op.create_index("ix_permissions_role_id", "permissions", ["role_id"])
    op.create_index("ix_permissions_user_id", "permissions", ["user_id"])
    op.create_index("ix_permissions_group_id", "permissions", ["group_id"])
    op.create_index("ix_permissions_object", "permissions", ["object_type", "object_id"])
    op.bulk_insert(
        permissions,
        [
            {"id": str(uuid.uuid4()), "role_id": SUPER_USER, "user_id": user_id, "group_id": None,
             "object_type": "system", "object_id": "system", "created": now}
            for user_id in administrators
        ],
    )  # fmt: skip
    op.create_table(
        "access_tokens",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("user_id", sa.String(36), nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_access_tokens"),
        sa.UniqueConstraint("token_hash", name="uq_access_tokens_token_hash"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_access_tokens_user_id_users", ondelete="CASCADE"),
    )
    op.create_index("ix_access_tokens_user_id", "access_tokens", ["user_id"])
    op.create_table(
        "events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("severity", sa.String(20), nullable=False),
        sa.Column("code", sa.Integer(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("user_id", sa.String(36), nullable=True),
        sa.Column("user_name", sa.String(255), nullable=True),
        sa.Column("object_type", sa.String(60), nullable=True),
        sa.Column("object_id", sa.String(255), nullable=True),
        sa.Column("correlation_id", sa.String(255), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_events"),
    )
    op.create_index("ix_events_time", "events", ["time"])
    op.create_index("ix_events_user_id", "events", ["user_id"])


def downgrade() -> None:
    op.drop_table("events")
    op.drop_table("access_tokens")
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("administrator", sa.Boolean(), nullable=False, server_default=sa.false()))
    users = sa.table("users", sa.column("id", sa.String), sa.column("administrator", sa.Boolean))
    permissions = sa.table("permissions", sa.column("user_id"), sa.column("role_id"), sa.column("object_type"))
    superusers = sa.select(permissions.c.user_id).where(
        permissions.c.role_id == SUPER_USER, permissions.c.object_type == "system"
    )
    op.execute(users.update().where(users.c.id.in_(superusers)).values(administrator=True))
    op.drop_table("permissions")
    op.drop_table("group_members")
    op.drop_table("user_groups")
    op.drop_table("role_permits")
    op.drop_table("roles")

"""Clusters, and the ``Blank`` template.

A ``clusters`` table (oVirt's: hosts and the VMs and pools that run on them, in one data
center). Hosts, VMs and VM pools now belong to a cluster (``cluster_id``, NOT NULL) instead of a
data center: their ``data_center_id`` goes, their data center being their cluster's (one source
per fact).

Data, made here as oVirt makes it at setup:

- an empty database (no data center) gets the ``Default`` data center and its ``Default``
  cluster, with oVirt's fixed ids;
- every existing data center gets one cluster, named after it (a data center named ``Default``
  gets the ``Default`` cluster, with oVirt's id), and its hosts, VMs and pools move into it;
- the ``Blank`` template (id ``00000000-0000-0000-0000-000000000000``, no disks, ``ok``), the
  template of a VM made from nothing; it is in no data center (as in oVirt), so a template's
  ``data_center_id`` becomes nullable. A template already named ``Blank`` is renamed
  ``Blank-<its id's first 8 characters>``.

Revision ID: e0015
Revises: e0014
Create Date: 2026-12-10
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "e0015"
down_revision = "e0014"
branch_labels = None
depends_on = None

DEFAULT_DATA_CENTER_ID = "00000001-0001-0001-0001-000000000311"
DEFAULT_CLUSTER_ID = "00000002-0002-0002-0002-00000000017a"
BLANK_TEMPLATE_ID = "00000000-0000-0000-0000-000000000000"
BLANK_MEMORY = 1024 * 1024**2  # oVirt's Blank: 1 GiB, one CPU

data_centers = sa.table(
    "data_centers",
    sa.column("id", sa.String),
    sa.column("name", sa.String),
    sa.column("description", sa.Text),
    sa.column("local", sa.Boolean),
    sa.column("created", sa.DateTime),
)
templates = sa.table(
    "templates",
    sa.column("id", sa.String),
    sa.column("name", sa.String),
    sa.column("description", sa.Text),
    sa.column("status", sa.String),
    sa.column("data_center_id", sa.String),
    sa.column("memory", sa.BigInteger),
    sa.column("cpus", sa.Integer),
    sa.column("created", sa.DateTime),
)
MEMBERS = ("hosts", "vms", "vm_pools")
"""The tables whose rows move from a data center into its cluster."""


def upgrade() -> None:
    clusters = op.create_table(
        "clusters",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("name", sa.String(40), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("data_center_id", sa.String(36), nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_clusters"),
        sa.UniqueConstraint("name", name="uq_clusters_name"),
        sa.ForeignKeyConstraint(
            ["data_center_id"], ["data_centers.id"], name="fk_clusters_data_center_id_data_centers",
            ondelete="RESTRICT",
        ),
    )  # fmt: skip
    op.create_index("ix_clusters_data_center_id", "clusters", ["data_center_id"])
    bind = op.get_bind()
    now = datetime.now(UTC)
    existing = [(row.id, row.name) for row in bind.execute(sa.select(data_centers.c.id, data_centers.c.name))]
    if not existing:
        op.bulk_insert(
            data_centers,
            [{"id": DEFAULT_DATA_CENTER_ID, "name": "Default", "description": "The default Data Center",
              "local": False, "created": now}],
        )  # fmt: skip
        existing = [(DEFAULT_DATA_CENTER_ID, "Default")]
    op.bulk_insert(
        clusters,
        [
            {"id": DEFAULT_CLUSTER_ID if name == "Default" else str(uuid.uuid4()), "name": name,
             "description": "The default server cluster" if name == "Default" else "", "data_center_id": id_,
             "created": now}
            for id_, name in existing
        ],
    )  # fmt: skip
    for table in MEMBERS:
        _move_into_clusters(table)
    _add_blank_template(now)


def _move_into_clusters(table: str) -> None:
    """``table``'s rows go into their data center's (only) cluster; ``data_center_id`` goes."""
    with op.batch_alter_table(table) as batch:
        batch.add_column(sa.Column("cluster_id", sa.String(36), nullable=True))
    op.execute(
        f"UPDATE {table} SET cluster_id = "  # noqa: S608 - table names of this module, no input
        f"(SELECT clusters.id FROM clusters WHERE clusters.data_center_id = {table}.data_center_id)"
    )
    with op.batch_alter_table(table) as batch:
        batch.alter_column("cluster_id", existing_type=sa.String(36), nullable=False)
        batch.create_foreign_key(f"fk_{table}_cluster_id_clusters", "clusters", ["cluster_id"], ["id"],
                                 ondelete="RESTRICT")  # fmt: skip
        batch.create_index(f"ix_{table}_cluster_id", ["cluster_id"])
        batch.drop_constraint(f"fk_{table}_data_center_id_data_centers", type_="foreignkey")
        batch.drop_column("data_center_id")


def _add_blank_template(now: datetime) -> None:
    with op.batch_alter_table("templates") as batch:
        batch.alter_column("data_center_id", existing_type=sa.String(36), nullable=True)
    bind = op.get_bind()
    taken = bind.execute(sa.select(templates.c.id).where(templates.c.name == "Blank")).scalar()
    if taken is not None:
        op.execute(templates.update().where(templates.c.id == taken).values(name=f"Blank-{taken[:8]}"))
    op.bulk_insert(
        templates,
        [{"id": BLANK_TEMPLATE_ID, "name": "Blank", "description": "Blank template", "status": "ok",
          "data_center_id": None, "memory": BLANK_MEMORY, "cpus": 1, "created": now}],
    )  # fmt: skip


def downgrade() -> None:
    op.execute(templates.delete().where(templates.c.id == BLANK_TEMPLATE_ID))
    with op.batch_alter_table("templates") as batch:
        batch.alter_column("data_center_id", existing_type=sa.String(36), nullable=False)
    for table in MEMBERS:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("data_center_id", sa.String(36), nullable=True))
        op.execute(
            f"UPDATE {table} SET data_center_id = "  # noqa: S608 - table names of this module, no input
            f"(SELECT clusters.data_center_id FROM clusters WHERE clusters.id = {table}.cluster_id)"
        )
        with op.batch_alter_table(table) as batch:
            batch.alter_column("data_center_id", existing_type=sa.String(36), nullable=False)
            batch.create_foreign_key(f"fk_{table}_data_center_id_data_centers", "data_centers",
                                     ["data_center_id"], ["id"], ondelete="RESTRICT")  # fmt: skip
            batch.drop_index(f"ix_{table}_cluster_id")
            batch.drop_constraint(f"fk_{table}_cluster_id_clusters", type_="foreignkey")
            batch.drop_column("cluster_id")
    op.drop_index("ix_clusters_data_center_id", "clusters")
    op.drop_table("clusters")

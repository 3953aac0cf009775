"""The engine's own entities."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    column,
    false,
    func,
    select,
    table,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, column_property, mapped_column, relationship

from ovirt_engine_host.contract import NAMING_CONVENTION

DEFAULT_CLUSTER_ID = "00000002-0002-0002-0002-00000000017a"
"""The ``Default`` cluster's id (oVirt's), made with the ``Default`` data center at ``db upgrade``
of an empty database (migration e0015)."""
BLANK_TEMPLATE_ID = "00000000-0000-0000-0000-000000000000"
"""The ``Blank`` template's id (oVirt's): the template of a VM made from nothing."""


def new_id() -> str:
    return str(uuid.uuid4())


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


# The columns of ``disks`` that a storage domain's ``committed`` sums (declared before Disk is).
_DISK_SIZES = table("disks", column("storage_domain_id"), column("provisioned_size"))


class EngineIdentity(Base):
    """This engine installation's id: one row, made at ``db upgrade``; what the engine makes in a
    backend is tagged with it (the contract's ``PluginServices.engine_id``)."""

    __tablename__ = "engine_identity"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class User(Base):
    """A user of the engine. What he may do is not a flag of his: it is the permissions he (or a
    group of his) holds (:class:`Permission`); ``administrator`` is derived from them."""

    __tablename__ = "users"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(255), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class DataCenter(Base):
    __tablename__ = "data_centers"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(40), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    local: Mapped[bool] = mapped_column(Boolean, default=False)
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    storage_domains: Mapped[list[StorageDomain]] = relationship(back_populates="data_center")


class Cluster(Base):
    """A cluster (oVirt's): hosts and the VMs and VM pools that run on them, in one data center.
    A host's, a VM's and a pool's data center is its cluster's (no row repeats it). The
    ``Default`` cluster (:data:`DEFAULT_CLUSTER_ID`, in the ``Default`` data center) is made at
    ``db upgrade`` of an empty database, as oVirt makes it."""

    __tablename__ = "clusters"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(40), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    data_center_id: Mapped[str] = mapped_column(ForeignKey("data_centers.id", ondelete="RESTRICT"), index=True)
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class StorageDomain(Base):
    """A storage domain; ``type`` picks the plugin that serves it (``cinder``), and
    ``backend_ref`` is that plugin's handle for it (the Cinder plugin: its provider id)."""

    __tablename__ = "storage_domains"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(255), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    type: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(20), default="active")
    data_center_id: Mapped[str] = mapped_column(ForeignKey("data_centers.id", ondelete="RESTRICT"))
    backend_ref: Mapped[str | None] = mapped_column(String(255), index=True, default=None)
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    data_center: Mapped[DataCenter] = relationship(back_populates="storage_domains")
    # What the monitor last learnt of the domain's backend (loaded where shown: selectinload).
    monitor: Mapped[StorageDomainMonitor | None] = relationship(viewonly=True)
    # oVirt's ``committed``: what the engine's disks on the domain were promised, in bytes;
    # summed when asked for (undefer it where shown), never stored.
    committed: Mapped[int] = column_property(
        select(func.coalesce(func.sum(_DISK_SIZES.c.provisioned_size), 0))
        .where(_DISK_SIZES.c.storage_domain_id == id)
        .correlate_except(_DISK_SIZES)
        .scalar_subquery(),
        deferred=True,
    )


class StorageDomainMonitor(Base):
    """What the domain monitor (:mod:`ovirt_engine_host.monitoring`) keeps per storage domain:
    when its backend last answered and what it said of its capacity (``capacity_source``:
    ``pool_statistics`` or ``quota``, the plugin's word), since when the domain has its status,
    and when its next status probe and reconciliation are due. ``lease_owner`` / ``lease_until``:
    the engine process working on the domain now (claimed by a conditional ``UPDATE``, as
    commands are), so that one process probes and reconciles a domain per period."""

    __tablename__ = "storage_domain_monitors"

    storage_domain_id: Mapped[str] = mapped_column(
        ForeignKey("storage_domains.id", ondelete="CASCADE"), primary_key=True
    )
    status_since: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_answer_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    available: Mapped[int | None] = mapped_column(BigInteger, default=None)
    used: Mapped[int | None] = mapped_column(BigInteger, default=None)
    capacity_source: Mapped[str | None] = mapped_column(String(40), default=None)
    probe_due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    sync_due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_sync_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    lease_owner: Mapped[str | None] = mapped_column(String(255), default=None)
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)


class Disk(Base):
    """A disk on a storage domain. Its ``id`` is the backend's id (a Cinder disk's id is its
    volume id, as in oVirt): the row is written only once the backend named the volume, and
    until then the disk exists only as the payload of its ``create_disk`` command."""

    __tablename__ = "disks"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    alias: Mapped[str] = mapped_column(String(255))
    description: Mapped[str] = mapped_column(Text, default="")
    storage_domain_id: Mapped[str] = mapped_column(ForeignKey("storage_domains.id", ondelete="CASCADE"), index=True)
    provisioned_size: Mapped[int] = mapped_column(BigInteger)
    actual_size: Mapped[int | None] = mapped_column(BigInteger, default=None)
    status: Mapped[str] = mapped_column(String(20), default="locked")
    status_detail: Mapped[str | None] = mapped_column(Text, default=None)
    format: Mapped[str] = mapped_column(String(10), default="raw")
    sparse: Mapped[bool] = mapped_column(Boolean, default=True)
    bootable: Mapped[bool] = mapped_column(Boolean, default=False)
    shareable: Mapped[bool] = mapped_column(Boolean, default=False)
    interface: Mapped[str] = mapped_column(String(20), default="virtio")
    volume_type: Mapped[str | None] = mapped_column(String(255), default=None)
    # The backend volume the disk runs on now (oVirt's image_id); the disk's id stays the id of
    # the volume it was created with (oVirt's image group id) whatever volume it runs on later.
    active_volume_id: Mapped[str] = mapped_column(String(255))
    owner_id: Mapped[str | None] = mapped_column(String(36), index=True, default=None)
    # Being removed: its snapshots and volumes go first, in the order Cinder allows
    # (:mod:`ovirt_engine_host.commands.collection`); the row goes with its last volume.
    removing: Mapped[bool] = mapped_column(Boolean, default=False)
    # A template's disk: read-only, attached to no VM; VMs made from the template start from it.
    template_id: Mapped[str | None] = mapped_column(
        ForeignKey("templates.id", ondelete="SET NULL"), index=True, default=None
    )
    # While a stateless run has the disk on a throw-away volume: the disk's own volume, that it
    # goes back to when the run ends (the throw-away one then goes, by the collection).
    stateless_base_volume_id: Mapped[str | None] = mapped_column(String(255), default=None)
    # The status_detail the reconciliation with the backend wrote when it made the disk illegal
    # (its volume vanished or failed outside the engine): only while the disk still says that
    # does the reconciliation make it ok again; an illegal status anything else set is not its own.
    sync_detail: Mapped[str | None] = mapped_column(Text, default=None)
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    storage_domain: Mapped[StorageDomain] = relationship(lazy="joined", viewonly=True)

    @property
    def name(self) -> str:
        """The contract's ``DiskView.name``: the alias."""
        return self.alias


class Job(Base):
    """What a user watches at ``/api/jobs``: one per asynchronous request, with its steps."""

    __tablename__ = "jobs"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    description: Mapped[str] = mapped_column(Text)
    kind: Mapped[str | None] = mapped_column(String(40), default=None)  # a registered JobKind; None: "single"
    status: Mapped[str] = mapped_column(String(20), default="started")
    status_detail: Mapped[str | None] = mapped_column(Text, default=None)
    owner_id: Mapped[str | None] = mapped_column(String(36), default=None)
    start_time: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    end_time: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    last_updated: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    steps: Mapped[list[Step]] = relationship(
        back_populates="job", cascade="all, delete-orphan", lazy="selectin", order_by="Step.number"
    )


class Step(Base):
    __tablename__ = "steps"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    job_id: Mapped[str] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    type: Mapped[str] = mapped_column(String(20))
    description: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="started")
    start_time: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    end_time: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)

    job: Mapped[Job] = relationship(back_populates="steps")


class Command(Base):
    """A persisted asynchronous backend operation (oVirt's CoCo): what the poller polls.

    ``state``: ``sending`` (the start hook was called but its handle is not recorded yet: on
    resume the hook is called again, and finds the operation by ``request_id`` instead of
    starting a second one), ``pending`` (the handle is recorded; the poller asks the backend),
    ``done`` or ``failed``. A command is worked on by one engine process at a time: the one
    holding its lease (``lease_owner`` until ``lease_until``)."""

    __tablename__ = "commands"
    __table_args__ = (Index("ix_commands_state_next_poll_at", "state", "next_poll_at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    job_id: Mapped[str] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"), index=True)
    step_id: Mapped[str | None] = mapped_column(ForeignKey("steps.id", ondelete="SET NULL"), index=True, default=None)
    storage_domain_id: Mapped[str] = mapped_column(ForeignKey("storage_domains.id", ondelete="CASCADE"), index=True)
    entity_type: Mapped[str] = mapped_column(String(20))
    entity_id: Mapped[str] = mapped_column(String(36), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    request_id: Mapped[str] = mapped_column(String(36))
    backend_id: Mapped[str | None] = mapped_column(String(255), default=None)
    payload: Mapped[str] = mapped_column(Text, default="{}")  # JSON: what the start hook needs
    state: Mapped[str] = mapped_column(String(20), default="sending")
    backend_status: Mapped[str | None] = mapped_column(String(40), default=None)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    delay: Mapped[float] = mapped_column(Float, default=1.0)
    next_poll_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    lease_owner: Mapped[str | None] = mapped_column(String(255), default=None)
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Host(Base):
    """A hypervisor the engine's host agent drives through libvirt (``libvirt_uri``)."""

    __tablename__ = "hosts"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(255), unique=True)
    address: Mapped[str] = mapped_column(String(255))
    libvirt_uri: Mapped[str] = mapped_column(String(1024))
    cluster_id: Mapped[str] = mapped_column(ForeignKey("clusters.id", ondelete="RESTRICT"), index=True)
    status: Mapped[str] = mapped_column(String(20), default="maintenance")
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    # loaded with the host: its data center (the libvirt secrets it gets) is its cluster's
    cluster: Mapped[Cluster] = relationship(lazy="joined", viewonly=True)


class Vm(Base):
    __tablename__ = "vms"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(255), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    memory: Mapped[int] = mapped_column(BigInteger)  # bytes, as oVirt
    cpus: Mapped[int] = mapped_column(Integer, default=1)
    cluster_id: Mapped[str] = mapped_column(ForeignKey("clusters.id", ondelete="RESTRICT"), index=True)
    status: Mapped[str] = mapped_column(String(20), default="down")
    status_detail: Mapped[str | None] = mapped_column(Text, default=None)
    host_id: Mapped[str | None] = mapped_column(ForeignKey("hosts.id", ondelete="SET NULL"), default=None)
    owner_id: Mapped[str | None] = mapped_column(String(36), index=True, default=None)
    # the job holding the VM's disks (a snapshot, a preview): oVirt shows the VM image_locked
    locked_by_job_id: Mapped[str | None] = mapped_column(String(36), default=None)
    # The template the VM was made from (its disks are thin children of the template's).
    template_id: Mapped[str | None] = mapped_column(
        ForeignKey("templates.id", ondelete="RESTRICT"), index=True, default=None
    )
    # A pool's VM (named ``<pool>-<n>``) and the user it is allocated to; a stateless VM runs
    # on throw-away volumes that go at its stop (every VM of an automatic pool is stateless).
    pool_id: Mapped[str | None] = mapped_column(
        ForeignKey("vm_pools.id", ondelete="RESTRICT"), index=True, default=None
    )
    stateless: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    allocated_to: Mapped[str | None] = mapped_column(String(36), default=None)
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    attachments: Mapped[list[DiskAttachment]] = relationship(
        back_populates="vm", cascade="all, delete-orphan", lazy="selectin", order_by="DiskAttachment.created"
    )


class Template(Base):
    """A template (oVirt's): copies of a VM's disks, read-only, that VMs are made from.
    ``status``: ``locked`` while its disks are made, ``ok``; it is removed with its disks.
    ``data_center_id``: the data center of the VM it was made from (its disks' storage); none
    for the ``Blank`` template (:data:`BLANK_TEMPLATE_ID`, made at ``db upgrade``), which has no
    disks, is in no data center (as in oVirt) and cannot be removed."""

    __tablename__ = "templates"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(255), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default="locked")
    data_center_id: Mapped[str | None] = mapped_column(ForeignKey("data_centers.id", ondelete="RESTRICT"), default=None)
    memory: Mapped[int] = mapped_column(BigInteger)
    cpus: Mapped[int] = mapped_column(Integer, default=1)
    source_vm_id: Mapped[str | None] = mapped_column(String(36), default=None)
    owner_id: Mapped[str | None] = mapped_column(String(36), index=True, default=None)
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class VmPool(Base):
    """A pool of like VMs made from one template (oVirt's): ``size`` VMs named ``<pool>-<n>``,
    ``prestarted_vms`` of them kept running; a user is allocated a VM of it, at most
    ``max_user_vms``. In an ``automatic`` pool every VM is stateless and goes back to the pool
    when it stops; in a ``manual`` one it stays the user's until an administrator frees it."""

    __tablename__ = "vm_pools"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(255), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    size: Mapped[int] = mapped_column(Integer)
    max_user_vms: Mapped[int] = mapped_column(Integer, default=1)
    prestarted_vms: Mapped[int] = mapped_column(Integer, default=0)
    type: Mapped[str] = mapped_column(String(20), default="automatic")
    template_id: Mapped[str] = mapped_column(ForeignKey("templates.id", ondelete="RESTRICT"))
    cluster_id: Mapped[str] = mapped_column(ForeignKey("clusters.id", ondelete="RESTRICT"), index=True)
    owner_id: Mapped[str | None] = mapped_column(String(36), index=True, default=None)
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class DiskAttachment(Base):
    """A disk of a VM: how the guest sees it, whether it is plugged (``active``), and while the
    VM runs, the connection the storage plugin prepared for it (free of secrets)."""

    __tablename__ = "disk_attachments"
    __table_args__ = (UniqueConstraint("vm_id", "disk_id", name="uq_disk_attachments_vm_id_disk_id"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    vm_id: Mapped[str] = mapped_column(ForeignKey("vms.id", ondelete="CASCADE"), index=True)
    disk_id: Mapped[str] = mapped_column(ForeignKey("disks.id", ondelete="CASCADE"), index=True)
    interface: Mapped[str] = mapped_column(String(20), default="virtio")
    bootable: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    connection: Mapped[str | None] = mapped_column(Text, default=None)  # JSON ConnectionInfo while prepared
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    vm: Mapped[Vm] = relationship(back_populates="attachments")


class Snapshot(Base):
    """A VM snapshot (oVirt's): the VM's disks at one moment, one :class:`DiskSnapshot` each.

    ``type``: ``regular`` (taken by a user), ``preview`` ("Active VM before the preview": the
    volumes to go back to while another snapshot is previewed); the VM's ``active`` snapshot is
    not stored, it is the VM itself. ``status``: ``locked`` while its job runs, ``ok``,
    ``in_preview`` while previewed."""

    __tablename__ = "snapshots"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    vm_id: Mapped[str] = mapped_column(ForeignKey("vms.id", ondelete="CASCADE"), index=True)
    description: Mapped[str] = mapped_column(Text, default="")
    type: Mapped[str] = mapped_column(String(20), default="regular")
    status: Mapped[str] = mapped_column(String(20), default="locked")
    date: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    # A snapshot's parts are never deleted with it: a part the backend still has is hidden
    # (its ``snapshot_id`` cleared) and collected once nothing depends on it
    # (:func:`ovirt_engine_host.commands.collection.drop_snapshot`).
    disks: Mapped[list[DiskSnapshot]] = relationship(
        back_populates="snapshot", cascade="save-update, merge", passive_deletes="all", lazy="selectin",
        order_by="DiskSnapshot.created",
    )  # fmt: skip


class DiskSnapshot(Base):
    """One disk's part of a VM snapshot: ``volume_id`` is the volume it copies (the disk's active
    volume when it was taken); ``backend_id`` the backend's snapshot of it (``None`` for a
    ``preview`` snapshot, which only remembers the volumes, and until the create's handle is
    persisted). A part without a ``snapshot_id`` is hidden: the user removed its snapshot, but a
    volume made from it still needs it in the backend."""

    __tablename__ = "disk_snapshots"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    snapshot_id: Mapped[str | None] = mapped_column(
        ForeignKey("snapshots.id", ondelete="SET NULL"), index=True, default=None
    )
    disk_id: Mapped[str] = mapped_column(ForeignKey("disks.id", ondelete="CASCADE"), index=True)
    volume_id: Mapped[str] = mapped_column(String(255), index=True)
    backend_id: Mapped[str | None] = mapped_column(String(255), default=None)
    status: Mapped[str] = mapped_column(String(20), default="locked")
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    snapshot: Mapped[Snapshot | None] = relationship(back_populates="disks", lazy="joined")

    @property
    def description(self) -> str:
        """The contract's ``SnapshotView.description``: the VM snapshot's (none once hidden)."""
        return self.snapshot.description if self.snapshot is not None else ""


class DiskVolume(Base):
    """A backend volume a disk has: its active one, and those it ran on before that a snapshot
    still copies. ``origin_id``: the disk snapshot it was made from (a copy-on-write child of it,
    which the backend cannot delete while the volume lives). What depends on what is read from
    these rows and the parts' ``volume_id``; :mod:`ovirt_engine_host.commands.collection` deletes
    what nothing needs any more, children first."""

    __tablename__ = "disk_volumes"

    id: Mapped[str] = mapped_column(String(255), primary_key=True)  # the backend's volume id
    disk_id: Mapped[str] = mapped_column(ForeignKey("disks.id", ondelete="CASCADE"), index=True)
    origin_id: Mapped[str | None] = mapped_column(
        ForeignKey("disk_snapshots.id", ondelete="SET NULL"), index=True, default=None
    )
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


# ---------------------------------------------------------------------------------------------
# Access: roles, groups, permissions on objects, tokens and the audit log
# ---------------------------------------------------------------------------------------------


class Role(Base):
    """A role (oVirt's): a set of action groups. Predefined roles (``mutable`` false) have fixed
    ids and their action groups in code (:mod:`ovirt_engine_host.access.roles`); a custom role's
    are its :class:`RolePermit` rows. ``administrative``: holding it anywhere makes its holder an
    administrator (unfiltered views by default). ``allows_viewing_children``: a permission with it
    on an object reveals the objects below (oVirt's creator roles do not)."""

    __tablename__ = "roles"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(126), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    administrative: Mapped[bool] = mapped_column(Boolean, default=False)
    mutable: Mapped[bool] = mapped_column(Boolean, default=True)
    allows_viewing_children: Mapped[bool] = mapped_column(Boolean, default=True)
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class RolePermit(Base):
    """One action group of a custom role."""

    __tablename__ = "role_permits"

    role_id: Mapped[str] = mapped_column(ForeignKey("roles.id", ondelete="CASCADE"), primary_key=True)
    permit: Mapped[str] = mapped_column(String(60), primary_key=True)


class Group(Base):
    """A local group of users: a permission given to a group holds for each of its members."""

    __tablename__ = "user_groups"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(255), unique=True)
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class GroupMember(Base):
    __tablename__ = "group_members"

    group_id: Mapped[str] = mapped_column(ForeignKey("user_groups.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True)


class Permission(Base):
    """A role given to a user or to a group on one object (``object_type``, ``object_id``;
    the whole system: ``system``/``system``). It holds on the object and, by inheritance, on
    every object below it (:mod:`ovirt_engine_host.access.tree`)."""

    __tablename__ = "permissions"
    # What a user or a group holds on a type of object, read from the index alone (the access
    # tree asks it per holder: :func:`ovirt_engine_host.access.authentication.holdings`).
    __table_args__ = (
        Index("ix_permissions_object", "object_type", "object_id"),
        Index("ix_permissions_user_object", "user_id", "object_type", "object_id", "role_id"),
        Index("ix_permissions_group_object", "group_id", "object_type", "object_id", "role_id"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    role_id: Mapped[str] = mapped_column(ForeignKey("roles.id", ondelete="RESTRICT"), index=True)
    user_id: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), default=None)
    group_id: Mapped[str | None] = mapped_column(ForeignKey("user_groups.id", ondelete="CASCADE"), default=None)
    object_type: Mapped[str] = mapped_column(String(60))
    object_id: Mapped[str] = mapped_column(String(255))
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class AccessToken(Base):
    """An SSO bearer token (oVirt's ``/ovirt-engine/sso/oauth/token``): stored as its SHA-256
    only, valid until ``expires`` unless revoked (``/ovirt-engine/services/sso-logout``)."""

    __tablename__ = "access_tokens"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)


class Event(Base):
    """An audit event (oVirt's audit log, ``/api/events``): what was done, by whom, on what, and
    how it ended. Never holds a secret. ``id`` grows with time (``from`` pages on it)."""

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    time: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    severity: Mapped[str] = mapped_column(String(20), default="normal")
    code: Mapped[int] = mapped_column(Integer)
    description: Mapped[str] = mapped_column(Text)
    user_id: Mapped[str | None] = mapped_column(String(36), index=True, default=None)
    user_name: Mapped[str | None] = mapped_column(String(255), default=None)
    object_type: Mapped[str | None] = mapped_column(String(60), default=None)
    object_id: Mapped[str | None] = mapped_column(String(255), default=None)
    correlation_id: Mapped[str | None] = mapped_column(String(255), default=None)

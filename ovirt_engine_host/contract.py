# mypy: disable-error-code="empty-body"
# (a hook specification has no body: pluggy reads only its name, signature and docstring)
"""The plugin contract: the engine's pluggy hook specifications (project name ``ovirt_engine``),
the hookimpl marker, the types that cross the boundary and the services handed to plugins.

A plugin is a module or object found through the entry point group ``ovirt_engine.plugins``; its
hook implementations carry :data:`hookimpl` and have the name of the spec they implement. An
implementation may take any subset of the spec's parameters, by name.

**This module is the only part of the engine a plugin imports** (as pytest and datasette plugins
import their host's ``hookimpl``); the rest of the engine is its own business and may change
without notice. What crosses the boundary:

- *Arguments* are the engine's own objects (dataclasses, ORM rows) that the plugin only reads, by
  attribute, as the ``...View`` protocols below state (the engine's objects are checked against
  them by mypy). Anything else on those objects is the engine's business.
- *Return values* are plain ``dict`` objects (or lists of them) with exactly the keys of the
  ``TypedDict`` named in the spec (:class:`OperationHandle`, :class:`OperationStatus`,
  :class:`ConnectionInfo`, :class:`HostSecret`, :class:`QuotaVerdict`,
  :class:`StorageDomainType`, :class:`MigrationBranch`, :class:`DomainStatus`,
  :class:`BackendVolume`): every key present, ``None`` where allowed.

**A spec exists only while the engine calls it**: the specs for snapshots, clones, reverts and
unregistered disks come with the features that call them.

**Dispatch by storage-domain type.** Every storage spec is ``firstresult=True``: the engine calls
the hook once, every plugin sees the ``storage_domain`` and an implementation returns ``None`` when
``storage_domain.type`` is not one of the types it registered through
:func:`ovirt_engine_storage_domain_types`; the first non-``None`` result is the answer. A ``None``
answer to the engine therefore means "no installed plugin serves this storage-domain type".

**Asynchronous operations.** A storage hook that changes the backend starts the change and returns
an :class:`OperationHandle` at once. The engine persists the handle (the disk stays ``LOCKED``),
polls all pending handles of one storage domain at a time through the batched
:func:`ovirt_engine_poll_operations` with backoff, maps the :class:`OperationStatus` to the disk's
status (``OK`` / ``ILLEGAL`` with the reason kept) and resumes polling after an engine restart.
Because the engine may stop after a hook returned but before it persisted the handle, a hook that
starts an operation must be idempotent for its ``request_id``: called again for the same engine
object, it returns the handle of the operation already started instead of starting a second one.

**Errors.** An implementation that cannot start an operation (invalid request, backend unreachable,
backend refusal) raises an exception; the engine fails the request with the exception's message,
so messages must be meaningful to an administrator and must never contain a secret. Two optional
attributes of the exception steer the engine (a plugin cannot import engine exception classes):
``status``, the HTTP status to answer with (4xx: the request is wrong, e.g. ``409`` for a quota
or a conflict, the message starting with the field at fault; 5xx: the backend failed; default
``502``), and ``transient`` (``True`` when retrying later may succeed, e.g. the backend is
unreachable). A poll that raises leaves every operation of the call pending, to be polled again
with backoff: a network error never fails an operation.

**Secrets.** Backend credentials and keys never appear in a :class:`ConnectionInfo`, in a return
value meant for REST, or in a log line. A Ceph cephx key reaches hypervisors only as a libvirt
secret, through :func:`ovirt_engine_host_secrets`.

Importing this module has no side effects: the engine builds its ``pluggy.PluginManager`` in
``create_app`` and adds these specs there.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, Protocol, TypedDict

import pluggy

if TYPE_CHECKING:
    from sqlalchemy import MetaData
    from sqlalchemy.orm import Session, sessionmaker

PROJECT_NAME = "ovirt_engine"
"""The pluggy project name shared by the engine and its plugins."""

hookspec = pluggy.HookspecMarker(PROJECT_NAME)
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)
"""The marker of a plugin's hook implementations: ``@hookimpl def ovirt_engine_...``."""

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
"""The constraint names of every table in the engine's database, the plugins' included (their
``MetaData(naming_convention=NAMING_CONVENTION)``): migrations can name what they alter, on
SQLite and PostgreSQL alike."""

OPERATION_KINDS = ("create_disk", "delete_disk", "extend_disk", "create_snapshot", "delete_snapshot", "clone_disk",
                   "clone_volume", "copy_volume", "delete_volume", "retype_disk")  # fmt: skip
"""The values of :attr:`OperationHandle.kind`: the name of the hook that started the operation,
without the ``ovirt_engine_`` prefix."""

OperationState = Literal["pending", "done", "failed", "gone"]
VolumeCondition = Literal["ok", "busy", "error"]


# ---------------------------------------------------------------------------------------------
# What the engine passes in (read-only, by attribute)
# ---------------------------------------------------------------------------------------------


class StorageDomainView(Protocol):
    """A storage domain, as a plugin may read it."""

    @property
    def id(self) -> str:
        """The engine's storage-domain id (UUID string)."""

    @property
    def name(self) -> str:
        """Its unique name."""

    @property
    def description(self) -> str:
        """Its description (may be empty)."""

    @property
    def type(self) -> str:
        """The storage-domain type that selects the plugin (``"cinder"``)."""

    @property
    def data_center_id(self) -> str:
        """The id of the data center the domain belongs to."""

    @property
    def backend_ref(self) -> str | None:
        """The plugin's own reference for the domain, as given to ``storage_domains.create``
        (the Cinder plugin: its provider id)."""


class DiskView(Protocol):
    """A disk (a Cinder volume on a ``cinder`` domain), as a plugin may read it."""

    @property
    def id(self) -> str:
        """The engine's disk id (UUID string); the idempotency key of operations on the disk.
        For :func:`ovirt_engine_create_disk` it is the request id of the create (the disk row
        does not exist yet); once the create's handle is recorded the disk's id is the handle's
        ``backend_id``, as in oVirt where a Cinder disk's id is its volume id."""

    @property
    def name(self) -> str:
        """The disk's alias."""

    @property
    def description(self) -> str:
        """Its description (may be empty)."""

    @property
    def provisioned_size(self) -> int:
        """The size the guest sees, in bytes."""

    @property
    def volume_type(self) -> str | None:
        """The backend volume type asked for (a Cinder volume type name or id), or ``None``."""

    @property
    def active_volume_id(self) -> str | None:
        """The backend volume the disk runs on now (oVirt's ``image_id``; the disk's id is its
        image group): every operation on the disk's data acts on it. It is the volume the disk
        was created with until a preview, a commit or a stateless run puts the disk on another
        one; ``None`` only before the create's handle was persisted."""

    @property
    def storage_domain_id(self) -> str:
        """The id of the storage domain the disk lives on."""


class UserView(Protocol):
    """The user a request is made by (HTTP Basic), as a plugin may read it."""

    @property
    def id(self) -> str:
        """The engine's user id (UUID string)."""

    @property
    def name(self) -> str:
        """The user name."""

    @property
    def administrator(self) -> bool:
        """Whether the user (or a group of his) holds an administrative role anywhere."""


Decision = Literal["allow", "deny", "hide"]
"""A decision of :func:`ovirt_engine_permission`: ``allow``; ``deny`` (403, naming the user, the
action group and the object); ``hide`` (404, as if the object did not exist)."""


@dataclass(frozen=True)
class AccessTarget:
    """The object a request acts on: its type (oVirt's element name: ``disk``, ``vm``,
    ``storage_domain``, ``system``, ``openstack_volume_provider``…), its id, and whether the type
    is administrative (its management is for administrators: refused with 403, not hidden)."""

    type: str
    id: str | None
    administrative: bool = False


@dataclass(frozen=True)
class AccessFacts:
    """What the engine's permissions say of one object for one user and one action group, read
    in one SQL statement: whether it ``exists``, whether the user may see it (``visible``: a
    permission of his on it, or above it with a role that allows viewing children; always, for an
    administrator out of filtered mode), whether a role of his holds the group on it or above it
    (``granted``), and whether the request is in ``filtered`` mode."""

    exists: bool
    visible: bool
    granted: bool
    filtered: bool


class AccessRegistry(Protocol):
    """What :func:`ovirt_engine_register_access` registers into."""

    def action_group(self, name: str, description: str, roles: tuple[str, ...] = ()) -> None:
        """A new action group, which the predefined roles named in ``roles`` (by name:
        ``StorageAdmin``…) hold besides SuperUser (who holds every group)."""

    def object_type(
        self,
        name: str,
        id_column: Any,
        name_column: Any,
        *,
        administrative: bool = False,
        what: str = "",
        collection: str = "",
    ) -> None:
        """A type of object permissions can be given on, right below the system: the plugin's
        table's id and name columns (SQLAlchemy columns), whether it is administrative, its
        name in words (``OpenStack volume provider``) and its REST collection
        (``openstackvolumeproviders``: the engine serves ``/api/{collection}/{id}/permissions``)."""


class SnapshotView(Protocol):
    """One disk's part of a VM snapshot, as a plugin may read it."""

    @property
    def id(self) -> str:
        """The engine's id of the disk snapshot (UUID string); the idempotency key of its create."""

    @property
    def description(self) -> str:
        """The VM snapshot's description."""

    @property
    def disk_id(self) -> str:
        """The disk it is a snapshot of."""

    @property
    def volume_id(self) -> str:
        """The backend volume it copies (the disk's active volume when it was taken)."""

    @property
    def backend_id(self) -> str | None:
        """The backend's snapshot id, ``None`` until the create's handle was persisted."""


class HostView(Protocol):
    """A hypervisor host, as a plugin may read it."""

    @property
    def id(self) -> str:
        """The engine's host id (UUID string)."""

    @property
    def name(self) -> str:
        """The host's name (its host name, as a storage backend's connector expects it)."""

    @property
    def address(self) -> str:
        """The address (IP or resolvable name) the host reaches storage from."""


class VmView(Protocol):
    """A virtual machine, as a plugin may read it."""

    @property
    def id(self) -> str:
        """The engine's VM id (UUID string)."""

    @property
    def name(self) -> str:
        """The VM's name."""


class DataCenterView(Protocol):
    """A data center, as a plugin may read it."""

    @property
    def id(self) -> str:
        """The engine's data-center id (UUID string)."""

    @property
    def name(self) -> str:
        """Its unique name."""


class QuotaRequestView(Protocol):
    """What an operation would consume, for :func:`ovirt_engine_check_quota`."""

    @property
    def operation(self) -> Literal["create", "extend", "snapshot", "retype"]:
        """``"create"`` (new volumes, including clones), ``"extend"`` (a bigger existing volume),
        ``"snapshot"`` (``count`` new snapshots of ``size_delta`` bytes each) or ``"retype"``
        (``count`` existing volumes of ``size_delta`` bytes each move to ``volume_type``: only
        that type's limits grow)."""

    @property
    def size_delta(self) -> int:
        """Bytes added per volume: the new disk's size for a create, new size minus current size
        for an extend, the disk's size for a retype."""

    @property
    def volume_type(self) -> str | None:
        """The volume type the bytes are counted against, ``None`` for the backend's default."""

    @property
    def count(self) -> int:
        """How many volumes a create adds (more than one for a VM pool); ``0`` for an extend;
        ``1`` for a retype (the volume the type gains)."""


# The services facade handed to ovirt_engine_register_rest.


class RestApi(Protocol):
    """The part of ``flask_smorest.Api`` a plugin uses."""

    def register_blueprint(self, blp: Any, **options: Any) -> None:
        """Register a flask-smorest blueprint (routes and OpenAPI documentation)."""


class StorageDomainsService(Protocol):
    """The engine's storage domains, for plugins that create domains of their own type. Each
    method works in the caller's SQLAlchemy session (from ``services.session_factory``), so that
    a plugin's own rows and the domain commit or roll back together."""

    def create(
        self, session: Session, *, data_center_id: str, name: str, type: str, backend_ref: str, description: str = ""
    ) -> StorageDomainView:
        """Add an active storage domain of ``type`` in the data center, with the plugin's
        ``backend_ref`` for it (the plugin's id of what backs it, known before: nothing is
        patched later); flushed, not committed (a duplicate name fails at commit)."""

    def rename(self, session: Session, domain: StorageDomainView, name: str) -> None:
        """Give the storage domain a new name (flushed, not committed)."""

    def remove(self, session: Session, domain: StorageDomainView) -> None:
        """Remove the storage domain (flushed, not committed)."""

    def by_backend_ref(self, session: Session, type: str, backend_ref: str) -> StorageDomainView | None:
        """The storage domain of ``type`` whose ``backend_ref`` is ``backend_ref``, or ``None``."""


class DataCentersService(Protocol):
    """The engine's data centers, read-only."""

    def get(self, id: str) -> DataCenterView | None:
        """The data center with that id, or ``None``."""

    def find(self, reference: Mapping[str, Any] | str) -> DataCenterView | None:
        """The data center a reference names (``{"id": …}`` or ``{"name": …}``; a bare string:
        an id, else a name), or ``None``."""


class SecretBoxService(Protocol):
    """The engine's encryption of secrets at rest (plugins store passwords and keys with it)."""

    def encrypt(self, plaintext: str) -> bytes:
        """Encrypt a secret for storage."""

    def decrypt(self, token: bytes) -> str:
        """Decrypt a stored secret; raises ``ValueError`` when it does not decrypt."""


class PluginServices(Protocol):
    """The engine's services for plugins (the only engine API a plugin sees)."""

    @property
    def session_factory(self) -> sessionmaker[Session]:
        """SQLAlchemy ``sessionmaker`` of the engine database (where the plugin's tables live)."""

    @property
    def Blueprint(self) -> type[Any]:  # noqa: N802 -- used like the class it is: services.Blueprint(...)
        """The engine's ``flask_smorest.Blueprint`` subclass: it also reads XML bodies and writes
        XML responses for schemas that name their element (``xml_element``, ``xml_collection``)."""

    @property
    def storage_domains(self) -> StorageDomainsService:
        """Create, remove and look up storage domains."""

    @property
    def data_centers(self) -> DataCentersService:
        """Get and find data centers."""

    @property
    def secret_box(self) -> SecretBoxService:
        """Encrypt and decrypt secrets at rest."""

    @property
    def disks_on_storage_domain(self) -> Callable[[str], int]:
        """``disks_on_storage_domain(storage_domain_id)`` -> how many engine disks live there.
        A plugin refuses to drop a domain that still holds disks unless forced."""

    @property
    def engine_id(self) -> str:
        """This engine installation's id (made once, at ``db upgrade``): a plugin tags what it
        creates in its backend with it, so that no other engine offers it for registration."""

    def extension(self, name: str, build: Callable[[], Any]) -> Any:
        """The plugin's own state for this application, registered under ``name`` (built by
        ``build`` on first use, once): where a plugin keeps what it holds per application,
        instead of module globals."""

    def host_secrets_changed(self, data_center_id: str) -> None:
        """Tell the engine that the plugin's libvirt secrets of the data center changed (a key
        added, changed or removed): its active hosts get them at once."""


# ---------------------------------------------------------------------------------------------
# What a plugin returns (plain dicts with these keys)
# ---------------------------------------------------------------------------------------------


class BackendVolume(TypedDict):
    """A volume as the backend holds it, for the engine to offer it for registration."""

    id: str
    name: str
    description: str
    size: int
    """Bytes."""
    volume_type: str | None
    created: str | None
    """ISO 8601, the backend's."""
    status: str
    """The backend's own word (Cinder's ``available``, ``in-use``, ``error``…)."""
    attached: bool
    """In use by something (attached to a host or an instance)."""
    engine_id: str | None
    """The engine installation that tagged it (:attr:`PluginServices.engine_id`), if any."""
    request_id: str | None
    """The engine request that created it, if an engine made it."""
    condition: VolumeCondition
    """The plugin's reading of ``status`` for the engine: ``ok`` (usable: Cinder's ``available``,
    ``in-use``), ``busy`` (an operation runs on it: ``creating``, ``extending``, ``attaching``…)
    or ``error`` (it failed: ``error``, ``error_extending``…)."""
    reason: str | None
    """Why it is in ``error``, in the backend's words where it has them; ``None`` otherwise."""


class OperationHandle(TypedDict):
    """An asynchronous operation the plugin started, persisted by the engine until it ends."""

    backend_id: str
    """The backend object the operation works on (a Cinder volume id); what
    :func:`ovirt_engine_poll_operations` looks at."""
    kind: str
    """One of :data:`OPERATION_KINDS`."""
    request_id: str
    """The engine's idempotency key: the id of the engine object the operation is for."""


class OperationStatus(TypedDict):
    """Where one :class:`OperationHandle` stands."""

    backend_id: str
    """The handle's ``backend_id``, repeated."""
    state: OperationState
    """``pending`` (still running), ``done`` (succeeded), ``failed`` (the backend reports an error)
    or ``gone`` (the backend object does not exist: success for ``delete_*`` kinds, failure for
    the others)."""
    reason: str | None
    """Why it failed or is gone, in the backend's words; ``None`` otherwise."""
    actual_size: int | None
    """The volume's size in bytes on the backend once ``done`` (it may exceed the size asked
    for, e.g. Cinder rounds up to whole GiB); ``None`` when unknown or not a volume."""
    backend_status: str | None
    """The backend's own status word (Cinder: ``creating``, ``extending``, ``available``,
    ``error_deleting``, ...), ``None`` when the object is gone. The engine restarts its backoff
    when it changes and shows it in the job's progress."""


class ConnectionInfo(TypedDict):
    """How a host opens a disk: os-brick / Nova style connection info, free of secrets."""

    driver_volume_type: str
    """The connection protocol, e.g. ``"rbd"``."""
    data: dict[str, Any]
    """Protocol parameters; for ``rbd``: ``name`` (``pool/image``), ``hosts``, ``ports``,
    ``auth_enabled``, ``auth_username``, ``secret_type`` (``"ceph"``), ``secret_uuid`` (the
    libvirt secret holding the key), ``cluster_name``, ``discard``. Never a key or a keyring."""
    attachment_id: str | None
    """The backend's attachment id (a Cinder attachment), ``None`` when the backend has none."""


class HostSecret(TypedDict):
    """A libvirt secret every active host of a data center must hold."""

    usage_type: str
    """libvirt's secret usage type: ``"ceph"``."""
    usage_name: str
    """libvirt's usage name, unique per secret: ``"ovirt/<provider-id>/<key-uuid>"``."""
    uuid: str
    """The libvirt secret UUID; the ``secret_uuid`` that connection info refers to."""
    value: bytes
    """The raw secret (for cephx: the base64-decoded key). Never logged, never shown by REST."""
    description: str
    """A human-readable description (no secret in it)."""


class QuotaVerdict(TypedDict):
    """Whether an operation fits the backend's quota."""

    allowed: bool
    """``False`` when the operation would exceed a limit."""
    limit: str | None
    """The name of the limit that refuses (Cinder: ``"gigabytes"``, ``"volumes"``,
    ``"gigabytes_<type>"``, ``"volumes_<type>"``), else ``None``."""
    message: str | None
    """An administrator-readable explanation when refused, else ``None``."""
    in_use: int | None
    """Usage of ``limit`` now (in its unit: GiB or volumes), ``None`` when no limit refuses."""
    requested: int | None
    """What the operation adds to ``limit`` (same unit), ``None`` when no limit refuses."""
    maximum: int | None
    """The limit's maximum (same unit), ``None`` when no limit refuses."""


class DiskRules(TypedDict):
    """What disks of a storage-domain type may be: the engine checks every new disk, extend and
    attachment against them before anything is written, answering with the plugin's words."""

    formats: list[str]
    """The disk formats the backend stores (oVirt's ``raw`` / ``cow``); the first is the default."""
    size_granularity: int
    """Sizes (bytes) must be a positive multiple of this (Cinder: 1 GiB)."""
    size_rule: str
    """The plugin's words for that rule, shown after ``provisioned_size:`` when a size breaks it
    (e.g. ``"Cinder volumes are sized in whole GiB"``)."""
    shareable: bool
    """Whether a disk may be attached to several VMs at once."""
    extra_fields: list[str]
    """The optional disk fields of oVirt's API the type takes, beyond the common ones (Cinder:
    ``["openstack_volume_type"]``): another type's disk naming one is refused."""


class HostIntegration(TypedDict):
    """How the type's disks reach a hypervisor: VDSM hook scripts that turn the engine's
    placeholder drives into real disks, from a VM custom property."""

    custom_property: str
    """The VM custom property (an environment variable of the hook scripts) holding, as JSON,
    disk id -> :class:`ConnectionInfo` for the VM's disks of this type."""
    hooks_dir: str
    """The directory of the type's hook scripts, one sub-directory per VDSM event
    (``before_vm_start``, ``before_disk_hotplug``), as installed under VDSM's hook directory."""


class StorageDomainType(TypedDict):
    """A storage-domain type a plugin serves: how oVirt's API shows its domains and disks, what
    its disks may be, and how they reach hosts.

    ``name`` is the engine's internal type (``storage_domain.type``, what hooks dispatch on);
    ``ovirt_type`` the domain's ``<type>`` in the API (oVirt 3.6: ``data``, ``iso``, ``export``,
    ``image``, ``volume``); ``storage_type`` its ``<storage><type>`` and its disks'
    ``<storage_type>`` (oVirt 3.6 showed a Cinder domain as ``volume`` / ``cinder``).
    """

    name: str
    ovirt_type: str
    storage_type: str
    disks: DiskRules
    host: HostIntegration


class DomainStatus(TypedDict):
    """How a storage domain's backend is, for the engine's domain monitor."""

    reachable: bool
    """Whether the backend (and what it depends on: Keystone) answered now. The engine shows the
    domain ``inactive`` once it has not answered for a while, ``active`` at the first answer."""
    reason: str | None
    """Why it did not answer (administrator-readable, no secret); ``None`` when it did."""
    available: int | None
    """Bytes that may still be allocated on the domain (oVirt's ``available``); ``None`` when
    unknown (not reachable, unlimited)."""
    used: int | None
    """Bytes in use on the domain (oVirt's ``used``); ``None`` when unknown."""
    source: str | None
    """Where ``available`` and ``used`` come from, in the plugin's word (the Cinder plugin:
    ``pool_statistics``, Cinder's pools as an administrator sees them, or ``quota``, the
    project's gigabytes quota and usage); ``None`` when unknown."""


class MigrationBranch(TypedDict):
    """A plugin's Alembic branch."""

    branch: str
    """The branch label (``branch_labels`` of the branch's first revision), e.g. ``"cinder"``."""
    versions_dir: str
    """Absolute path of the directory holding the branch's revision files."""


# ---------------------------------------------------------------------------------------------
# Registry hooks
# ---------------------------------------------------------------------------------------------


@hookspec
def ovirt_engine_storage_domain_types() -> list[StorageDomainType]:
    """Register the storage-domain types the plugin serves, with how the API shows them.

    The engine collects the lists of all plugins (not firstresult). A type served by two plugins is
    a configuration error the engine refuses to start with; a storage domain can only be created
    with a type some plugin serves. A plugin's storage hooks answer exactly for these types.

    :return: One :class:`StorageDomainType` per type, e.g. ``[{"name": "cinder", "ovirt_type":
        "volume", "storage_type": "cinder", "disks": {...}, "host": {...}}]``.

    **When**: once, when the engine builds its plugin manager (``create_app``).

    .. versionadded:: 0.1
    """


@hookspec
def ovirt_engine_register_rest(api: RestApi, services: PluginServices) -> None:
    """Add the plugin's REST resources to the engine's API.

    Not firstresult: every plugin registers its own blueprints.

    :param api: The engine's ``flask_smorest.Api``; call ``api.register_blueprint(blp)`` (URL
        prefixes under ``/api``, e.g. ``/api/openstackvolumeproviders``).
    :param services: The engine's service facade for plugins (:class:`PluginServices`). The engine
        guarantees these attributes:

        - ``session_factory``: SQLAlchemy ``sessionmaker`` of the engine database (where the
          plugin's tables live);
        - ``Blueprint``: the engine's flask-smorest ``Blueprint`` subclass: a view returns plain
          data and gets JSON or XML by content negotiation, and reads JSON or XML bodies, for
          schemas naming their element (``xml_element``, ``xml_collection``);
        - ``storage_domains``: ``create(session, *, data_center_id, name, type, backend_ref,
          description)``, ``remove(session, domain)``, ``by_backend_ref(session, type,
          backend_ref)``, all in the caller's session (flushed, not committed);
        - ``data_centers``: ``get(id)``, ``find(id_or_name)``;
        - ``secret_box``: ``encrypt(str) -> bytes``, ``decrypt(bytes) -> str``;
        - ``disks_on_storage_domain(storage_domain_id) -> int``: how many engine disks live on
          the domain.

        A plugin may keep ``services`` for the life of the application.
    :return: Nothing.

    **When**: once, in ``create_app``, after the engine registered its own blueprints.

    .. versionadded:: 0.1
    """


@hookspec
def ovirt_engine_db_metadata() -> MetaData | None:
    """Declare the plugin's own database tables.

    Not firstresult: the engine collects the metadata of every plugin. The tables live in the
    engine database; they are created by the plugin's Alembic branch
    (:func:`ovirt_engine_migrations`), never by ``create_all``. Table names should carry the
    plugin's prefix (``cinder_...``) so that plugins cannot collide.

    :return: The ``sqlalchemy.MetaData`` holding the plugin's tables, or ``None`` when it has none.

    **When**: once, when the engine builds its plugin manager; the engine uses it to check that
    the database schema matches (tests, ``db check``).

    .. versionadded:: 0.1
    """


@hookspec
def ovirt_engine_migrations() -> MigrationBranch | None:
    """Declare the plugin's Alembic branch.

    Not firstresult: the engine collects every plugin's branch and adds its versions directory to
    Alembic's ``version_locations``; ``db upgrade`` applies every branch up to its head.

    :return: ``{"branch": str, "versions_dir": str}`` (:class:`MigrationBranch`), e.g.
        ``{"branch": "cinder", "versions_dir": "/.../ovirt_cinder_plugin/db/versions"}``, or
        ``None`` when the plugin has no tables.

    **When**: at ``db upgrade`` (console command) and when the engine starts on a database.

    .. versionadded:: 0.1
    """


# ---------------------------------------------------------------------------------------------
# Storage operations (firstresult, dispatched by storage_domain.type)
# ---------------------------------------------------------------------------------------------


@hookspec(firstresult=True)
def ovirt_engine_create_disk(
    storage_domain: StorageDomainView, disk: DiskView, resuming: bool, services: PluginServices
) -> OperationHandle | None:
    """Start creating the backend volume of a new disk.

    An implementation returns ``None`` when ``storage_domain.type`` is not its own.
    Stops at first non-None result, see firstresult.

    :param storage_domain: The domain the disk is created on; reads ``id``, ``type``,
        ``backend_ref``, ``data_center_id``, ``name``.
    :param disk: The new disk; reads ``id`` (tag the volume with it, so that a repeated call finds
        the volume instead of creating a second one), ``name``, ``description``,
        ``provisioned_size`` (bytes; a backend with coarser sizes rounds up), ``volume_type``.
    :param resuming: ``False`` on the first call for ``disk.id``: nothing can exist yet, and the
        implementation may skip looking for it. ``True`` when the engine calls again for a request
        it may have sent before (it stopped, or lost the answer): the implementation looks the
        volume up by ``disk.id`` first and creates it only when it is not found.
    :param services: The engine's service facade (:class:`PluginServices`, the object
        :func:`ovirt_engine_register_rest` received): where the plugin finds its own rows.
    :return: An :class:`OperationHandle` ``{"backend_id": <volume id>, "kind": "create_disk",
        "request_id": disk.id}``, or ``None`` for a foreign domain type.

    **When**: when a disk is added on a domain of the plugin's type (``POST /disks``, or with a
    new VM), after :func:`ovirt_engine_check_quota` allowed it; the disk is ``LOCKED`` until the
    poll says ``done`` (then ``OK``) or ``failed`` (then ``ILLEGAL``, with the reason).

    .. versionadded:: 0.1
    """


@hookspec(firstresult=True)
def ovirt_engine_delete_disk(
    storage_domain: StorageDomainView, disk: DiskView, services: PluginServices
) -> OperationHandle | None:
    """Start deleting a disk's backend volume.

    An implementation returns ``None`` when ``storage_domain.type`` is not its own.
    Stops at first non-None result, see firstresult.

    :param storage_domain: The disk's domain; reads ``id``, ``type``, ``backend_ref``.
    :param disk: The disk; reads ``id`` and ``active_volume_id`` (when ``None``, the implementation looks
        the volume up by the disk id it was tagged with).
    :param services: The engine's service facade (:class:`PluginServices`, the object
        :func:`ovirt_engine_register_rest` received): where the plugin finds its own rows.
    :return: An :class:`OperationHandle` with ``"kind": "delete_disk"`` and ``request_id``
        ``disk.id``; the deletion is complete when the poll answers ``gone``. ``None`` for a
        foreign domain type.

    **When**: when a disk is removed (``DELETE /disks/{id}``, or a VM, template or pool removed
    with its disks); the engine refuses while the disk is plugged into a running VM or has thin
    clones.

    .. versionadded:: 0.1
    """


@hookspec(firstresult=True)
def ovirt_engine_extend_disk(
    storage_domain: StorageDomainView,
    disk: DiskView,
    new_size: int,
    services: PluginServices,
) -> OperationHandle | None:
    """Start growing a disk's backend volume.

    An implementation returns ``None`` when ``storage_domain.type`` is not its own.
    Stops at first non-None result, see firstresult.

    :param storage_domain: The disk's domain; reads ``id``, ``type``, ``backend_ref``.
    :param disk: The disk; reads ``id``, ``active_volume_id``, ``provisioned_size`` (the current size).
    :param new_size: The new size in bytes, larger than ``disk.provisioned_size``; a backend with
        coarser sizes rounds up (the poll's ``actual_size`` tells the size reached).
    :param services: The engine's service facade (:class:`PluginServices`, the object
        :func:`ovirt_engine_register_rest` received): where the plugin finds its own rows.
    :return: An :class:`OperationHandle` with ``"kind": "extend_disk"``, ``backend_id`` the volume
        id and ``request_id`` ``disk.id``, or ``None`` for a foreign domain type.

    **When**: when a disk's ``provisioned_size`` is raised (``PUT /disks/{id}``), after
    :func:`ovirt_engine_check_quota` allowed it.

    .. versionadded:: 0.1
    """


@hookspec(firstresult=True)
def ovirt_engine_create_snapshot(
    storage_domain: StorageDomainView,
    disk: DiskView,
    snapshot: SnapshotView,
    resuming: bool,
    services: PluginServices,
) -> OperationHandle | None:
    """Start a point-in-time copy of a disk's active volume (crash consistent when the VM runs).

    An implementation returns ``None`` when ``storage_domain.type`` is not its own.
    Stops at first non-None result, see firstresult.

    :param storage_domain: The disk's domain; reads ``id``, ``type``, ``backend_ref``.
    :param disk: The disk; reads ``id``, ``name``, ``active_volume_id``.
    :param snapshot: The disk snapshot to make; reads ``id`` (the idempotency key: tag the backend
        snapshot with it), ``description``, ``volume_id`` (the volume to copy: the disk's active
        volume when the snapshot was asked for).
    :param resuming: ``True`` when the engine may have asked before: find the snapshot by
        ``snapshot.id`` first.
    :param services: The engine's service facade (:class:`PluginServices`).
    :return: An :class:`OperationHandle` with ``"kind": "create_snapshot"``, ``backend_id`` the
        backend's snapshot id and ``request_id`` ``snapshot.id``.

    **When**: for each disk of a VM snapshot (``POST /vms/{id}/snapshots``), in one job.

    .. versionadded:: 0.2
    """


@hookspec(firstresult=True)
def ovirt_engine_delete_snapshot(
    storage_domain: StorageDomainView, snapshot: SnapshotView, services: PluginServices
) -> OperationHandle | None:
    """Start deleting a disk snapshot on the backend.

    An implementation returns ``None`` when ``storage_domain.type`` is not its own.
    Stops at first non-None result, see firstresult. A snapshot that is gone already is fine (the
    poll answers ``gone``, which is success for a delete); one the backend refuses to delete
    (a volume made from it depends on it) raises with ``status`` 409.

    :param storage_domain: The domain; reads ``id``, ``type``, ``backend_ref``.
    :param snapshot: The disk snapshot; reads ``id``, ``backend_id``.
    :param services: The engine's service facade (:class:`PluginServices`).
    :return: An :class:`OperationHandle` with ``"kind": "delete_snapshot"``.

    **When**: when a VM snapshot is removed, when a failed snapshot job undoes its parts, and
    when the engine collects a hidden snapshot nothing depends on any more (after a commit, a
    VM's or a disk's removal). The engine never asks while a volume made from it lives.

    .. versionadded:: 0.2
    """


@hookspec(firstresult=True)
def ovirt_engine_clone_disk(
    storage_domain: StorageDomainView,
    disk: DiskView,
    snapshot: SnapshotView,
    request_id: str,
    resuming: bool,
    services: PluginServices,
) -> OperationHandle | None:
    """Start a new volume made from a disk snapshot (thin where the backend can: an RBD
    copy-on-write child of the snapshot), the disk's size and type.

    An implementation returns ``None`` when ``storage_domain.type`` is not its own.
    Stops at first non-None result, see firstresult.

    :param storage_domain: The domain; reads ``id``, ``type``, ``backend_ref``.
    :param disk: The disk the volume is for; reads ``id``, ``name``, ``description``,
        ``provisioned_size``, ``volume_type``.
    :param snapshot: The disk snapshot to start from; reads ``backend_id``.
    :param request_id: The idempotency key: tag the new volume with it.
    :param resuming: ``True`` when the engine may have asked before: look the volume up first.
    :param services: The engine's service facade (:class:`PluginServices`).
    :return: An :class:`OperationHandle` with ``"kind": "clone_disk"``, ``backend_id`` the new
        volume's id and ``request_id`` ``request_id``.

    **When**: for each disk of a snapshot preview (``POST /vms/{id}/preview_snapshot``).

    .. versionadded:: 0.2
    """


@hookspec(firstresult=True)
def ovirt_engine_clone_volume(
    storage_domain: StorageDomainView,
    disk: DiskView,
    source_volume_id: str,
    request_id: str,
    resuming: bool,
    services: PluginServices,
) -> OperationHandle | None:
    """Start a new volume made from another volume of the domain (thin where the backend can:
    on RBD Cinder makes a copy-on-write child of it), the disk's size and type.

    An implementation returns ``None`` when ``storage_domain.type`` is not its own.
    Stops at first non-None result, see firstresult.

    :param storage_domain: The domain; reads ``id``, ``type``, ``backend_ref``.
    :param disk: The new disk as planned (its ``id`` is ``request_id``); reads ``id``, ``name``,
        ``description``, ``provisioned_size``, ``volume_type``.
    :param source_volume_id: The backend volume to start from.
    :param request_id: The idempotency key: tag the new volume with it.
    :param resuming: ``True`` when the engine may have asked before: look the volume up first.
    :param services: The engine's service facade (:class:`PluginServices`).
    :return: An :class:`OperationHandle` with ``"kind": "clone_volume"``, ``backend_id`` the new
        volume's id and ``request_id`` ``request_id``.

    **When**: for each disk of a new template (``POST /templates``: a volume made from the VM
    disk's active volume) and of a VM made from a template (``POST /vms`` with a ``template``:
    a volume made from the template disk's).

    .. versionadded:: 0.3
    """


@hookspec(firstresult=True)
def ovirt_engine_copy_volume(
    storage_domain: StorageDomainView,
    disk: DiskView,
    source_volume_id: str,
    request_id: str,
    resuming: bool,
    services: PluginServices,
) -> OperationHandle | None:
    """Start an independent copy of a volume of the domain: the same bytes, and nothing that ties
    it to the source afterwards (on RBD: no parent image). Done only once it is independent.

    An implementation returns ``None`` when ``storage_domain.type`` is not its own.
    Stops at first non-None result, see firstresult.

    :param storage_domain: The domain; reads ``id``, ``type``, ``backend_ref``.
    :param disk: The new disk as planned (its ``id`` is ``request_id``); reads ``id``, ``name``,
        ``description``, ``provisioned_size``, ``volume_type``.
    :param source_volume_id: The backend volume to copy.
    :param request_id: The idempotency key: tag the new volume with it.
    :param resuming: ``True`` when the engine may have asked before: look the volume up first.
    :param services: The engine's service facade (:class:`PluginServices`).
    :return: An :class:`OperationHandle` with ``"kind": "copy_volume"``, ``backend_id`` the new
        volume's id and ``request_id`` ``request_id``.

    **When**: for each disk of a VM made from a template as a clone (``POST /vms`` with a
    ``template`` and ``<disks><clone>true</clone></disks>``) and of a VM's clone
    (``POST /vms/{id}/clone``).

    .. versionadded:: 0.3
    """


@hookspec(firstresult=True)
def ovirt_engine_list_volumes(
    storage_domain: StorageDomainView, services: PluginServices
) -> list[BackendVolume] | None:
    """Every volume the domain's backend holds for it (for Cinder: the provider's project), in
    one backend request, whoever made them; the engine decides which it offers for registration.

    An implementation returns ``None`` when ``storage_domain.type`` is not its own.
    Stops at first non-None result, see firstresult.

    :param storage_domain: The domain; reads ``id``, ``type``, ``backend_ref``.
    :param services: The engine's service facade (:class:`PluginServices`).
    :return: A list of :class:`BackendVolume`.

    **When**: ``GET /storagedomains/{id}/disks;unregistered`` (or ``?unregistered=true``) and
    before a registration; and by the engine's domain monitor every
    ``OVIRT_ENGINE_MONITOR_SYNC_INTERVAL`` seconds per domain, in one engine process at a time,
    to reconcile the domain's disks with their volumes (a volume gone or in ``error`` makes its
    disk ``illegal``, one resized outside the engine gives the disk its size; the reconciliation
    never deletes anything and leaves disks with an operation under way alone).

    .. versionadded:: 0.3
    """


@hookspec(firstresult=True)
def ovirt_engine_register_volume(
    storage_domain: StorageDomainView, volume_id: str, services: PluginServices
) -> BackendVolume | None:
    """Claim a volume the engine will now know as a disk: tag it in the backend as this
    engine's (:attr:`PluginServices.engine_id`) and the domain's, without touching its data.

    An implementation returns ``None`` when ``storage_domain.type`` is not its own.
    Stops at first non-None result, see firstresult. A volume that is gone raises with ``status``
    404.

    :param storage_domain: The domain; reads ``id``, ``type``, ``backend_ref``.
    :param volume_id: The backend volume.
    :param services: The engine's service facade (:class:`PluginServices`).
    :return: The volume as a :class:`BackendVolume`, as it is now.

    **When**: ``POST /storagedomains/{id}/disks;unregistered`` with ``<disk id="…"/>`` and
    ``POST /storagedomains/{id}/disks/{disk_id}/register``, once the engine checked the volume.

    .. versionadded:: 0.3
    """


@hookspec(firstresult=True)
def ovirt_engine_delete_volume(
    storage_domain: StorageDomainView, volume_id: str, request_id: str, services: PluginServices
) -> OperationHandle | None:
    """Start deleting a backend volume that is not (or no longer) a disk's own: a preview's, or
    one a disk ran on before a commit, or any volume of a disk removed with its snapshots.

    An implementation returns ``None`` when ``storage_domain.type`` is not its own.
    Stops at first non-None result, see firstresult. A volume that is gone already is fine.

    :param storage_domain: The domain; reads ``id``, ``type``, ``backend_ref``.
    :param volume_id: The backend volume.
    :param request_id: The engine's key for the operation (a retried delete is harmless).
    :param services: The engine's service facade (:class:`PluginServices`).
    :return: An :class:`OperationHandle` with ``"kind": "delete_volume"``.

    **When**: when a snapshot preview is undone; when the engine collects a volume no snapshot
    copies any more; for every volume of a disk removed with its snapshots (children first:
    the engine never asks while the volume has snapshots).

    .. versionadded:: 0.2
    """


@hookspec(firstresult=True)
def ovirt_engine_poll_operations(
    storage_domain: StorageDomainView,
    operations: list[OperationHandle],
    services: PluginServices,
) -> list[OperationStatus] | None:
    """Tell where pending operations of one storage domain stand (batched).

    An implementation returns ``None`` when ``storage_domain.type`` is not its own.
    Stops at first non-None result, see firstresult.

    The implementation answers for every handle and should make a constant number of backend
    requests per call (Cinder: one volume list, filtered), not one per
    handle. It must not raise for a single unknown object: that handle is ``gone``.

    :param storage_domain: The domain the operations run on; reads ``id``, ``type``,
        ``backend_ref``.
    :param operations: The pending :class:`OperationHandle` dicts of that domain, as the hooks
        returned them (never empty).
    :param services: The engine's service facade (:class:`PluginServices`, the object
        :func:`ovirt_engine_register_rest` received): where the plugin finds its own rows.
    :return: One :class:`OperationStatus` per handle, in the order of ``operations``:
        ``{"backend_id", "state": "pending"|"done"|"failed"|"gone", "reason", "actual_size"}``;
        or ``None`` for a foreign domain type.

    **When**: in every poll cycle of the engine's command poller, once per storage domain with
    pending operations, with backoff per operation; also right after an engine restart.

    .. versionadded:: 0.1
    """


@hookspec(firstresult=True)
def ovirt_engine_prepare_disk(
    storage_domain: StorageDomainView,
    disk: DiskView,
    host: HostView,
    vm: VmView,
    services: PluginServices,
) -> ConnectionInfo | None:
    """Make a disk usable by a VM on a host and tell the host how to open it.

    An implementation returns ``None`` when ``storage_domain.type`` is not its own.
    Stops at first non-None result, see firstresult.

    The answer is never cached by the engine: it asks at every start and hot-plug, because what
    it contains changes (Ceph monitors come and go). Secrets never appear in the connection info;
    the cephx key reaches hosts only as a libvirt secret (:func:`ovirt_engine_host_secrets`),
    which ``data["secret_uuid"]`` names. A backend's key material (Cinder's ``keyring``) is
    removed from ``data``.

    :param storage_domain: The disk's domain; reads ``id``, ``type``, ``backend_ref``.
    :param disk: The disk; reads ``id``, ``active_volume_id``.
    :param host: The host the VM runs on; reads ``id``, ``name``, ``address`` (the backend's
        connector: Cinder's attachment is made for this host).
    :param vm: The VM; reads ``id``, ``name`` (the Cinder plugin does not bind its attachments to
        the VM as ``instance_uuid``: Cinder lets only Nova delete an instance-bound attachment).
    :param services: The engine's service facade (:class:`PluginServices`, the object
        :func:`ovirt_engine_register_rest` received): where the plugin finds its own rows.
    :return: A :class:`ConnectionInfo` ``{"driver_volume_type": "rbd", "data": {...},
        "attachment_id": <Cinder attachment id>}``, or ``None`` for a foreign domain type. The
        engine keeps it until :func:`ovirt_engine_release_disk`.

    **When**: at every VM start (once per disk on a domain of the plugin's type) and every disk
    hot-plug, before the host agent builds the domain XML.

    .. versionadded:: 0.1
    """


@hookspec(firstresult=True)
def ovirt_engine_release_disk(
    storage_domain: StorageDomainView,
    disk: DiskView,
    host: HostView,
    vm: VmView,
    connection: ConnectionInfo,
    services: PluginServices,
) -> bool | None:
    """Undo :func:`ovirt_engine_prepare_disk`: the volume is available again.

    An implementation returns ``None`` when ``storage_domain.type`` is not its own.
    Stops at first non-None result, see firstresult. Idempotent: releasing twice is no error.

    :param storage_domain: The disk's domain; reads ``id``, ``type``, ``backend_ref``.
    :param disk: The disk; reads ``id``, ``active_volume_id``.
    :param host: The host the VM ran on; reads ``id``, ``name``, ``address``.
    :param vm: The VM; reads ``id``, ``name``.
    :param connection: The :class:`ConnectionInfo` that ``prepare_disk`` returned for this run
        (its ``attachment_id`` names what to release).
    :param services: The engine's service facade (:class:`PluginServices`, the object
        :func:`ovirt_engine_register_rest` received): where the plugin finds its own rows.
    :return: ``True`` when something was released, ``False`` when nothing was attached any more;
        ``None`` for a foreign domain type.

    **When**: after a VM stopped (shut down, powered off, crashed, or its host was fenced), after
    a disk hot-unplug, and after a failed start for the disks already prepared.

    .. versionadded:: 0.1
    """


@hookspec(firstresult=True)
def ovirt_engine_check_quota(
    storage_domain: StorageDomainView, request: QuotaRequestView, services: PluginServices
) -> QuotaVerdict | None:
    """Tell whether an operation fits the backend's quota, before starting it.

    An implementation returns ``None`` when ``storage_domain.type`` is not its own.
    Stops at first non-None result, see firstresult. The verdict is advisory (the backend still
    enforces its quota; a refusal then shows as a ``failed`` operation). An implementation that
    cannot read the quota raises.

    :param storage_domain: The domain; reads ``id``, ``type``, ``backend_ref``.
    :param request: What the operation would consume; reads ``operation`` (``"create"`` |
        ``"extend"``), ``size_delta`` (bytes per volume), ``volume_type`` (``str`` | ``None``),
        ``count`` (volumes created; ``0`` for an extend).
    :param services: The engine's service facade (:class:`PluginServices`, the object
        :func:`ovirt_engine_register_rest` received): where the plugin finds its own rows.
    :return: A :class:`QuotaVerdict` ``{"allowed": bool, "limit", "message", "in_use",
        "requested", "maximum"}`` (the last five ``None`` when allowed), or ``None`` for a foreign
        domain type.

    **When**: before :func:`ovirt_engine_create_disk`, :func:`ovirt_engine_clone_disk`,
    :func:`ovirt_engine_extend_disk` and :func:`ovirt_engine_retype_disk`; a refusal fails the
    REST request (409) with ``message``.

    .. versionadded:: 0.1
    """


@hookspec(firstresult=True)
def ovirt_engine_retype_disk(
    storage_domain: StorageDomainView, disk: DiskView, volume_type: str, services: PluginServices
) -> OperationHandle | None:
    """Start moving a disk's backend volume to another volume type (Cinder's retype), data kept.

    An implementation returns ``None`` when ``storage_domain.type`` is not its own.
    Stops at first non-None result, see firstresult.

    Idempotent: called again while the volume is being retyped, or once it has the type, it
    sends nothing and returns the same handle. A refusal the backend answers at once (a type it
    does not know, a size the type does not allow, its quota) is raised with ``status`` 4xx
    (409 for a refusal of the retype itself, the message starting with
    ``openstack_volume_type``): the disk stays as it was. A refusal that shows only later (no
    backend can take the volume) is the poll's ``failed``: the engine puts the disk back to its
    status before the retype with its type unchanged and fails the job with the reason.

    :param storage_domain: The disk's domain; reads ``id``, ``type``, ``backend_ref``.
    :param disk: The disk; reads ``id``, ``active_volume_id`` (the volume retyped),
        ``volume_type`` (the type it has now).
    :param volume_type: The new type, a name or an id as the backend knows it (the engine
        passes what the client gave, and records it as the disk's type once the poll says
        ``done``).
    :param services: The engine's service facade (:class:`PluginServices`, the object
        :func:`ovirt_engine_register_rest` received): where the plugin finds its own rows.
    :return: An :class:`OperationHandle` with ``"kind": "retype_disk"``, ``backend_id`` the volume
        id and ``request_id`` ``disk.id``; the poll answers ``done`` once the volume has the new
        type, ``failed`` when the backend kept the old one. ``None`` for a foreign domain type.

    **When**: when ``PUT /disks/{id}`` names another ``openstack_volume_type`` for a disk that no
    running VM uses (the engine refuses those, and template disks), after
    :func:`ovirt_engine_check_quota` allowed the retype; the disk is ``LOCKED`` meanwhile.

    .. versionadded:: 0.3
    """


@hookspec(firstresult=True)
def ovirt_engine_domain_status(storage_domain: StorageDomainView, services: PluginServices) -> DomainStatus | None:
    """Tell whether a storage domain's backend answers, and how much room it has.

    An implementation returns ``None`` when ``storage_domain.type`` is not its own (a type whose
    plugin has no answer is not monitored: its status and capacity stay as they are).
    Stops at first non-None result, see firstresult. A backend that does not answer is a
    :class:`DomainStatus` with ``reachable`` false and the reason, not an exception (an exception
    counts the same, its message taken as the reason). It should make a small, constant number
    of backend requests, and must not change anything.

    :param storage_domain: The domain; reads ``id``, ``type``, ``backend_ref``.
    :param services: The engine's service facade (:class:`PluginServices`).
    :return: A :class:`DomainStatus` ``{"reachable", "reason", "available", "used", "source"}``
        (sizes in bytes), or ``None`` for a foreign domain type.

    **When**: by the engine's domain monitor, in one engine process at a time, every
    ``OVIRT_ENGINE_MONITOR_STATUS_INTERVAL`` seconds per storage domain; a domain that has not
    answered for ``OVIRT_ENGINE_MONITOR_INACTIVE_AFTER`` seconds becomes ``inactive`` (new disks
    on it are refused with 409), and ``active`` again at the first answer. The capacity is shown
    as the domain's ``available`` and ``used``.

    .. versionadded:: 0.3
    """


# ---------------------------------------------------------------------------------------------
# Hosts and notifications (every plugin)
# ---------------------------------------------------------------------------------------------


@hookspec
def ovirt_engine_host_secrets(data_center: DataCenterView, services: PluginServices) -> list[HostSecret]:
    """List the libvirt secrets every active host of a data center must hold.

    Not firstresult: the engine collects and concatenates the lists of all plugins.

    :param data_center: The data center; reads ``id``, ``name``.
    :param services: The engine's service facade (:class:`PluginServices`, the object
        :func:`ovirt_engine_register_rest` received): where the plugin finds its own rows.
    :return: A list (possibly empty) of :class:`HostSecret` ``{"usage_type": "ceph",
        "usage_name": "ovirt/<provider-id>/<key-uuid>", "uuid": str, "value": bytes,
        "description": str}``; ``value`` is the raw key and is never logged.

    **When**: when a host is activated, and before every VM start and disk hot-plug on a host
    (so that keys added later reach hosts without reactivating them); the host agent registers
    missing or changed secrets and removes ``ovirt/`` secrets no plugin lists any more.

    .. versionadded:: 0.1
    """


# ---------------------------------------------------------------------------------------------
# Authorization (firstresult: the first plugin with an opinion decides)
# ---------------------------------------------------------------------------------------------


@hookspec
def ovirt_engine_register_access(registry: AccessRegistry) -> None:
    """Register the plugin's action groups and object types (tox's ``register`` pattern).

    Not firstresult: every plugin registers its own.

    :param registry: Where to register (:class:`AccessRegistry`).
    :return: Nothing: the plugin calls ``registry.action_group`` and ``registry.object_type``.

    **When**: once, while ``create_app`` builds the application (after the engine's own).

    .. versionadded:: 0.3
    """


@hookspec(firstresult=True)
def ovirt_engine_permission(
    user: UserView, action_group: str, target: AccessTarget, facts: AccessFacts
) -> Decision | None:
    """Decide whether a user may perform an action group on one object.

    Every REST endpoint, the engine's and the plugins', declares the action group it needs and
    the object it acts on (``@blp.action("delete_disk", "disk", by="disk_id")``; ``read``: only
    to see it). Before the view runs (or, for an object named in the body, once the view has read
    it), the engine reads what its permissions say (:class:`AccessFacts`: roles given on the
    object or above it, inherited down system → data center → storage domain → disk, data
    center → cluster → host, VM, pool, data center → template, VM → disks) and asks this hook.
    The engine's built-in plugin (:mod:`ovirt_engine_host.default_permissions`) answers last:
    ``hide`` what the user may not see (``deny`` instead on an administrative type for a user who
    is no administrator), ``allow`` a ``read`` of what he sees, else ``allow`` exactly when a role
    of his holds the group. A plugin that answers first overrides it for single objects; lists are cut down in SQL
    by the engine's rules.

    Stops at first non-None result, see firstresult.

    :param user: The user making the request (:class:`UserView`).
    :param action_group: oVirt's action group the endpoint needs (``create_disk``,
        ``manipulate_vm_snapshots``…, a plugin's own), or ``read``.
    :param target: The object (:class:`AccessTarget`).
    :param facts: What the permissions say (:class:`AccessFacts`).
    :return: A :data:`Decision`, or ``None`` to let the next plugin decide.

    **When**: before every authenticated request's view, once.

    .. versionadded:: 0.2
    """

"""oVirt's action groups and predefined roles, as this engine decides with them.

An endpoint declares the action group it needs on an object (``@blp.action("delete_disk",
"disk", by="disk_id")``); a user may act when a role holding that group is given to him, or to a
group of his, on the object or on an object above it (:mod:`ovirt_engine_host.access.tree`).
``read`` is not a group: it asks whether the user may *see* the object.

The predefined roles are code, not rows to edit: their ids (fixed, as oVirt's) and flags are
rows of ``roles`` (migration e0013), their action groups are :data:`PREDEFINED` here, extended by
the plugins' own groups (:class:`ActionGroupRegistry`). A custom role's groups are rows of
``role_permits``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

READ = "read"
"""Not an action group: the view shows or lists the object (visibility rules)."""

SYSTEM = "system"
"""The object type (and id) of the whole system, above every data center."""

ENGINE_ACTION_GROUPS: dict[str, str] = {
    # system
    "login": "Log in",
    "manipulate_users": "Add, change and remove users and groups",
    "manipulate_roles": "Add, change and remove custom roles",
    "manipulate_permissions": "Grant and remove permissions on the objects one may manage",
    "configure_engine": "Change the engine's settings",
    # data centers
    "create_storage_pool": "Create a data center",
    "edit_storage_pool_configuration": "Change a data center",
    "delete_storage_pool": "Remove a data center",
    # clusters
    "create_cluster": "Create a cluster",
    "edit_cluster_configuration": "Change a cluster",
    "delete_cluster": "Remove a cluster",
    # hosts
    "create_host": "Add a host",
    "edit_host_configuration": "Change a host",
    "delete_host": "Remove a host",
    "manipulate_host": "Activate a host or move it to maintenance",
    # storage domains
    "create_storage_domain": "Add a storage domain",
    "edit_storage_domain_configuration": "Change a storage domain",
    "delete_storage_domain": "Remove a storage domain",
    "manipulate_storage_domain": "Register the volumes of a storage domain",
    # disks
    "create_disk": "Add a disk",
    "attach_disk": "Attach a disk to a VM",
    "edit_disk_properties": "Change a disk",
    "configure_disk_storage": "Extend or retype a disk",
    "delete_disk": "Remove a disk",
    # VMs
    "create_vm": "Create a VM",
    "delete_vm": "Remove a VM",
    "edit_vm_properties": "Change a VM",
    "vm_basic_operations": "Start and stop a VM",
    "configure_vm_storage": "Attach, detach, plug and unplug a VM's disks",
    "manipulate_vm_snapshots": "Take, preview, commit, restore and remove a VM's snapshots",
    # templates
    "create_template": "Create a template",
    "edit_template_properties": "Change a template",
    "delete_template": "Remove a template",
    # pools
    "create_vm_pool": "Create a VM pool",
    "edit_vm_pool_configuration": "Change a VM pool",
    "delete_vm_pool": "Remove a VM pool",
    "vm_pool_basic_operations": "Take a VM of a pool",
}

_DISK = {"create_disk", "attach_disk", "edit_disk_properties", "configure_disk_storage", "delete_disk"}
_VM_USE = {"vm_basic_operations"}
_VM_MANAGE = {"edit_vm_properties", "delete_vm", "configure_vm_storage", "manipulate_vm_snapshots", *_VM_USE}
_TEMPLATE = {"create_template", "edit_template_properties", "delete_template"}
_POOL = {"create_vm_pool", "edit_vm_pool_configuration", "delete_vm_pool", "vm_pool_basic_operations"}
_STORAGE = {"create_storage_domain", "edit_storage_domain_configuration", "delete_storage_domain",
            "manipulate_storage_domain"}  # fmt: skip
_CLUSTER = {"edit_cluster_configuration", "delete_cluster"}  # creating one is for the system's administrators
_HOST = {"create_host", "edit_host_configuration", "delete_host", "manipulate_host"}


@dataclass(frozen=True)
class PredefinedRole:
    """A role oVirt ships: fixed id, administrative or user role, its action groups."""

    id: str
    name: str
    administrative: bool
    groups: frozenset[str]
    every_group: bool = False  # SuperUser: every group, the plugins' included


PREDEFINED: tuple[PredefinedRole, ...] = (
    PredefinedRole("00000000-0000-0000-0000-000000000001", "SuperUser", True, frozenset(), every_group=True),
    PredefinedRole(
        "def00002-0000-0000-0000-def000000002", "DataCenterAdmin", True,
        frozenset({"login", "manipulate_permissions", "edit_storage_pool_configuration", "delete_storage_pool",
                   *_CLUSTER, *_STORAGE, *_HOST, *_DISK, "create_vm", *_VM_MANAGE, *_TEMPLATE, *_POOL}),
    ),
    PredefinedRole(
        "def00004-0000-0000-0000-def000000004", "StorageAdmin", True,
        frozenset({"login", "manipulate_permissions", *_STORAGE, *_DISK}),
    ),
    PredefinedRole(
        "def00005-0000-0000-0000-def000000005", "VmPoolAdmin", True,
        frozenset({"login", "manipulate_permissions", *_POOL}),
    ),
    PredefinedRole(
        "def0000a-0000-0000-0000-def00000000a", "DiskOperator", False,
        frozenset({"login", "manipulate_permissions", *_DISK}),
    ),
    PredefinedRole("def0000a-0000-0000-0000-def00000000b", "DiskCreator", False, frozenset({"login", "create_disk"})),
    PredefinedRole(
        "00000000-0000-0000-0001-000000000001", "UserRole", False,
        frozenset({"login", *_VM_USE, "vm_pool_basic_operations"}),
    ),
    PredefinedRole(
        "00000000-0000-0000-0001-000000000002", "PowerUserRole", False,
        frozenset({"login", "create_vm", "create_template", "create_disk"}),
    ),
    PredefinedRole(
        "def00006-0000-0000-0000-def000000006", "UserVmManager", False,
        frozenset({"login", "manipulate_permissions", *_VM_MANAGE, "attach_disk", "edit_disk_properties",
                   "configure_disk_storage", "delete_disk"}),
    ),
    PredefinedRole("def00007-0000-0000-0000-def000000007", "VmCreator", False, frozenset({"login", "create_vm"})),
    PredefinedRole(
        "def00008-0000-0000-0000-def000000008", "TemplateOwner", False,
        frozenset({"login", "manipulate_permissions", "edit_template_properties", "delete_template", "create_vm"}),
    ),
    PredefinedRole(
        "def00009-0000-0000-0000-def000000009", "TemplateCreator", False, frozenset({"login", "create_template"})
    ),
    PredefinedRole(
        "def0000c-0000-0000-0000-def00000000c", "UserTemplateBasedVm", False, frozenset({"login", "create_vm"})
    ),
)  # fmt: skip

BY_NAME: Mapping[str, PredefinedRole] = {role.name: role for role in PREDEFINED}
SUPER_USER = BY_NAME["SuperUser"]
CREATOR_ROLES: Mapping[str, PredefinedRole] = {
    "disk": BY_NAME["DiskOperator"],
    "vm": BY_NAME["UserVmManager"],
    "template": BY_NAME["TemplateOwner"],
    "vm_pool": BY_NAME["VmPoolAdmin"],
}
"""The role the creator of an object is given on it (oVirt's; it forgot Cinder disks: we don't)."""


@dataclass
class ActionGroupRegistry:
    """The action groups of this application: the engine's and those its plugins register
    (``ovirt_engine_action_groups``), each plugin group with the predefined roles that get it."""

    groups: dict[str, str] = field(default_factory=lambda: dict(ENGINE_ACTION_GROUPS))
    extra_roles: dict[str, set[str]] = field(default_factory=dict)

    def add(self, name: str, description: str, roles: Iterable[str] = ()) -> None:
        unknown = set(roles) - set(BY_NAME)
        if unknown:
            raise ValueError(f"action group {name}: unknown predefined roles {sorted(unknown)}")
        self.groups[name] = description
        for role in roles:
            self.extra_roles.setdefault(role, set()).add(name)

    def of_predefined(self, role: PredefinedRole) -> frozenset[str]:
        """A predefined role's action groups in this application."""
        if role.every_group:
            return frozenset(self.groups)
        return role.groups | frozenset(self.extra_roles.get(role.name, ()))

    def predefined_with(self, group: str) -> list[str]:
        """The ids of the predefined roles that hold ``group``."""
        return [role.id for role in PREDEFINED if group in self.of_predefined(role)]

    def predefined_groups(self) -> dict[str, frozenset[str]]:
        """Role id → action groups, for every predefined role."""
        return {role.id: self.of_predefined(role) for role in PREDEFINED}

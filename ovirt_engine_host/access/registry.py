"""What plugins register into the access model (``ovirt_engine_register_access``): the
contract's :class:`~ovirt_engine_host.contract.AccessRegistry` over :class:`AccessModel`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ovirt_engine_host.access.tree import AccessModel, ObjectType


@dataclass
class PluginAccessRegistry:
    model: AccessModel

    def action_group(self, name: str, description: str, roles: tuple[str, ...] = ()) -> None:
        self.model.groups.add(name, description, roles)

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
        self.model.add_type(
            ObjectType(name, id_column, name_column, administrative=administrative, what=what, collection=collection)
        )

"""A storage-domain type registration for the tests' own small plugins (the contract's
``StorageDomainType``): sizes in whole bytes, raw disks, no hook scripts."""

from __future__ import annotations

from typing import Any


def storage_type(name: str, **changes: Any) -> dict[str, Any]:
    registered: dict[str, Any] = {
        "name": name,
        "ovirt_type": "data",
        "storage_type": name,
        "disks": {"formats": ["raw"], "size_granularity": 1, "size_rule": "any size", "shareable": False,
                  "extra_fields": []},
        "host": {"custom_property": f"{name}_disks", "hooks_dir": ""},
    }  # fmt: skip
    registered.update(changes)
    return registered

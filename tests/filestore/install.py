"""Installing the filestore plugin for a test the way any plugin is installed: a distribution
with an ``ovirt_engine.plugins`` entry point, here a ``.dist-info`` directory put on
``sys.path`` for as long as the test needs it (importlib.metadata finds it there)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

DISTRIBUTION = "ovirt_filestore_test_plugin"


@contextmanager
def installed(site: Path) -> Iterator[None]:
    dist_info = site / f"{DISTRIBUTION}-0.1.dist-info"
    dist_info.mkdir(parents=True)
    (dist_info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {DISTRIBUTION}\nVersion: 0.1\n")
    (dist_info / "entry_points.txt").write_text("[ovirt_engine.plugins]\nfilestore = tests.filestore.plugin\n")
    sys.path.insert(0, str(site))
    try:
        yield
    finally:
        sys.path.remove(str(site))

"""An engine in a process of its own, for the tests that kill it: ``python -m tests.engine_process
STATE_DIR DATABASE_URL PORT [--die-after-create]``. It serves the REST API over HTTP (werkzeug,
threaded) with the poller running, like ``ovirt-engine-host serve``.

``--die-after-create`` adds a plugin that kills the process (SIGKILL) right after the Cinder
plugin's create hook returned: Cinder has created the volume, and the engine has not recorded it;
``--die-after-snapshots N`` likewise after the N-th snapshot create hook, ``--die-after-clones N``
after the N-th ``clone_volume`` hook, ``--die-after-releases N`` after the N-th ``release_disk``.
"""

from __future__ import annotations

import argparse
import os
import signal
from collections.abc import Generator
from pathlib import Path
from typing import Any

import pluggy
from werkzeug.serving import make_server

from ovirt_engine_host.app import create_app
from ovirt_engine_host.config import EngineConfig, PollerSettings

hookimpl = pluggy.HookimplMarker("ovirt_engine")


class DieAfterCreate:
    @hookimpl(hookwrapper=True)
    def ovirt_engine_create_disk(self) -> Generator[None, Any, None]:
        outcome = yield
        if outcome.get_result() is not None:
            os.kill(os.getpid(), signal.SIGKILL)


class DieAfterSnapshots:
    """Kills the process right after the ``count``-th snapshot create hook returned: Cinder has
    that snapshot, the engine has no record of its id."""

    def __init__(self, count: int) -> None:
        self.left = count

    @hookimpl(hookwrapper=True)
    def ovirt_engine_create_snapshot(self) -> Generator[None, Any, None]:
        outcome = yield
        if outcome.get_result() is not None:
            self.left -= 1
            if self.left <= 0:
                os.kill(os.getpid(), signal.SIGKILL)


class DieAfter:
    """Kills the process right after the ``count``-th call of a hook returned (``clone_volume``:
    Cinder has made the volume, the engine has no record of its id; ``release_disk``: a stop has
    released a disk, and has not ended the VM's run)."""

    def __init__(self, count: int) -> None:
        self.left = count

    def _count(self, outcome: Any) -> None:
        if outcome.get_result() is not None:
            self.left -= 1
            if self.left <= 0:
                os.kill(os.getpid(), signal.SIGKILL)


class DieAfterClones(DieAfter):
    @hookimpl(hookwrapper=True)
    def ovirt_engine_clone_volume(self) -> Generator[None, Any, None]:
        self._count((yield))


class DieAfterReleases(DieAfter):
    @hookimpl(hookwrapper=True)
    def ovirt_engine_release_disk(self) -> Generator[None, Any, None]:
        self._count((yield))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("state_dir", type=Path)
    parser.add_argument("database_url")
    parser.add_argument("port", type=int)
    parser.add_argument("--die-after-create", action="store_true")
    parser.add_argument("--die-after-snapshots", type=int, default=0)
    parser.add_argument("--die-after-clones", type=int, default=0)
    parser.add_argument("--die-after-releases", type=int, default=0)
    args = parser.parse_args()
    plugins: tuple[object, ...] = (DieAfterCreate(),) if args.die_after_create else ()
    if args.die_after_snapshots:
        plugins += (DieAfterSnapshots(args.die_after_snapshots),)
    if args.die_after_clones:
        plugins += (DieAfterClones(args.die_after_clones),)
    if args.die_after_releases:
        plugins += (DieAfterReleases(args.die_after_releases),)
    config = EngineConfig(state_dir=args.state_dir, database_url=args.database_url, poller=PollerSettings())
    make_server("127.0.0.1", args.port, create_app(config, extra_plugins=plugins), threaded=True).serve_forever()


if __name__ == "__main__":
    main()

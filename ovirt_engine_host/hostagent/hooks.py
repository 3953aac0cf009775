"""Running VDSM hook scripts by VDSM's rules: the executables of ``<hooks dir>/<event>/``, sorted
by name, each with the XML in the file named by ``_hook_domxml`` and the VM's custom properties
in its environment. Exit 0: fine; 1: the script failed, VDSM logs it and goes on; 2 (or
anything else): stop, the operation fails with the script's own one-line reason."""

from __future__ import annotations

import logging
import os
import subprocess
import tempfile
from pathlib import Path

LOG = logging.getLogger(__name__)
HOOK_TIMEOUT = 60


class HookFailed(Exception):
    status = 409

    def __init__(self, event: str, script: str, reason: str) -> None:
        super().__init__(f"hook {event}/{script} refused: {reason}")


def scripts(hooks_dir: Path, event: str) -> list[Path]:
    directory = hooks_dir / event
    if not directory.is_dir():
        return []
    return sorted(p for p in directory.iterdir() if p.is_file() and os.access(p, os.X_OK))


def run_hooks(hooks_dir: Path, event: str, xml: str, properties: dict[str, str], pythonpath: str = "") -> str:
    """The XML after every script of ``event`` ran on it (``pythonpath``: where the scripts find
    their modules)."""
    found = scripts(hooks_dir, event)
    if not found:
        return xml
    with tempfile.NamedTemporaryFile("w", suffix=".xml", prefix=f"{event}-", delete=False) as stream:
        stream.write(xml)
        path = stream.name
    try:
        environment = {**os.environ, **properties, "_hook_domxml": path}
        if pythonpath:
            environment["PYTHONPATH"] = os.pathsep.join(filter(None, [pythonpath, os.environ.get("PYTHONPATH")]))
        for script in found:
            done = subprocess.run(  # noqa: S603 - the administrator's hook directory
                [str(script)], env=environment, capture_output=True, text=True, timeout=HOOK_TIMEOUT, check=False
            )
            reason = (done.stderr.strip().splitlines() or ["(no reason given)"])[-1]
            if done.returncode == 1:
                LOG.warning("hook %s/%s failed, going on: %s", event, script.name, reason)
            elif done.returncode != 0:
                raise HookFailed(event, script.name, reason)
        return Path(path).read_text()
    finally:
        os.unlink(path)

"""Who works on a command: an engine process, named so that a process on the same host can tell
whether the owner of a lease is still alive (and take over at once when it is not)."""

from __future__ import annotations

import os
import socket
from functools import cache
from pathlib import Path


def _start_ticks(pid: int) -> str | None:
    """The process's start time in clock ticks since boot (field 22 of /proc/<pid>/stat): with
    the pid, it names a process uniquely, even after the pid is reused."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # the command name (field 2) is in parentheses and may hold spaces: split after it
    return stat.rsplit(")", 1)[1].split()[19]


def this_process() -> str:
    return _identity(os.getpid())  # by pid: a forked worker is a process of its own


@cache
def _identity(pid: int) -> str:
    return f"{socket.gethostname()}:{pid}:{_start_ticks(pid) or '?'}"


def is_dead(owner: str) -> bool:
    """True only when ``owner`` ran on this host and is certainly gone; a process on another
    host is never declared dead here (its lease expires instead)."""
    host, _, rest = owner.partition(":")
    pid_text, _, ticks = rest.partition(":")
    if host != socket.gethostname() or not pid_text.isdigit():
        return False
    if owner == this_process():
        return False
    return _start_ticks(int(pid_text)) != ticks

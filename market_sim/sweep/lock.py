"""An exclusive lock on a sweep folder: one writer at a time.

The lock is the file ``<out>/.lock``, created with ``O_CREAT | O_EXCL`` (atomic on local file
systems and NFSv3+), holding the holder's PID, host, start time and command. A second writer
is refused with a message naming the holder. A lock whose holder is gone is stale and taken
over: on the same host, when no process has its PID; a lock file left empty or unreadable by
a crash between create and write, when it is older than :data:`UNREADABLE_GRACE_SECONDS`.
A lock held from another host is never taken over automatically (the message says how).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import time
from pathlib import Path

from market_sim.errors import SpecError
from market_sim.files import file_mode, host_name, pid_alive

LOCK_NAME = ".lock"
UNREADABLE_GRACE_SECONDS = 30.0


class SweepLock:
    """``with SweepLock(folder):`` holds the folder's lock for the block (the folder must exist)."""

    def __init__(self, root: str | Path):
        self.path = Path(root) / LOCK_NAME
        self.held = False

    def __enter__(self) -> SweepLock:
        self.acquire()
        return self

    def __exit__(self, *exc) -> None:
        self.release()

    def acquire(self) -> None:
        for _ in range(3):
            if self._try_create():
                self.held = True
                return
            holder = self.holder()
            if not self._stale(holder):
                raise SpecError(self._busy_message(holder))
            self.path.unlink(missing_ok=True)  # the holder is gone: take the lock over
        raise SpecError(self._busy_message(self.holder()))

    def release(self) -> None:
        if self.held:
            holder = self.holder()
            if holder and holder.get("pid") == os.getpid() and holder.get("host") == host_name():
                self.path.unlink(missing_ok=True)
            self.held = False

    def holder(self) -> dict | None:
        """The lock file's content, or None if it is missing, empty or unreadable."""
        try:
            info = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return info if isinstance(info, dict) else None

    def _try_create(self) -> bool:
        try:
            fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, file_mode())
        except FileExistsError:
            return False
        info = {
            "pid": os.getpid(),
            "host": host_name(),
            "started_utc": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "command": sys.argv,
        }
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(info, f)
            f.flush()
            os.fsync(f.fileno())
        return True

    def _stale(self, holder: dict | None) -> bool:
        if holder is None:
            try:
                age = time.time() - self.path.stat().st_mtime
            except FileNotFoundError:
                return True
            return age > UNREADABLE_GRACE_SECONDS
        if holder.get("host") != host_name():
            return False
        pid = holder.get("pid")
        return not (isinstance(pid, int) and pid_alive(pid))

    def _busy_message(self, holder: dict | None) -> str:
        folder = self.path.parent
        if holder is None:
            return f"{folder} is locked ({self.path} exists, unreadable, written moments ago); try again shortly"
        return (
            f"{folder} is locked by another sweep (pid {holder.get('pid')} on host {holder.get('host')!r} "
            f"since {holder.get('started_utc')}); wait for it to finish, or delete {self.path} if that process is gone"
        )

"""One grader per output folder: a second one refuses to start instead of interleaving records."""

from __future__ import annotations

import fcntl
import os
import time
from pathlib import Path
from typing import TextIO


class Busy(Exception):
    """Another grader holds the output folder."""


class OutputLock:
    """An exclusive lock on DIR/.grader.lock, released when the process ends (even if it is killed)."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / ".grader.lock"
        self.handle: TextIO | None = None

    def __enter__(self) -> OutputLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(self.path, "a+", encoding="utf-8")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            handle.close()
            raise Busy(
                f"another grader is writing to {self.path.parent} ({holder}); wait for it to finish, "
                "or grade into another folder with --out"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}, started {time.strftime('%Y-%m-%d %H:%M:%S')}\n")
        handle.flush()
        self.handle = handle
        return self

    def __exit__(self, *exc: object) -> None:
        if self.handle:
            fcntl.flock(self.handle, fcntl.LOCK_UN)
            self.handle.close()

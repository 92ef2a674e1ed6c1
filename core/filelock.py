"""An exclusive lock between processes (and threads): ``flock`` on a file, waited for with a timeout.

Example:
    >>> import tempfile
    >>> lock = FileLock(Path(tempfile.mkdtemp()) / "admin.lock")
    >>> lock.acquire(timeout=1)
    True
    >>> FileLock(lock.path).acquire(timeout=0)
    False
    >>> lock.release()
"""

from __future__ import annotations

import fcntl
import os
import threading
import time
from pathlib import Path


class FileLock:
    """Held by at most one holder across every process using ``path``; each holder its own instance
    or call (a lock is tied to the open file, so two threads of one process exclude each other too)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._held = threading.local()

    def acquire(self, timeout: float) -> bool:
        """True once held; False if another holder kept it for ``timeout`` seconds."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                self._held.fd = fd
                return True
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    os.close(fd)
                    return False
                time.sleep(0.02)

    def release(self) -> None:
        fd = getattr(self._held, "fd", None)
        if fd is not None:
            self._held.fd = None
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

"""Files only their owner may read: the data directory, the query log, keys and renewed tokens."""

from __future__ import annotations

import logging
import os
import secrets
import stat
from pathlib import Path

log = logging.getLogger(__name__)

DIR_MODE, FILE_MODE = 0o700, 0o600


def private_dir(path: Path) -> Path:
    """Create ``path`` (and parents) if missing; take group and world access away from it.

    Example:
        >>> import tempfile; d = private_dir(Path(tempfile.mkdtemp()) / "data")
        >>> oct(d.stat().st_mode & 0o777)
        '0o700'
    """
    path.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    _restrict(path, DIR_MODE)
    return path


def private_file(path: Path) -> Path:
    """Create ``path`` empty if missing, before anyone writes to it, so it is never readable by others."""
    private_dir(path.parent)
    os.close(os.open(path, os.O_CREAT | os.O_WRONLY, FILE_MODE))
    _restrict(path, FILE_MODE)
    return path


def write_private(path: Path, data: bytes, *, replace: bool = True) -> bool:
    """Write ``data`` to ``path`` atomically, mode 600 from the first byte.

    With ``replace=False`` an existing ``path`` is kept (another process got there first) and False returned.
    """
    private_dir(path.parent)
    temp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(temp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, FILE_MODE)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if replace:
            os.replace(temp, path)
            return True
        try:
            os.link(temp, path)
        except FileExistsError:
            return False
        return True
    finally:
        temp.unlink(missing_ok=True)


def private_key(path: Path, size: int = 32) -> bytes:
    """The random key kept in ``path`` as hex; made once (mode 600) when the file does not exist yet.

    Raises:
        ValueError: the file holds something else than a hex key.
    """
    if not path.exists() and write_private(path, secrets.token_bytes(size).hex().encode("ascii"), replace=False):
        log.info("made a new random key in %s", path)
    _restrict(path, FILE_MODE)
    try:
        key = bytes.fromhex(path.read_text(encoding="ascii").strip())
    except ValueError:
        key = b""
    if len(key) < 16:
        raise ValueError(f"{path} does not hold a hex key of 16 bytes or more; restore it, or delete it to make a "
                         "new one (conversations started before then lose their follow-ups)")
    return key


def _restrict(path: Path, mode: int) -> None:
    current = stat.S_IMODE(path.stat().st_mode)
    if current & 0o077:
        os.chmod(path, current & ~0o077 | (mode & 0o700))
        log.info("%s was readable by others (mode %o); now %o", path, current, mode)

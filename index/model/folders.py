"""The one way a model folder (the converted model, its ONNX export) is replaced: built in a temporary
folder beside it, made readable by every process, renamed into place; a failure leaves the old one."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def building(target: Path) -> Iterator[Path]:
    """A fresh temporary folder beside ``target`` (same file system, so the swap is a rename), removed
    on the way out unless :func:`swap_in` moved it into place."""
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
    try:
        yield tmp
    finally:
        if tmp.exists():
            shutil.rmtree(tmp)


def _make_readable(folder: Path) -> None:
    # mkdtemp and safetensors create owner-only entries; the model is shared by every process
    umask = os.umask(0)
    os.umask(umask)
    for path in [folder, *folder.rglob("*")]:
        path.chmod((0o777 if path.is_dir() else 0o666) & ~umask)


def swap_in(tmp: Path, target: Path) -> None:
    """Make the finished folder ``tmp`` readable by every process and rename it to ``target``, replacing it."""
    _make_readable(tmp)
    if target.exists():
        old = target.parent / f".{target.name}.old-{os.getpid()}"
        os.rename(target, old)
        os.rename(tmp, target)
        shutil.rmtree(old)
    else:
        os.rename(tmp, target)

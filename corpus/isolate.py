"""Run one parsing job in a child process with a time and a memory limit.

An uploaded file is read by third-party parsers (python-docx/lxml, pypdf, BeautifulSoup) that
cannot be interrupted from a thread. In a child process the job can be killed at its deadline,
its memory is capped, and whatever it allocates is returned to the system when it ends, so
one hostile file cannot take the server's memory or CPU for minutes.

The child is a fresh ``python -c`` (not ``multiprocessing``): a spawned multiprocessing child
re-imports the parent's ``__main__``, which breaks under any script without a main guard, and
forking the API process (threads, torch) could copy a lock held by another thread. The job and
its result travel as pickles over the child's stdin and a private copy of its stdout.
"""

from __future__ import annotations

import logging
import os
import pickle
import subprocess
import sys
import time
from typing import Any, Callable

from core.errors import FileTooLarge, HoidapError, IngestError, ParseTimeout

log = logging.getLogger(__name__)

_BOOT = ("import pickle, sys; sys.path[:] = pickle.load(sys.stdin.buffer); "
         "from corpus.isolate import _child_main; _child_main()")


def run_bounded(fn: Callable[..., Any], *args: Any, name: str, seconds: float, memory_bytes: int) -> Any:
    """``fn(*args)`` in a child process: its result, or the :class:`HoidapError` it raised.

    ``fn`` and ``args`` must be picklable (a module-level function, a ``functools.partial`` of one).

    Raises:
        ParseTimeout: the child ran past ``seconds`` and was killed.
        FileTooLarge: the child needed more than ``memory_bytes``.
        IngestError: the child died without an answer, or ``fn`` failed unexpectedly (logged).

    Example:
        >>> run_bounded(len, b"abc", name="a.txt", seconds=30, memory_bytes=2**30)
        3
    """
    payload = pickle.dumps(sys.path) + pickle.dumps((memory_bytes, fn, args), protocol=pickle.HIGHEST_PROTOCOL)
    started = time.monotonic()
    child = subprocess.Popen([sys.executable, "-c", _BOOT], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        out, _ = child.communicate(payload, timeout=seconds)
    except subprocess.TimeoutExpired:
        raise ParseTimeout(f"{name}: đọc tệp quá {seconds:g} giây nên đã dừng (giới hạn HOIDAP_ADMIN_TIMEOUT_SECONDS); "
                           "hãy tách văn bản thành nhiều tệp nhỏ hơn") from None
    finally:
        if child.poll() is None:
            child.kill()
            child.communicate()
        log.debug("parsed %s in a child process in %.2f s", name, time.monotonic() - started)
    try:
        kind, value = pickle.loads(out)
    except (pickle.UnpicklingError, EOFError, ValueError):  # killed by the kernel, or crashed in C code
        raise IngestError(f"{name}: tiến trình đọc tệp dừng bất thường (mã {child.returncode})",
                          code="parse_failed") from None
    if kind == "ok":
        return value
    if kind == "memory":
        raise FileTooLarge(f"{name}: đọc tệp cần quá {memory_bytes / 2**20:.0f} MB bộ nhớ; "
                           "hãy tách văn bản thành nhiều tệp nhỏ hơn")
    if kind == "crash":
        log.error("parsing %s failed in the child process: %s", name, value)
        raise IngestError(f"{name}: không đọc được tệp ({value.split(':')[0]})", code="parse_failed")
    error_type, message, code = value
    error = error_type(message)
    error.code = code
    raise error


def _child_main() -> None:
    """In the child: read the job from stdin, run it, write one pickled (kind, value) to the result pipe."""
    result = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # a library that prints must not corrupt the result
    memory_bytes, fn, args = pickle.load(sys.stdin.buffer)
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    except (ImportError, ValueError, OSError) as exc:  # not Linux, or a lower hard limit already set
        log.warning("no memory limit for the parsing process: %s", exc)
    try:
        outcome = ("ok", fn(*args))
    except MemoryError:
        outcome = ("memory", None)
    except HoidapError as exc:
        # sent as parts: an exception whose __init__ takes keyword arguments does not unpickle
        outcome = ("error", (type(exc), exc.message, exc.code))
    except Exception as exc:  # a parser bug: reported to the parent, which logs it and refuses the file
        outcome = ("crash", f"{exc.__class__.__name__}: {exc}")
    try:
        data = pickle.dumps(outcome, protocol=pickle.HIGHEST_PROTOCOL)
    except MemoryError:
        data = pickle.dumps(("memory", None))
    result.write(data)
    result.close()

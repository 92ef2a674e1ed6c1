"""Run one parsing job in a child process with a time and a memory limit.

An uploaded file is read by third-party parsers (python-docx/lxml, pypdf, BeautifulSoup) that
cannot be interrupted from a thread. In a child process the job can be killed at its deadline,
its memory is capped, and whatever it allocates is returned to the system when it ends, so
one hostile file cannot take the server's memory or CPU for minutes.
"""

from __future__ import annotations

import logging
import multiprocessing
import time
from typing import Any, Callable

from core.errors import FileTooLarge, HoidapError, IngestError, ParseTimeout

log = logging.getLogger(__name__)

# "spawn": the API process runs threads (uvicorn, torch); forking it could copy a held lock
_CONTEXT = multiprocessing.get_context("spawn")


def run_bounded(fn: Callable[..., Any], *args: Any, name: str, seconds: float, memory_bytes: int) -> Any:
    """``fn(*args)`` in a child process; its result, or the :class:`HoidapError` it raised.

    Raises:
        ParseTimeout: the child ran past ``seconds`` and was killed.
        FileTooLarge: the child needed more than ``memory_bytes``.
        IngestError: the child died without an answer.

    Example:
        >>> run_bounded(len, b"abc", name="a.txt", seconds=30, memory_bytes=2**30)
        3
    """
    receive, send = _CONTEXT.Pipe(duplex=False)
    child = _CONTEXT.Process(target=_child, args=(send, memory_bytes, fn, args), daemon=True)
    started = time.monotonic()
    child.start()
    send.close()
    try:
        if not receive.poll(seconds):
            raise ParseTimeout(f"{name}: đọc tệp quá {seconds:g} giây nên đã dừng (giới hạn HOIDAP_ADMIN_TIMEOUT_SECONDS); "
                               "hãy tách văn bản thành nhiều tệp nhỏ hơn")
        try:
            kind, value = receive.recv()
        except EOFError:  # the child died without a word: killed by the kernel, or crashed in C code
            raise IngestError(f"{name}: tiến trình đọc tệp dừng bất thường (mã {child.exitcode})",
                              code="parse_failed") from None
    finally:
        receive.close()
        if child.is_alive():
            child.kill()
        child.join(5)
        log.debug("parsed %s in a child process in %.2f s", name, time.monotonic() - started)
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


def _child(send, memory_bytes: int, fn: Callable[..., Any], args: tuple) -> None:
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    except (ImportError, ValueError, OSError) as exc:  # not Linux, or a lower hard limit already set
        log.warning("no memory limit for the parsing process: %s", exc)
    try:
        send.send(("ok", fn(*args)))
    except MemoryError:
        send.send(("memory", None))
    except HoidapError as exc:
        # sent as parts: an exception whose __init__ takes keyword arguments does not unpickle
        send.send(("error", (type(exc), exc.message, exc.code)))
    except Exception as exc:  # a parser bug: reported to the parent, which logs it and refuses the file
        send.send(("crash", f"{exc.__class__.__name__}: {exc}"))
    finally:
        send.close()

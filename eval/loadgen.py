"""A cheap HTTP/1.1 load generator for the API benchmark, run as its own process.

The benchmark shares the machine's cores with the server it measures, so the client must cost as
little as possible: raw asyncio streams, one keep-alive connection per client, every request built
once as bytes before the clock starts, and of each response only the status line and
``Content-Length`` read (the body is read whole, never parsed). A response other than 200, a
response without ``Content-Length``, a closed connection or a request over the timeout is an error;
the client then opens a new connection. The process's own CPU time is reported, so a reader can see
what the client took from the server.

Reads a JSON job on standard input, writes a JSON result on standard output:

    echo '{"url": "http://127.0.0.1:8000", "clients": 32, "seconds": 30,
           "bodies": ["{\\"question\\": \\"…\\"}"]}' | python -m eval.loadgen
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import resource
import sys
import time
from dataclasses import asdict, dataclass, field
from urllib.parse import urlsplit

PATH = "/api/ask"


@dataclass
class LoadResult:
    """What a load run measured: every request's latency in ms, errors, and the client's own CPU."""

    clients: int
    seconds: float  # wall time from the first request to the last response
    latencies_ms: list[float] = field(default_factory=list)
    errors: int = 0
    statuses: dict[str, int] = field(default_factory=dict)  # responses other than 200, by status
    client_cpu_s: float = 0.0  # user + system CPU of this process while it ran

    @property
    def requests(self) -> int:
        return len(self.latencies_ms)

    @property
    def throughput(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def build_request(host: str, port: int, body: bytes, path: str = PATH) -> bytes:
    """One keep-alive ``POST`` with a JSON body, as bytes on the wire.

    Example:
        >>> build_request("127.0.0.1", 8000, '{"question": "QĐ 1601"}'.encode()).split(b"\\r\\n")[0]
        b'POST /api/ask HTTP/1.1'
    """
    head = (f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n")
    return head.encode("ascii") + body


def response_head(head: bytes) -> tuple[int, int | None]:
    """The status and ``Content-Length`` (None when absent) of a response head ending in a blank line.

    Raises:
        ValueError: the head does not start with an HTTP/1.x status line.

    Example:
        >>> response_head(b"HTTP/1.1 200 OK\\r\\ncontent-type: application/json\\r\\ncontent-length: 42\\r\\n\\r\\n")
        (200, 42)
    """
    if not head.startswith(b"HTTP/1."):
        raise ValueError(f"not an HTTP/1.x response: {head[:40]!r}")
    status = int(head[9:12])
    start = head.lower().find(b"\r\ncontent-length:")
    if start < 0:
        return status, None
    start += len(b"\r\ncontent-length:")
    return status, int(head[start:head.index(b"\r\n", start)])


async def run(url: str, bodies: list[bytes], clients: int, seconds: float, timeout: float = 120) -> LoadResult:
    """``clients`` connections each sending random ``bodies`` one after the other for ``seconds``."""
    if clients < 1 or seconds <= 0 or not bodies:
        raise ValueError(f"clients={clients}, seconds={seconds}, {len(bodies)} bodies; "
                         "need at least 1 client, a positive duration and one body")
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    requests = [build_request(host, port, body) for body in bodies]
    result = LoadResult(clients=clients, seconds=0.0)
    stop = time.monotonic() + seconds

    async def client(number: int) -> None:
        rng = random.Random(number)
        reader = writer = None
        while time.monotonic() < stop:
            request = rng.choice(requests)
            started = time.perf_counter()
            status = None
            try:
                async with asyncio.timeout(timeout):
                    if writer is None:
                        reader, writer = await asyncio.open_connection(host, port)
                    writer.write(request)
                    status, length = response_head(await reader.readuntil(b"\r\n\r\n"))
                    if length is None:
                        raise ValueError("response without Content-Length")
                    await reader.readexactly(length)
            except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError, TimeoutError):
                status = None
                if writer is not None:
                    writer.close()
                reader = writer = None
            result.latencies_ms.append((time.perf_counter() - started) * 1000)
            if status != 200:
                result.errors += 1
                key = str(status or "no response")
                result.statuses[key] = result.statuses.get(key, 0) + 1
        if writer is not None:
            writer.close()

    cpu = _cpu_seconds()
    started = time.perf_counter()
    await asyncio.gather(*(client(number) for number in range(clients)))
    result.seconds = time.perf_counter() - started
    result.client_cpu_s = _cpu_seconds() - cpu
    return result


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="HTTP load on POST /api/ask: reads a JSON job on stdin "
                                     '({"url", "clients", "seconds", "bodies": [...], "timeout"}), writes a JSON '
                                     "result on stdout (latencies_ms, errors, statuses, client_cpu_s).",
                                     epilog='example: echo \'{"url": "http://127.0.0.1:8000", "clients": 32, '
                                            '"seconds": 30, "bodies": ["{\\"question\\": \\"…\\"}"]}\' | '
                                            "python -m eval.loadgen")
    parser.parse_args(argv)
    try:
        job = json.load(sys.stdin)
    except ValueError as exc:
        parser.error(f"the job on stdin is not JSON ({exc}); see --help")
    bodies = [body.encode("utf-8") for body in job["bodies"]]
    result = asyncio.run(run(job["url"], bodies, int(job["clients"]), float(job["seconds"]),
                             float(job.get("timeout", 120))))
    json.dump(asdict(result), sys.stdout)


if __name__ == "__main__":
    main()

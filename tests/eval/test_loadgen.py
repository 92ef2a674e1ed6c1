"""The benchmark's load generator against a real loopback server that answers 200, 503, or hangs up."""

from __future__ import annotations

import asyncio

import pytest

from eval.loadgen import build_request, response_head, run


async def _serve(handler) -> tuple[asyncio.AbstractServer, str]:
    server = await asyncio.start_server(handler, "127.0.0.1", 0)
    return server, f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"


async def _read_request(reader: asyncio.StreamReader) -> bytes:
    head = await reader.readuntil(b"\r\n\r\n")
    length = int(head.lower().split(b"content-length: ")[1].split(b"\r\n")[0])
    return await reader.readexactly(length)


def test_statuses_and_hang_ups_are_counted_as_errors() -> None:
    bodies_seen: list[bytes] = []

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                body = await _read_request(reader)
                bodies_seen.append(body)
                if body == b'{"q": "hang up"}':
                    break
                status = b"200 OK" if body == b'{"q": "ok"}' else b"503 Service Unavailable"
                payload = b'{"answer": "x"}'
                writer.write(b"HTTP/1.1 " + status + b"\r\nContent-Type: application/json\r\nContent-Length: "
                             + str(len(payload)).encode() + b"\r\n\r\n" + payload)
                await writer.drain()
        except asyncio.IncompleteReadError:
            pass
        writer.close()

    async def main():
        server, url = await _serve(handler)
        async with server:
            return await run(url, [b'{"q": "ok"}', b'{"q": "busy"}', b'{"q": "hang up"}'], clients=3, seconds=0.5)

    result = asyncio.run(main())
    sent = {body: bodies_seen.count(body) for body in set(bodies_seen)}
    assert result.requests == len(bodies_seen) and result.requests > 30
    assert result.errors == sent[b'{"q": "busy"}'] + sent[b'{"q": "hang up"}']
    assert result.statuses == {"503": sent[b'{"q": "busy"}'], "no response": sent[b'{"q": "hang up"}']}
    assert len(result.latencies_ms) == result.requests and result.seconds >= 0.5
    assert result.client_cpu_s > 0


def test_a_response_without_content_length_is_an_error() -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await _read_request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n")
        await writer.drain()
        writer.close()

    async def main():
        server, url = await _serve(handler)
        async with server:
            return await run(url, [b"{}"], clients=1, seconds=0.2)

    result = asyncio.run(main())
    assert result.requests > 0 and result.errors == result.requests


def test_requests_and_response_heads() -> None:
    request = build_request("127.0.0.1", 8000, '{"question": "Điều 5"}'.encode())
    head, body = request.split(b"\r\n\r\n")
    assert head.split(b"\r\n")[0] == b"POST /api/ask HTTP/1.1" and f"Content-Length: {len(body)}".encode() in head
    assert response_head(b"HTTP/1.1 422 Unprocessable Entity\r\nContent-Length: 7\r\n\r\n") == (422, 7)
    assert response_head(b"HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\n\r\n") == (200, None)
    with pytest.raises(ValueError, match="not an HTTP/1.x response"):
        response_head(b"SSH-2.0-OpenSSH\r\n\r\n")
    with pytest.raises(ValueError, match="need at least 1 client"):
        asyncio.run(run("http://127.0.0.1:9", [b"{}"], clients=0, seconds=1))

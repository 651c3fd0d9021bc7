"""A small TCP proxy on 127.0.0.1 that can cut or stall connections at chosen points.

It sits between a client and a real server and relays bytes both ways, until a
scripted ``Cut`` fires on the bytes the client sends:

* ``when="before"``: the matching bytes are not forwarded; both sides are reset
  (the server never sees them, e.g. SMTP's final ``\\r\\n.\\r\\n``).
* ``when="after"``: the matching bytes are forwarded, and the connection is reset
  as soon as the server answers, so the client never hears the answer (the
  ambiguous window: the server has the message, the client cannot know).
* ``when="stall"``: the matching bytes are forwarded, and the server's answers are
  held back from then on, so the client's read times out.

Each cut fires ``times`` times (on any connection), then the proxy relays
faithfully. Resets use SO_LINGER 0, so the peer sees a real RST. With
``greeting`` set, the proxy answers every connection with those bytes itself
and hangs up (an SMTP server saying ``421`` at the greeting).
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
from dataclasses import dataclass, field
from typing import Literal


@dataclass
class Cut:
    pattern: bytes
    when: Literal["before", "after", "stall"]
    times: int = 1
    fired: int = 0


@dataclass
class TcpProxy:
    upstream_host: str
    upstream_port: int
    cuts: list[Cut] = field(default_factory=list)
    connections: int = 0
    greeting: bytes | None = None  # when set: answer with this and hang up, never relay
    host: str = "127.0.0.1"
    port: int = 0
    _server: asyncio.Server | None = None
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)

    async def start(self) -> TcpProxy:
        self._server = await asyncio.start_server(self._handle, self.host, 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(BaseException):
                await task

    def _armed(self, data: bytes) -> Cut | None:
        for cut in self.cuts:
            if cut.fired < cut.times and cut.pattern in data:
                return cut
        return None

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)  # type: ignore[arg-type]
        if self.greeting is not None:
            writer.write(self.greeting)
            with contextlib.suppress(OSError):
                await writer.drain()
            writer.close()
            self._tasks.discard(task)  # type: ignore[arg-type]
            return
        try:
            up_reader, up_writer = await asyncio.open_connection(
                self.upstream_host, self.upstream_port
            )
        except OSError:
            _reset(writer)
            return
        state: dict[str, bool] = {"cut_on_answer": False, "stall": False}
        done = asyncio.Event()

        async def client_to_server() -> None:
            seen = b""
            try:
                while chunk := await reader.read(65536):
                    window = seen[-64:] + chunk
                    cut = self._armed(window)
                    if cut is not None:
                        cut.fired += 1
                        if cut.when == "before":
                            index = window.find(cut.pattern) - len(seen[-64:])
                            if index > 0:
                                up_writer.write(chunk[:index])
                                await up_writer.drain()
                            _reset(writer)
                            _reset(up_writer)
                            return
                        state["cut_on_answer" if cut.when == "after" else "stall"] = True
                    seen = window
                    up_writer.write(chunk)
                    await up_writer.drain()
            except (ConnectionError, OSError):
                pass
            finally:
                done.set()

        async def server_to_client() -> None:
            try:
                while chunk := await up_reader.read(65536):
                    if state["cut_on_answer"]:
                        _reset(writer)
                        _reset(up_writer)
                        return
                    if state["stall"]:
                        continue  # swallow: the client waits for an answer that never comes
                    writer.write(chunk)
                    await writer.drain()
            except (ConnectionError, OSError):
                pass
            finally:
                done.set()

        pumps = [asyncio.create_task(client_to_server()), asyncio.create_task(server_to_client())]
        try:
            await done.wait()
        finally:
            for pump in pumps:
                pump.cancel()
            await asyncio.gather(*pumps, return_exceptions=True)
            for w in (writer, up_writer):
                with contextlib.suppress(OSError, RuntimeError):
                    w.close()
            self._tasks.discard(task)  # type: ignore[arg-type]


def _reset(writer: asyncio.StreamWriter) -> None:
    """Close with an RST, not a FIN: what a crashed peer or a middlebox does."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


async def start_proxy(host: str, port: int, *cuts: Cut) -> TcpProxy:
    return await TcpProxy(host, port, list(cuts)).start()

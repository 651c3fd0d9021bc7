"""An SMTP sink for the bench: aiosmtpd on 127.0.0.1 in its own process, counting and discarding.

It runs in a separate process so that its work does not share the measured
process's interpreter lock (a real relay is another machine). It keeps three
shared numbers: how many messages it accepted, and the monotonic time of the
first and the last (``time.monotonic`` is system-wide on Linux, so the bench
can compare it with its own readings).
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import signal
import time
from dataclasses import dataclass
from multiprocessing.sharedctypes import Synchronized
from typing import Any

from aiosmtpd.smtp import SMTP, Envelope, Session


class CountingHandler:
    def __init__(self, count: Any, first: Any, last: Any) -> None:
        self.count, self.first, self.last = count, first, last

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        now = time.monotonic()
        # one writer (this process): plain reads and writes of the shared values are enough
        if self.count.value == 0:
            self.first.value = now
        self.count.value += 1
        self.last.value = now
        return "250 OK discarded"


def _serve(count: Any, first: Any, last: Any, ports: Any) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)

    async def main() -> None:
        loop = asyncio.get_running_loop()
        handler = CountingHandler(count, first, last)
        server = await loop.create_server(
            lambda: SMTP(handler, hostname="sink.bench", ident="bench sink"),
            host="127.0.0.1",
            port=0,
            backlog=512,
        )
        ports.put(server.sockets[0].getsockname()[1])
        await asyncio.Event().wait()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main())


@dataclass
class Sink:
    process: multiprocessing.process.BaseProcess
    port: int
    _count: Synchronized[int]
    _first: Synchronized[float]
    _last: Synchronized[float]

    @property
    def count(self) -> int:
        return int(self._count.value)

    def reset(self) -> None:
        self._count.value = 0
        self._first.value = 0.0
        self._last.value = 0.0

    def span(self) -> tuple[float, float]:
        """Monotonic times of the first and last message since the last reset."""
        return float(self._first.value), float(self._last.value)

    def stop(self) -> None:
        self.process.terminate()
        self.process.join(5)


def start_sink() -> Sink:
    ctx = multiprocessing.get_context("spawn")
    count = ctx.Value("q", 0, lock=False)
    first = ctx.Value("d", 0.0, lock=False)
    last = ctx.Value("d", 0.0, lock=False)
    ports = ctx.Queue()
    process = ctx.Process(target=_serve, args=(count, first, last, ports), daemon=True)
    process.start()
    port = int(ports.get(timeout=30))
    return Sink(process, port, count, first, last)  # type: ignore[arg-type]

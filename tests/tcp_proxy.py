"""A real TCP forwarder the tests can cut, hold and restore, to take a service away for a while."""

from __future__ import annotations

import asyncio
import contextlib


class TcpProxy:
    """Listens on loopback and forwards every connection to ``target``.

    ``cut()`` refuses connections (the service is down); ``hold()`` accepts them and
    forwards nothing, in either direction (a network partition); ``restore()`` ends both.
    """

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.port = 0
        self.holding = False
        self._server: asyncio.Server | None = None
        self._pipes: set[asyncio.Task] = set()
        self._held: list[asyncio.StreamWriter] = []

    async def start(self) -> TcpProxy:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def cut(self) -> None:
        """Refuse new connections and drop the open ones."""
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        await self._stop_pipes()

    async def hold(self) -> None:
        """Keep every connection, open and new, and let no byte through."""
        self.holding = True
        await self._stop_pipes()

    async def restore(self) -> None:
        self.holding = False
        for writer in self._held:
            writer.close()
        self._held.clear()
        if self._server is None:
            await self.start()

    async def _stop_pipes(self) -> None:
        for task in list(self._pipes):
            task.cancel()
        await asyncio.gather(*self._pipes, return_exceptions=True)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.holding:
            self._held.append(writer)
            return
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.close()
            return
        task = asyncio.current_task()
        assert task is not None
        self._pipes.add(task)
        try:
            await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer))
        finally:
            self._pipes.discard(task)
            if self.holding:
                # The client keeps a socket that answers nothing; the upstream side goes.
                self._held.append(writer)
                up_writer.close()
            else:
                for w in (writer, up_writer):
                    w.close()


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(ConnectionError, asyncio.CancelledError):
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()

"""A bare Redis pub/sub connection (asyncio streams + hiredis), owned by the hub.

The hub needs to see every disconnection itself, to re-subscribe and fill the gaps from
the history; redis-py's PubSub reconnects behind its caller's back. This one does not:
any failure raises ``ConnectionError`` and the hub opens a new one.
"""

from __future__ import annotations

import asyncio
import ssl
from urllib.parse import unquote, urlsplit

import hiredis


class PubSubConnection:
    """One connection in subscriber mode; ``read()`` returns the next batch of replies."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._reader = reader
        self._writer = writer
        self._parser = hiredis.Reader()

    @classmethod
    async def open(cls, url: str, *, connect_timeout: float = 2.0) -> PubSubConnection:
        """Connect to ``redis://``, ``rediss://`` or ``unix://`` and authenticate if asked."""
        parts = urlsplit(url)
        if parts.scheme == "unix":
            opening = asyncio.open_unix_connection(parts.path)
        else:
            context = ssl.create_default_context() if parts.scheme == "rediss" else None
            opening = asyncio.open_connection(
                parts.hostname or "127.0.0.1", parts.port or 6379, ssl=context
            )
        async with asyncio.timeout(connect_timeout):
            reader, writer = await opening
        connection = cls(reader, writer)
        try:
            if parts.password is not None:
                credentials = [unquote(parts.password)]
                if parts.username:
                    credentials.insert(0, unquote(parts.username))
                connection.send("AUTH", *credentials)
                async with asyncio.timeout(connect_timeout):
                    reply = (await connection.read())[0]
                if isinstance(reply, hiredis.ReplyError):
                    raise ConnectionError(f"Redis refused the credentials: {reply}")
        except BaseException:
            connection.close()
            raise
        return connection

    def send(self, *args: str | bytes) -> None:
        """Write one command (RESP array of bulk strings)."""
        chunks = [b"*%d\r\n" % len(args)]
        for arg in args:
            data = arg.encode() if isinstance(arg, str) else arg
            chunks.append(b"$%d\r\n%s\r\n" % (len(data), data))
        if self._writer.is_closing():
            raise ConnectionError("the pub/sub connection is closed")
        self._writer.write(b"".join(chunks))

    async def read(self) -> list:
        """The replies that are complete now (at least one); ConnectionError at EOF."""
        replies = []
        while True:
            reply = self._parser.gets()
            while reply is not False:
                replies.append(reply)
                reply = self._parser.gets()
            if replies:
                return replies
            try:
                data = await self._reader.read(262_144)
            except OSError as exc:
                raise ConnectionError(f"pub/sub connection lost: {exc}") from exc
            if not data:
                raise ConnectionError("pub/sub connection closed by Redis")
            self._parser.feed(data)

    def close(self) -> None:
        self._writer.close()

"""A connection that says it is there and is not ("lie-fi"): a TCP proxy on loopback in
front of the demo server that passes everything, or cuts every connection, or holds them
open and answers nothing. The browser's `navigator.onLine` stays true throughout."""

import asyncio

from scripts.loopback_proxy import LoopbackProxy


class FlakyLink(LoopbackProxy):
    def __init__(self, target_port: int):
        self.mode = "pass"
        self.open: set[asyncio.StreamWriter] = set()
        super().__init__(target_port)

    def set(self, mode: str) -> None:
        """ "pass", "cut" or "hold"; every connection open now ends, as when a train leaves
        the station's Wi-Fi."""
        self.mode = mode
        self.loop.call_soon_threadsafe(self._close_all)

    def _close_all(self) -> None:
        for writer in list(self.open):
            writer.close()
        self.open.clear()

    async def _connection(self, client_reader, client_writer) -> None:
        if self.mode == "cut":
            client_writer.close()
            return
        self.open.add(client_writer)
        if self.mode == "hold":
            await client_reader.read()  # until the browser or set() gives up on it
            return
        server_reader, server_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        self.open.add(server_writer)
        await asyncio.gather(
            self._pipe(client_reader, server_writer),
            self._pipe(server_reader, client_writer),
            return_exceptions=True,
        )

    async def _pipe(self, reader, writer) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        finally:
            writer.close()

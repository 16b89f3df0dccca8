"""A TCP proxy on loopback in front of a local server, run on an event loop of its own in a
background thread. What it does to the traffic is its subclass's `_connection`: the app
benchmark slows it like Fast 3G (bench/app_fcp.py), the browser tests cut or hold it
(tests/e2e/flaky_link.py)."""

import asyncio
import threading


class LoopbackProxy:
    def __init__(self, target_port: int):
        self.target_port = target_port
        self.loop = asyncio.new_event_loop()
        self.port = 0
        ready = threading.Event()
        threading.Thread(target=self._run, args=(ready,), daemon=True).start()
        ready.wait()

    def _run(self, ready: threading.Event) -> None:
        asyncio.set_event_loop(self.loop)
        server = self.loop.run_until_complete(
            asyncio.start_server(self._connection, "127.0.0.1", 0)
        )
        self.port = server.sockets[0].getsockname()[1]
        ready.set()
        self.loop.run_forever()

    async def _connection(self, client_reader, client_writer) -> None:
        raise NotImplementedError

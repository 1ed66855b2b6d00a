"""Serving stand-in systems on 127.0.0.1 with uvicorn: several in one process, or one in a thread (tests)."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import signal
import socket
import threading
import time
from typing import Callable, Iterator, Mapping

import uvicorn
from starlette.applications import Starlette

HOST = "127.0.0.1"


class _Server(uvicorn.Server):
    # Several servers share one loop; signals are handled once, by ``serve``.
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def port_in_use(port: int, host: str = HOST) -> bool:
    """True if ``port`` cannot be bound (uvicorn binds with SO_REUSEADDR, so this does too)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            if exc.errno in (errno.EADDRINUSE, errno.EACCES):
                return True
            raise
    return False


def free_port(host: str = HOST) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def _config(app: Starlette, port: int, host: str) -> uvicorn.Config:
    # No access log: URLs are harmless, but a quiet console is what people read.
    return uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False, lifespan="off")


def serve(apps: Mapping[int, Starlette], host: str = HOST, on_started: Callable[[], None] | None = None) -> None:
    """Serve each app on its port until SIGINT or SIGTERM; ``on_started()`` once all listen."""
    servers = [_Server(_config(app, port, host)) for port, app in apps.items()]

    async def main() -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, lambda: [setattr(s, "should_exit", True) for s in servers])
        tasks = [asyncio.create_task(s.serve()) for s in servers]
        while not all(s.started for s in servers):
            if any(t.done() for t in tasks):  # one failed to start: stop the others
                for s in servers:
                    s.should_exit = True
                break
            await asyncio.sleep(0.05)
        else:
            if on_started is not None:
                on_started()
        await asyncio.gather(*tasks)

    asyncio.run(main())
    if not all(s.started for s in servers):
        raise SystemExit(1)


class ServerThread:
    """One app served by uvicorn in a daemon thread, for tests: ``with ServerThread(app) as url: ...``."""

    def __init__(self, app: Starlette, port: int | None = None, host: str = HOST) -> None:
        self.port = port or free_port(host)
        self.url = f"http://{host}:{self.port}"
        self.server = _Server(_config(app, self.port, host))
        self.thread = threading.Thread(target=self.server.run, name=f"sandbox-{self.port}", daemon=True)

    def start(self) -> str:
        self.thread.start()
        deadline = time.monotonic() + 15
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"the sandbox server on port {self.port} did not start")
            time.sleep(0.02)
        return self.url

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)

    def __enter__(self) -> str:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

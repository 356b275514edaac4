"""A Unix-socket server run by one thread that never blocks: the engine's bus and its live audio.

The engine's line workers must never wait for a client. Servers built on
``UnixSocketServer`` therefore do all socket work on one thread of their
own: other threads only queue what is to be sent and ``wake`` it. Every
socket is non-blocking; what a client cannot take yet waits in its
``outgoing`` buffer, and a subclass disconnects a client whose buffer grows
past what it allows.

A subclass says what a client is (``new_client``), what to do with the
bytes one sends (``received``) and what to send after each wake-up
(``deliver``); ``drop`` and ``flush`` are its tools.
"""

from __future__ import annotations

import contextlib
import logging
import os
import selectors
import socket
import threading
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger(__name__)

SELECT_TIMEOUT_S = 1.0


@dataclass
class SocketClient:
    """One connection and its unsent bytes; subclasses add what they keep per client."""

    connection: socket.socket
    incoming: bytes = b""
    outgoing: bytearray = field(default_factory=bytearray)


class UnixSocketServer:
    """Listens on ``socket_path`` (mode 0660) from a thread named ``thread_name``."""

    def __init__(
        self,
        socket_path: str | Path,
        thread_name: str,
        *,
        max_clients: int | None = None,
        read_size: int = 65536,
    ) -> None:
        self.socket_path = Path(socket_path)
        self.thread_name = thread_name
        self.max_clients = max_clients
        self.read_size = read_size
        self.clients: dict[int, SocketClient] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._listener: socket.socket | None = None
        self._wake_reader, self._wake_writer = socket.socketpair()
        self._wake_reader.setblocking(False)
        self._wake_writer.setblocking(False)

    # ---- what subclasses provide ----------------------------------------------------

    def new_client(self, connection: socket.socket) -> SocketClient:
        return SocketClient(connection)

    def received(self, selector: selectors.BaseSelector, client: SocketClient, data: bytes) -> None:
        """Bytes ``client`` sent (never empty)."""

    def deliver(self, selector: selectors.BaseSelector) -> None:
        """After every wake-up or timeout: hand clients what was queued for them."""

    def dropped(self, client: SocketClient) -> None:
        """``client`` was disconnected."""

    # ---- starting and stopping ------------------------------------------------------

    def start(self) -> None:
        self.socket_path.parent.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(FileNotFoundError):
            self.socket_path.unlink()  # left by an engine that did not stop cleanly
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            listener.bind(str(self.socket_path))
        except OSError:
            listener.close()
            raise
        os.chmod(self.socket_path, 0o660)
        listener.listen(64)
        listener.setblocking(False)
        self._listener = listener
        self._thread = threading.Thread(target=self._run, name=self.thread_name, daemon=True)
        self._thread.start()

    def wake(self) -> None:
        """Have the server thread look at its queues now (from any thread; never blocks)."""
        with contextlib.suppress(OSError):  # a full wake-up pipe already means "wake up"
            self._wake_writer.send(b"\0")

    def stop(self) -> None:
        self._stop.set()
        self.wake()
        if self._thread is not None:
            self._thread.join(timeout=5)
        for client in list(self.clients.values()):
            client.connection.close()
        self.clients.clear()
        if self._listener is not None:
            self._listener.close()
        self._wake_reader.close()
        self._wake_writer.close()
        with contextlib.suppress(FileNotFoundError):
            self.socket_path.unlink()

    # ---- the server thread ----------------------------------------------------------

    def _run(self) -> None:
        selector = selectors.DefaultSelector()
        selector.register(self._listener, selectors.EVENT_READ, "accept")
        selector.register(self._wake_reader, selectors.EVENT_READ, "wake")
        try:
            while not self._stop.is_set():
                for key, mask in selector.select(timeout=SELECT_TIMEOUT_S):
                    if key.data == "accept":
                        self._accept(selector)
                    elif key.data == "wake":
                        with contextlib.suppress(BlockingIOError):
                            self._wake_reader.recv(4096)
                    else:
                        self._serve(selector, key.data, mask)
                self.deliver(selector)
        finally:
            selector.close()

    def _accept(self, selector: selectors.BaseSelector) -> None:
        with contextlib.suppress(BlockingIOError):
            connection, _ = self._listener.accept()
            if self.max_clients is not None and len(self.clients) >= self.max_clients:
                log.warning("%s: refused a client, %d already", self.thread_name, len(self.clients))
                connection.close()
                return
            connection.setblocking(False)
            client = self.new_client(connection)
            self.clients[connection.fileno()] = client
            selector.register(connection, selectors.EVENT_READ, client)

    def _serve(self, selector: selectors.BaseSelector, client: SocketClient, mask: int) -> None:
        if mask & selectors.EVENT_READ:
            try:
                data = client.connection.recv(self.read_size)
            except (BlockingIOError, InterruptedError):
                data = None
            except OSError:
                data = b""
            if data == b"":
                self.drop(selector, client)
                return
            if data:
                self.received(selector, client, data)
        if mask & selectors.EVENT_WRITE and client.connection.fileno() >= 0:
            self.flush(selector, client)

    def drop(self, selector: selectors.BaseSelector, client: SocketClient) -> None:
        """Disconnect ``client``."""
        with contextlib.suppress(KeyError, ValueError):
            selector.unregister(client.connection)
        self.clients.pop(client.connection.fileno(), None)
        client.connection.close()
        self.dropped(client)

    def flush(self, selector: selectors.BaseSelector, client: SocketClient) -> None:
        """Send what ``client`` takes now; watch for it taking more while bytes wait."""
        if client.outgoing:
            try:
                sent = client.connection.send(client.outgoing)
            except (BlockingIOError, InterruptedError):
                sent = 0
            except OSError:
                self.drop(selector, client)
                return
            del client.outgoing[:sent]
        events = selectors.EVENT_READ | (selectors.EVENT_WRITE if client.outgoing else 0)
        with contextlib.suppress(KeyError, ValueError):
            selector.modify(client.connection, events, client)

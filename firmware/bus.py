"""The engine's event bus: a Unix socket carrying events out and commands in.

Protocol: one JSON object per line, both ways.

- Engine to client: ``{"event": {...}}`` for every event the engine publishes
  (ring, caller ID, recording started, ...), and ``{"reply": ID, "ok": true,
  ...}`` or ``{"reply": ID, "ok": false, "error": "..."}`` to a command.
- Client to engine: ``{"id": ID, "command": NAME, ...arguments}``.

The engine never waits for a client: ``publish`` only queues, one thread
named ``bus`` does all socket work, and a client that falls more than
``MAX_BACKLOG_BYTES`` behind is disconnected rather than allowed to slow the
recorder down.
"""

from __future__ import annotations

import contextlib
import json
import logging
import queue
import selectors
import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from firmware.socket_server import SocketClient, UnixSocketServer

log = logging.getLogger(__name__)

MAX_BACKLOG_BYTES = 1 << 20
MAX_LINE_BYTES = 64 * 1024
CommandHandler = Callable[[dict[str, Any]], dict[str, Any]]


class BusError(OSError):
    """The bus socket cannot be opened, or the engine is not there."""


def _line(message: dict[str, Any]) -> bytes:
    return json.dumps(message, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"


class EventBus(UnixSocketServer):
    """The engine's side of the bus."""

    def __init__(self, socket_path: str | Path, on_command: CommandHandler) -> None:
        super().__init__(socket_path, "bus")
        self.on_command = on_command
        self._outbox: queue.SimpleQueue[bytes] = queue.SimpleQueue()
        self.dropped_clients = 0

    def start(self) -> None:
        try:
            super().start()
        except OSError as error:
            raise BusError(f"cannot open the event bus at {self.socket_path}: {error}") from error

    def publish(self, event: dict[str, Any]) -> None:
        """Send ``event`` to every client; never blocks."""
        self._outbox.put(_line({"event": event}))
        self.wake()

    @property
    def client_count(self) -> int:
        return len(self.clients)

    # ---- the bus thread -----------------------------------------------------------

    def received(self, selector: selectors.BaseSelector, client: SocketClient, data: bytes) -> None:
        client.incoming += data
        while b"\n" in client.incoming:
            raw, client.incoming = client.incoming.split(b"\n", 1)
            client.outgoing += _line(self._answer(raw))
        if len(client.incoming) > MAX_LINE_BYTES:
            log.warning("bus: dropping a client that sent a line over %d bytes", MAX_LINE_BYTES)
            self.drop(selector, client)
            return
        self.flush(selector, client)

    def _answer(self, raw: bytes) -> dict[str, Any]:
        try:
            message = json.loads(raw)
        except ValueError:
            return {"reply": None, "ok": False, "error": "not a JSON object"}
        if not isinstance(message, dict) or not isinstance(message.get("command"), str):
            return {"reply": None, "ok": False, "error": 'expected {"id": ..., "command": ...}'}
        reply_to = message.get("id")
        try:
            result = self.on_command(message)
        except (ValueError, KeyError, LookupError) as error:
            return {"reply": reply_to, "ok": False, "error": str(error)}
        return {"reply": reply_to, "ok": True, **result}

    def deliver(self, selector: selectors.BaseSelector) -> None:
        pending = []
        with contextlib.suppress(queue.Empty):
            while True:
                pending.append(self._outbox.get_nowait())
        if not pending:
            return
        batch = b"".join(pending)
        for client in list(self.clients.values()):
            if len(client.outgoing) + len(batch) > MAX_BACKLOG_BYTES:
                self.dropped_clients += 1
                log.warning(
                    "bus: a client fell %d bytes behind; disconnected", len(client.outgoing)
                )
                self.drop(selector, client)
                continue
            client.outgoing += batch
            self.flush(selector, client)


class BusClient:
    """A client of the engine's bus (the web process, the command line, tests)."""

    def __init__(self, socket_path: str | Path, timeout: float = 5.0) -> None:
        self._socket = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._socket.settimeout(timeout)
        try:
            self._socket.connect(str(socket_path))
        except OSError as error:
            self._socket.close()
            reason = error.strerror or error
            raise BusError(
                f"no engine at {socket_path} ({reason}); is `linerec engine` running?"
            ) from error
        self._reader = self._socket.makefile("rb")
        self._next_id = 0
        self._events: list[dict[str, Any]] = []

    def close(self) -> None:
        """Close the connection; a read blocked in another thread returns at once."""
        with contextlib.suppress(OSError):
            self._socket.shutdown(socket.SHUT_RDWR)  # close() alone would not wake the reader
        self._reader.close()
        self._socket.close()

    def __enter__(self) -> BusClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _read(self) -> dict[str, Any]:
        line = self._reader.readline()
        if not line:
            raise BusError("the engine closed the bus connection")
        return json.loads(line)

    def command(self, name: str, **arguments: Any) -> dict[str, Any]:
        """Send a command and wait for its reply; events that arrive meanwhile are kept."""
        self._next_id += 1
        request_id = self._next_id
        self._socket.sendall(_line({"id": request_id, "command": name, **arguments}))
        while True:
            message = self._read()
            if "event" in message:
                self._events.append(message["event"])
            elif message.get("reply") == request_id:
                return message

    def events(self) -> Iterator[dict[str, Any]]:
        """Events as they come (after any kept while waiting for a reply)."""
        while self._events:
            yield self._events.pop(0)
        while True:
            message = self._read()
            if "event" in message:
                yield message["event"]

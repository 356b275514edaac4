"""The engine's event bus: a Unix socket carrying events out and commands in.

The messages and their encoding are ``firmware.link.contract``'s: every
event the engine publishes goes to every client; a client's command is
answered by its reply, or refused with the reason (a line that is not a
command of the contract is refused too, and logged).

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

from firmware.errors import LinerecError
from firmware.link import contract
from firmware.link.socket_server import SocketClient, UnixSocketServer

log = logging.getLogger(__name__)

MAX_BACKLOG_BYTES = 1 << 20
MAX_LINE_BYTES = 64 * 1024
# Answers a command, or refuses it by raising ValueError, LookupError or a LinerecError.
CommandHandler = Callable[[contract.Command], contract.Reply]


class BusError(OSError):
    """The bus socket cannot be opened, or the engine is not there."""


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

    def publish(self, event: contract.Published) -> None:
        """Send ``event`` to every client; never blocks."""
        self._outbox.put(contract.encode_event(event))
        self.wake()

    @property
    def client_count(self) -> int:
        return len(self.clients)

    # ---- the bus thread -----------------------------------------------------------

    def received(self, selector: selectors.BaseSelector, client: SocketClient, data: bytes) -> None:
        client.incoming += data
        while b"\n" in client.incoming:
            raw, client.incoming = client.incoming.split(b"\n", 1)
            client.outgoing += self._answer(raw)
        if len(client.incoming) > MAX_LINE_BYTES:
            log.warning("bus: dropping a client that sent a line over %d bytes", MAX_LINE_BYTES)
            self.drop(selector, client)
            return
        self.flush(selector, client)

    def _answer(self, raw: bytes) -> bytes:
        try:
            message = contract.decode_command(raw)
        except contract.ContractError as error:
            log.warning("bus: refused a message that is not a command: %s", error)
            return contract.encode_refusal(_request_id(raw), str(error))
        try:
            reply = self.on_command(message.command)
        except (ValueError, LookupError, LinerecError) as error:
            return contract.encode_refusal(message.id, str(error))
        return contract.encode_reply(message.id, reply)

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


def _request_id(raw: bytes) -> object:
    """The id of a message that is not a command, if one can be read from it, for the refusal."""
    with contextlib.suppress(ValueError, UnicodeDecodeError, AttributeError):
        return json.loads(raw).get("id")
    return None


class BusClient:
    """A client of the engine's bus (the web process, the command line, tests)."""

    def __init__(self, socket_path: str | Path, timeout: float | None = 5.0) -> None:
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
        self._events: list[contract.Published] = []

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

    def _read(self) -> contract.Published | contract.ReplyMessage | None:
        """The next message; None for one that is not of the contract (logged, dropped)."""
        line = self._reader.readline()
        if not line:
            raise BusError("the engine closed the bus connection")
        try:
            return contract.decode_from_engine(line)
        except contract.ContractError as error:
            log.warning("bus: dropped a message from the engine: %s", error)
            return None

    def command(self, command: contract.Command) -> contract.Reply:
        """Send a command and wait for its reply; events that arrive meanwhile are kept.

        Raises CommandRefusedError with the engine's reason if it refuses.
        """
        self._next_id += 1
        request_id = self._next_id
        self._socket.sendall(contract.encode_command(request_id, command))
        while True:
            message = self._read()
            if isinstance(message, contract.Published):
                self._events.append(message)
            elif isinstance(message, contract.ReplyMessage) and message.id == request_id:
                if message.error is not None:
                    raise contract.CommandRefusedError(message.error)
                try:
                    return contract.reply_of(command, message.fields)
                except contract.ContractError as error:
                    raise BusError(f"the engine's reply does not fit: {error}") from error

    def events(self) -> Iterator[contract.Published]:
        """Events as they come (after any kept while waiting for a reply)."""
        while self._events:
            yield self._events.pop(0)
        while True:
            message = self._read()
            if isinstance(message, contract.Published):
                yield message

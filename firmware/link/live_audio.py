"""Live listening: a line's audio as it is read, for whoever listens, over a Unix socket.

Protocol (``engine-audio.sock`` in the data folder, mode 0660 like the bus):
the client sends one JSON line ``{"line": n}``; the engine then streams that
line's audio as raw 16-bit little-endian PCM, 8 kHz mono, frame after frame,
until either side closes. A request for a line the engine does not run, or
anything else, is answered by closing the connection.

The line workers never wait for a listener. Each line has an ``AudioTap``;
a worker hands it a frame only while ``tap.listening`` (so a line nobody
listens to costs one attribute test per frame), and the tap only queues
it. One thread, ``audio``, does all socket work; a client that falls more
than ``MAX_BACKLOG_BYTES`` behind (a second of audio) is disconnected.
"""

from __future__ import annotations

import contextlib
import json
import logging
import queue
import selectors
import socket
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from firmware.link.socket_server import SocketClient, UnixSocketServer

log = logging.getLogger(__name__)

MAX_LISTENERS = 32
MAX_BACKLOG_BYTES = 16000  # one second of 8 kHz 16-bit audio
MAX_REQUEST_BYTES = 256
REQUEST_TIMEOUT_S = 5.0


class AudioTap:
    """One line's audio for its listeners."""

    def __init__(self, line: int, server: LiveAudioServer) -> None:
        self.line = line
        self._server = server
        # Set by the audio thread, read by the line's worker without a lock: a
        # change seen one frame late costs one frame, never a wait.
        self.listening = False

    def feed(self, frame: np.ndarray) -> None:
        """One frame of int16 samples, from the line's worker; never blocks."""
        self._server.offer(self.line, frame.astype("<i2", copy=False).tobytes())


@dataclass
class _Listener(SocketClient):
    since: float = 0.0
    line: int | None = None  # None until the request has come


class LiveAudioServer(UnixSocketServer):
    """The engine's side of live listening: taps for the workers, the socket for clients."""

    def __init__(self, socket_path: str | Path, max_listeners: int = MAX_LISTENERS) -> None:
        super().__init__(
            socket_path, "audio", max_clients=max_listeners, read_size=MAX_REQUEST_BYTES
        )
        self._taps: dict[int, AudioTap] = {}
        self._frames: queue.SimpleQueue[tuple[int, bytes]] = queue.SimpleQueue()
        self.dropped_listeners = 0

    def tap(self, line: int) -> AudioTap:
        """The tap of ``line`` (made on first use; before ``start``)."""
        return self._taps.setdefault(line, AudioTap(line, self))

    @property
    def listener_count(self) -> int:
        return sum(1 for listener in self.clients.values() if listener.line is not None)

    def offer(self, line: int, data: bytes) -> None:
        self._frames.put((line, data))
        self.wake()

    def start(self) -> None:
        try:
            super().start()
        except OSError as error:
            raise OSError(
                f"cannot open the live audio socket at {self.socket_path}: {error}"
            ) from error

    def stop(self) -> None:
        super().stop()
        for tap in self._taps.values():
            tap.listening = False

    # ---- the audio thread ---------------------------------------------------------------

    def new_client(self, connection: socket.socket) -> _Listener:
        return _Listener(connection, since=time.monotonic())

    def dropped(self, client: SocketClient) -> None:
        self._update_taps()

    def _update_taps(self) -> None:
        wanted = {listener.line for listener in self.clients.values()}
        for line, tap in self._taps.items():
            tap.listening = line in wanted

    def received(self, selector: selectors.BaseSelector, listener: _Listener, data: bytes) -> None:
        if listener.line is not None:
            # Talking after its request: a listener only listens.
            self.drop(selector, listener)
            return
        listener.incoming += data
        self._read_request(selector, listener)

    def _read_request(self, selector: selectors.BaseSelector, listener: _Listener) -> None:
        if b"\n" not in listener.incoming:
            if len(listener.incoming) >= MAX_REQUEST_BYTES:
                self.drop(selector, listener)
            return
        line = None
        with contextlib.suppress(ValueError, TypeError, AttributeError):
            line = json.loads(listener.incoming.split(b"\n", 1)[0]).get("line")
        if not isinstance(line, int) or isinstance(line, bool) or line not in self._taps:
            log.info("live audio: refused a request for line %r", line)
            self.drop(selector, listener)
            return
        listener.line = line
        listener.incoming = b""
        self._update_taps()

    def deliver(self, selector: selectors.BaseSelector) -> None:
        self._expire_requests(selector)
        batches: dict[int, list[bytes]] = {}
        with contextlib.suppress(queue.Empty):
            while True:
                line, data = self._frames.get_nowait()
                batches.setdefault(line, []).append(data)
        if not batches:
            return
        joined = {line: b"".join(parts) for line, parts in batches.items()}
        for listener in list(self.clients.values()):
            data = joined.get(listener.line) if listener.line is not None else None
            if not data:
                continue
            listener.outgoing += data
            self.flush(selector, listener)
            if len(listener.outgoing) > MAX_BACKLOG_BYTES:
                self.dropped_listeners += 1
                log.warning("live audio: a listener of line %d fell %d bytes behind; "
                            "disconnected", listener.line, len(listener.outgoing))
                self.drop(selector, listener)

    def _expire_requests(self, selector: selectors.BaseSelector) -> None:
        deadline = time.monotonic() - REQUEST_TIMEOUT_S
        for listener in list(self.clients.values()):
            if listener.line is None and listener.since < deadline:
                self.drop(selector, listener)


class LiveAudioError(OSError):
    """The engine is not there to listen to, or it refused the line."""


def listen(socket_path: str | Path, line: int, timeout: float = 5.0) -> socket.socket:
    """A connection streaming ``line``'s PCM (the caller reads and closes it)."""
    connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    connection.settimeout(timeout)
    try:
        connection.connect(str(socket_path))
        connection.sendall(json.dumps({"line": line}).encode() + b"\n")
    except OSError as error:
        connection.close()
        raise LiveAudioError(
            f"no live audio at {socket_path} ({error.strerror or error}); is the engine running?"
        ) from error
    return connection

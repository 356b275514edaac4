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
import os
import queue
import selectors
import socket
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

AUDIO_SOCKET = "engine-audio.sock"
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
class _Listener:
    connection: socket.socket
    since: float
    line: int | None = None  # None until the request has come
    incoming: bytes = b""
    outgoing: bytearray = field(default_factory=bytearray)


class LiveAudioServer:
    """The engine's side of live listening: taps for the workers, the socket for clients."""

    def __init__(self, socket_path: str | Path, max_listeners: int = MAX_LISTENERS) -> None:
        self.socket_path = Path(socket_path)
        self.max_listeners = max_listeners
        self._taps: dict[int, AudioTap] = {}
        self._frames: queue.SimpleQueue[tuple[int, bytes]] = queue.SimpleQueue()
        self._listeners: dict[int, _Listener] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._listener_socket: socket.socket | None = None
        self._wake_reader, self._wake_writer = socket.socketpair()
        self._wake_writer.setblocking(False)
        self._wake_reader.setblocking(False)
        self.dropped_listeners = 0

    def tap(self, line: int) -> AudioTap:
        """The tap of ``line`` (made on first use; before ``start``)."""
        return self._taps.setdefault(line, AudioTap(line, self))

    @property
    def listener_count(self) -> int:
        return sum(1 for listener in self._listeners.values() if listener.line is not None)

    def offer(self, line: int, data: bytes) -> None:
        self._frames.put((line, data))
        with contextlib.suppress(OSError):  # a full wake-up pipe already means "wake up"
            self._wake_writer.send(b"\0")

    # ---- starting and stopping -----------------------------------------------------------

    def start(self) -> None:
        self.socket_path.parent.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(FileNotFoundError):
            self.socket_path.unlink()  # left by an engine that did not stop cleanly
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            listener.bind(str(self.socket_path))
        except OSError as error:
            listener.close()
            raise OSError(
                f"cannot open the live audio socket at {self.socket_path}: {error}"
            ) from error
        os.chmod(self.socket_path, 0o660)
        listener.listen(16)
        listener.setblocking(False)
        self._listener_socket = listener
        self._thread = threading.Thread(target=self._run, name="audio", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        with contextlib.suppress(OSError):
            self._wake_writer.send(b"\0")
        if self._thread is not None:
            self._thread.join(timeout=5)
        for listener in list(self._listeners.values()):
            listener.connection.close()
        self._listeners.clear()
        for tap in self._taps.values():
            tap.listening = False
        if self._listener_socket is not None:
            self._listener_socket.close()
        self._wake_reader.close()
        self._wake_writer.close()
        with contextlib.suppress(FileNotFoundError):
            self.socket_path.unlink()

    # ---- the audio thread ---------------------------------------------------------------

    def _run(self) -> None:
        selector = selectors.DefaultSelector()
        selector.register(self._listener_socket, selectors.EVENT_READ, "accept")
        selector.register(self._wake_reader, selectors.EVENT_READ, "wake")
        try:
            while not self._stop.is_set():
                for key, mask in selector.select(timeout=1.0):
                    if key.data == "accept":
                        self._accept(selector)
                    elif key.data == "wake":
                        with contextlib.suppress(BlockingIOError):
                            self._wake_reader.recv(4096)
                    else:
                        self._serve(selector, key.data, mask)
                self._deliver(selector)
                self._expire_requests(selector)
        finally:
            selector.close()

    def _accept(self, selector: selectors.BaseSelector) -> None:
        with contextlib.suppress(BlockingIOError):
            connection, _ = self._listener_socket.accept()
            if len(self._listeners) >= self.max_listeners:
                log.warning("live audio: refused a listener, %d already", len(self._listeners))
                connection.close()
                return
            connection.setblocking(False)
            listener = _Listener(connection, time.monotonic())
            self._listeners[connection.fileno()] = listener
            selector.register(connection, selectors.EVENT_READ, listener)

    def _drop(self, selector: selectors.BaseSelector, listener: _Listener) -> None:
        with contextlib.suppress(KeyError, ValueError):
            selector.unregister(listener.connection)
        self._listeners.pop(listener.connection.fileno(), None)
        listener.connection.close()
        self._update_taps()

    def _update_taps(self) -> None:
        wanted = {listener.line for listener in self._listeners.values()}
        for line, tap in self._taps.items():
            tap.listening = line in wanted

    def _serve(self, selector: selectors.BaseSelector, listener: _Listener, mask: int) -> None:
        if mask & selectors.EVENT_READ:
            try:
                data = listener.connection.recv(MAX_REQUEST_BYTES)
            except (BlockingIOError, InterruptedError):
                data = None
            except OSError:
                data = b""
            if data == b"" or (data and listener.line is not None):
                # Gone, or talking after its request: a listener only listens.
                self._drop(selector, listener)
                return
            if data:
                listener.incoming += data
                self._read_request(selector, listener)
        if mask & selectors.EVENT_WRITE and listener.connection.fileno() >= 0:
            self._flush(selector, listener)

    def _read_request(self, selector: selectors.BaseSelector, listener: _Listener) -> None:
        if b"\n" not in listener.incoming:
            if len(listener.incoming) >= MAX_REQUEST_BYTES:
                self._drop(selector, listener)
            return
        line = None
        with contextlib.suppress(ValueError, TypeError, AttributeError):
            line = json.loads(listener.incoming.split(b"\n", 1)[0]).get("line")
        if not isinstance(line, int) or isinstance(line, bool) or line not in self._taps:
            log.info("live audio: refused a request for line %r", line)
            self._drop(selector, listener)
            return
        listener.line = line
        listener.incoming = b""
        self._update_taps()

    def _expire_requests(self, selector: selectors.BaseSelector) -> None:
        deadline = time.monotonic() - REQUEST_TIMEOUT_S
        for listener in list(self._listeners.values()):
            if listener.line is None and listener.since < deadline:
                self._drop(selector, listener)

    def _deliver(self, selector: selectors.BaseSelector) -> None:
        batches: dict[int, list[bytes]] = {}
        with contextlib.suppress(queue.Empty):
            while True:
                line, data = self._frames.get_nowait()
                batches.setdefault(line, []).append(data)
        if not batches:
            return
        joined = {line: b"".join(parts) for line, parts in batches.items()}
        for listener in list(self._listeners.values()):
            data = joined.get(listener.line) if listener.line is not None else None
            if not data:
                continue
            listener.outgoing += data
            self._flush(selector, listener)
            if len(listener.outgoing) > MAX_BACKLOG_BYTES:
                self.dropped_listeners += 1
                log.warning("live audio: a listener of line %d fell %d bytes behind; "
                            "disconnected", listener.line, len(listener.outgoing))
                self._drop(selector, listener)

    def _flush(self, selector: selectors.BaseSelector, listener: _Listener) -> None:
        if listener.outgoing:
            try:
                sent = listener.connection.send(listener.outgoing)
            except (BlockingIOError, InterruptedError):
                sent = 0
            except OSError:
                self._drop(selector, listener)
                return
            del listener.outgoing[:sent]
        events = selectors.EVENT_READ | (selectors.EVENT_WRITE if listener.outgoing else 0)
        with contextlib.suppress(KeyError, ValueError):
            selector.modify(listener.connection, events, listener)


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

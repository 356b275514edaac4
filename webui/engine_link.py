"""The web process's link to the engine: its events, the lines' state, its commands.

One thread (``engine-link``) holds a connection to the engine's bus, keeps
the state of every line up to date from the events, and hands each event
to every subscriber (the browsers' event streams). It reconnects by itself
when the engine restarts, and meanwhile says the engine is offline.
Commands (reload the configuration, start a recording) go over a short
connection of their own, so they never wait behind the event stream.

A subscriber that does not keep up loses its subscription (``overflowed``)
rather than slowing the link down; its browser reconnects.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from firmware.bus import BusClient, BusError

log = logging.getLogger(__name__)

RECONNECT_S = 1.0
SUBSCRIBER_QUEUE = 500


class EngineUnavailableError(RuntimeError):
    """The engine is not running, or refused the command."""


@dataclass(frozen=True)
class LineStatus:
    """What the live page shows of a line."""

    line: int
    state: str = "idle"  # idle, ringing, dialling, in_call, silent, seized, offline
    recording: bool = False
    call_id: int | None = None
    direction: str | None = None
    number: str | None = None
    name: str | None = None
    location_zh: str | None = None
    location_en: str | None = None
    since: float | None = None  # when the call started

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


_CALLER_FIELDS = ("number", "name", "location_zh", "location_en")


def _call_started(status: LineStatus, event: dict[str, Any], now: float) -> LineStatus:
    direction = event.get("direction")
    return LineStatus(
        status.line,
        state="ringing" if direction == "in" else "dialling",
        recording=status.recording,
        call_id=event.get("call_id"),
        direction=direction,
        since=now,
    )


def _digit(status: LineStatus, event: dict[str, Any], now: float) -> LineStatus:
    if status.direction == "out" and status.state == "dialling":
        return replace(status, number=event.get("digits"))
    return status


_EVENT_EFFECTS = {
    "call_started": _call_started,
    "caller_id": lambda s, e, now: replace(s, **{key: e.get(key) for key in _CALLER_FIELDS}),
    "digit": _digit,
    "call_answered": lambda s, e, now: replace(s, state="in_call"),
    "line_state": lambda s, e, now: replace(s, state=e.get("state", s.state)),
    "recording_started": lambda s, e, now: replace(s, recording=True),
    "recording_stopped": lambda s, e, now: replace(s, recording=False),
    "recording_failed": lambda s, e, now: replace(s, recording=False),
    "call_ended": lambda s, e, now: LineStatus(s.line, recording=s.recording),
}


def apply_event(status: LineStatus, event: dict[str, Any], now: float) -> LineStatus:
    """The line's status after one engine event."""
    effect = _EVENT_EFFECTS.get(event.get("type"))
    return effect(status, event, now) if effect else status


class Subscription:
    """One listener's queue of engine events; ``None`` from ``get`` means nothing came."""

    def __init__(self, link: EngineLink, size: int) -> None:
        self._link = link
        self._queue: queue.Queue[dict[str, Any]] = queue.Queue(size)
        self.overflowed = False

    def offer(self, event: dict[str, Any]) -> None:
        try:
            self._queue.put_nowait(event)
        except queue.Full:
            self.overflowed = True

    def get(self, timeout: float) -> dict[str, Any] | None:
        try:
            return self._queue.get(timeout=timeout)
        except queue.Empty:
            return None

    def close(self) -> None:
        self._link.unsubscribe(self)

    def __enter__(self) -> Subscription:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class EngineLink:
    """Follows the engine at ``socket_path``; ``start`` the thread, or feed ``dispatch`` by hand."""

    def __init__(
        self,
        socket_path: str | Path,
        clock: Callable[[], float] = time.time,
        reconnect_s: float = RECONNECT_S,
    ) -> None:
        self.socket_path = Path(socket_path)
        self.clock = clock
        self.reconnect_s = reconnect_s
        self.connected = False
        self._lines: dict[int, LineStatus] = {}
        self._subscribers: set[Subscription] = set()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._client: BusClient | None = None
        self._thread: threading.Thread | None = None

    # ---- state and subscribers --------------------------------------------------

    def lines(self) -> list[LineStatus]:
        with self._lock:
            return [self._lines[number] for number in sorted(self._lines)]

    def line(self, number: int) -> LineStatus | None:
        with self._lock:
            return self._lines.get(number)

    def subscribe(self, size: int = SUBSCRIBER_QUEUE) -> Subscription:
        subscription = Subscription(self, size)
        with self._lock:
            self._subscribers.add(subscription)
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        with self._lock:
            self._subscribers.discard(subscription)

    @property
    def subscriber_count(self) -> int:
        with self._lock:
            return len(self._subscribers)

    def reset_lines(self, statuses: list[dict[str, Any]]) -> None:
        """The lines as the engine's ``status`` command reports them."""
        now = self.clock()
        with self._lock:
            self._lines = {
                item["line"]: LineStatus(
                    item["line"],
                    state=item.get("state", "idle") if item.get("alive", True) else "offline",
                    recording=bool(item.get("recording")),
                    call_id=item.get("call_id"),
                    direction=item.get("direction"),
                    number=item.get("number"),
                    name=item.get("name"),
                    location_zh=item.get("location_zh"),
                    location_en=item.get("location_en"),
                    since=item.get("started_at") or (now if item.get("call_id") else None),
                )
                for item in statuses
            }
        self._fan_out({"type": "lines_reset"})

    def dispatch(self, event: dict[str, Any]) -> None:
        """Take one engine event: update the line it concerns, then pass it on."""
        number = event.get("line")
        if isinstance(number, int):
            with self._lock:
                current = self._lines.get(number, LineStatus(number))
                self._lines[number] = apply_event(current, event, self.clock())
        self._fan_out(event)

    def _fan_out(self, event: dict[str, Any]) -> None:
        with self._lock:
            subscribers = list(self._subscribers)
        for subscription in subscribers:
            subscription.offer(event)

    # ---- the connection ---------------------------------------------------------

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="engine-link", daemon=True)
        self._thread.start()

    @property
    def closing(self) -> bool:
        """The web process is shutting down: open event streams should end."""
        return self._stop.is_set()

    def stop(self) -> None:
        self._stop.set()
        self._fan_out({"type": "closing"})  # every event stream ends at once
        client = self._client
        if client is not None:
            with contextlib.suppress(OSError):
                client.close()
        if self._thread is not None:
            self._thread.join(5)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._follow()
            except (BusError, OSError, ValueError) as error:
                if self.connected:
                    log.warning("lost the engine: %s", error)
            if self.connected:
                self.connected = False
                with self._lock:
                    self._lines = {
                        number: LineStatus(number, state="offline") for number in self._lines
                    }
                self._fan_out({"type": "engine", "connected": False})
            self._stop.wait(self.reconnect_s)

    def _follow(self) -> None:
        with BusClient(self.socket_path, timeout=None) as client:
            self._client = client
            try:
                status = client.command("status")
                self.connected = True
                log.info("following the engine at %s", self.socket_path)
                self.reset_lines(status.get("lines", []))
                self._fan_out({"type": "engine", "connected": True})
                for event in client.events():
                    if self._stop.is_set():
                        return
                    self.dispatch(event)
            finally:
                self._client = None

    # ---- commands ---------------------------------------------------------------

    def command(self, name: str, timeout: float = 5.0, **arguments: Any) -> dict[str, Any]:
        """Send the engine a command; raise EngineUnavailableError if it is not there or refuses."""
        try:
            with BusClient(self.socket_path, timeout=timeout) as client:
                reply = client.command(name, **arguments)
        except (BusError, OSError) as error:
            raise EngineUnavailableError(str(error)) from error
        if not reply.get("ok"):
            raise EngineUnavailableError(reply.get("error") or "the engine refused the command")
        return reply

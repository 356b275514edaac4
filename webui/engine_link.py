"""The web process's link to the engine: its events, the lines' status, its commands.

One thread (``engine-link``) holds a connection to the engine's bus, keeps
every line's status as the engine last told it (each event carries its
line's whole status: nothing is worked out here), and hands each event to
every subscriber (the browsers' event streams). It reconnects by itself
when the engine restarts, and meanwhile says the engine is offline.
Commands (reload the configuration, start a recording) go over a short
connection of their own, so they never wait behind the event stream.

Besides the engine's events (``firmware.link.contract``), subscribers get
the link's own news: ``LinesReset`` (every line's status was read afresh),
``EngineConnection`` (the engine came or went), ``Closing`` (the web
process is shutting down) and ``RightsChanged`` (told by ``notify``). A
subscriber that does not keep up loses its subscription (``overflowed``)
rather than slowing the link down; its browser reconnects.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
from dataclasses import dataclass
from pathlib import Path

from firmware.link import contract
from firmware.link.bus import BusClient, BusError
from firmware.link.contract import LineStatus

log = logging.getLogger(__name__)

RECONNECT_S = 1.0
SUBSCRIBER_QUEUE = 500


class EngineUnavailableError(RuntimeError):
    """The engine is not running, or refused the command."""


class EngineRefusedError(EngineUnavailableError):
    """The engine is there and refused the command; the message is its reason."""


@dataclass(frozen=True)
class LinesReset:
    """Every line's status was read afresh (on connecting to the engine)."""


@dataclass(frozen=True)
class EngineConnection:
    connected: bool


@dataclass(frozen=True)
class Closing:
    """The web process is shutting down: event streams end."""


@dataclass(frozen=True)
class RightsChanged:
    """Someone's rights may have changed: open streams check their user again."""


News = contract.Published | LinesReset | EngineConnection | Closing | RightsChanged


class Subscription:
    """One listener's queue of engine events; ``None`` from ``get`` means nothing came."""

    def __init__(self, link: EngineLink, size: int) -> None:
        self._link = link
        self._queue: queue.Queue[News] = queue.Queue(size)
        self.overflowed = False

    def offer(self, event: News) -> None:
        try:
            self._queue.put_nowait(event)
        except queue.Full:
            self.overflowed = True

    def get(self, timeout: float) -> News | None:
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

    def __init__(self, socket_path: str | Path, reconnect_s: float = RECONNECT_S) -> None:
        self.socket_path = Path(socket_path)
        self.reconnect_s = reconnect_s
        self.connected = False
        self._lines: dict[int, LineStatus] = {}
        # The text messages' state as the engine last told it (None: no sender, or not yet).
        self.sms: contract.SmsState | None = None
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

    def reset_lines(self, statuses: list[LineStatus]) -> None:
        """Every line's status as the engine's ``status`` command reports it."""
        with self._lock:
            self._lines = {status.line: status for status in statuses}
        self._fan_out(LinesReset())

    def dispatch(self, event: contract.Published) -> None:
        """Take one engine event: keep its line's status (or the box's news), then pass it
        on."""
        with self._lock:
            if isinstance(event, contract.Event):
                self._lines[event.line] = event.status
            elif isinstance(event, contract.SmsChanged):
                self.sms = event.sms
        self._fan_out(event)

    def notify(self, news: News) -> None:
        """Hand ``news`` of the web's own to every subscriber."""
        self._fan_out(news)

    def _fan_out(self, event: News) -> None:
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
        self._fan_out(Closing())  # every event stream ends at once
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
            except (BusError, OSError, ValueError, contract.CommandRefusedError) as error:
                if self.connected:
                    log.warning("lost the engine: %s", error)
            if self.connected:
                self.connected = False
                with self._lock:
                    self._lines = {
                        number: LineStatus(number, online=False) for number in self._lines
                    }
                self._fan_out(EngineConnection(False))
            self._stop.wait(self.reconnect_s)

    def _follow(self) -> None:
        with BusClient(self.socket_path, timeout=None) as client:
            self._client = client
            try:
                status = client.command(contract.StatusCommand())
                self.connected = True
                log.info("following the engine at %s", self.socket_path)
                self.sms = status.sms
                self.reset_lines([report.status for report in status.lines])
                self._fan_out(EngineConnection(True))
                for event in client.events():
                    if self._stop.is_set():
                        return
                    self.dispatch(event)
            finally:
                self._client = None

    # ---- commands ---------------------------------------------------------------

    def command(self, command: contract.Command, timeout: float = 5.0) -> contract.Reply:
        """Send the engine a command; raise EngineUnavailableError if it is not there, and
        EngineRefusedError (one of those) with its reason if it refuses."""
        try:
            with BusClient(self.socket_path, timeout=timeout) as client:
                return client.command(command)
        except contract.CommandRefusedError as error:
            raise EngineRefusedError(str(error)) from error
        except (BusError, OSError) as error:
            raise EngineUnavailableError(str(error)) from error

"""The engine under systemd: readiness, status, stop and the watchdog (``sd_notify``).

systemd starts ``linerec engine`` as a ``Type=notify`` service with
``WatchdogSec=``: it passes the address of its notification socket in
``NOTIFY_SOCKET`` and the watchdog's period in ``WATCHDOG_USEC``.
``Notifier`` sends it datagrams of ``NAME=value`` lines (``READY=1``,
``STATUS=...``, ``WATCHDOG=1``, ``STOPPING=1``) with the standard library
alone; an address starting with ``@`` is in the abstract namespace. Without
``NOTIFY_SOCKET`` (a person running the engine by hand, ``linerec run``)
every call does nothing.

``EngineWatchdog`` (thread ``watchdog``) says ``READY=1`` once the lines run,
then, every tick, looks at every line's worker and pings (``WATCHDOG=1``)
only while each is well: alive, and neither stuck on a frame while audio
waits for it nor further behind its line's audio than ``LAG_LIMIT_S``. A
frozen worker (a driver call that never returns, a disk that hangs) therefore
stops the pings, and systemd kills and restarts the engine once
``WatchdogSec`` passes without one. A line that stopped on an error and waits
for its own restart (``Engine._schedule_restart``) is the engine's business,
not the watchdog's: it shows in ``STATUS=``, and the other lines go on.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from audio_format import FRAME_SECONDS

if TYPE_CHECKING:
    from firmware.engine.engine import Engine
    from firmware.engine.worker import LineWorker

log = logging.getLogger(__name__)

# A worker further behind its audio than this, or stuck this long on one frame while
# audio waits, is not well (the health page's limit for a line's lag is the same).
LAG_LIMIT_S = 5.0
TICK_S = 1.0  # how often the lines are looked at; the pings go out at most this often


class Notifier:
    """``sd_notify``: messages to the service manager over ``NOTIFY_SOCKET``, if any."""

    def __init__(self, address: str | None) -> None:
        self.address = address or None
        self._socket: socket.socket | None = None
        self._lock = threading.Lock()
        self._failed = False  # a failure is logged once

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> Notifier:
        environ = os.environ if environ is None else environ
        return cls(environ.get("NOTIFY_SOCKET"))

    @property
    def enabled(self) -> bool:
        return self.address is not None

    def _target(self) -> str | bytes:
        address = self.address
        if address.startswith("@"):  # the abstract namespace: a NUL byte first
            return b"\0" + address[1:].encode()
        return address

    def notify(self, *fields: str) -> bool:
        """Send ``fields`` (``"READY=1"``, ...) as one message; whether it was sent.

        Never raises: the box records whether or not anyone listens.
        """
        if self.address is None:
            return False
        message = "\n".join(fields).encode()
        with self._lock:
            try:
                if self._socket is None:
                    self._socket = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
                self._socket.sendto(message, self._target())
            except OSError as error:
                if not self._failed:
                    self._failed = True
                    log.warning("cannot notify the service manager at %s: %s",
                                self.address, error)
                return False
        return True

    def status(self, text: str) -> bool:
        return self.notify(f"STATUS={text}")

    def close(self) -> None:
        with self._lock:
            if self._socket is not None:
                self._socket.close()
                self._socket = None


def watchdog_interval_s(environ: Mapping[str, str] | None = None) -> float | None:
    """Half the watchdog period systemd asked for (``WATCHDOG_USEC``, for this process if
    ``WATCHDOG_PID`` names one), or None when there is no watchdog."""
    environ = os.environ if environ is None else environ
    try:
        usec = int(environ.get("WATCHDOG_USEC", ""))
    except ValueError:
        return None
    pid = environ.get("WATCHDOG_PID")
    if usec <= 0 or (pid and pid != str(os.getpid())):
        return None
    return usec / 2e6


class EngineWatchdog:
    """Tells systemd the engine is ready, how its lines are, and pings its watchdog while
    every line's worker is well."""

    def __init__(
        self,
        engine: Engine,
        notifier: Notifier,
        *,
        ping_every_s: float | None = None,
        lag_limit_s: float = LAG_LIMIT_S,
        tick_s: float = TICK_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.engine = engine
        self.notifier = notifier
        self.ping_every_s = ping_every_s  # None: no watchdog, the status only
        self.lag_limit_s = lag_limit_s
        self.tick_s = min(tick_s, ping_every_s) if ping_every_s else tick_s
        self.clock = clock
        self.pings = 0
        self._progress: dict[int, tuple[LineWorker, int, float]] = {}  # line -> frames seen when
        self._said: str | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def problems(self) -> list[str]:
        """What keeps the lines from being well, one short phrase per line; [] if they are."""
        now = self.clock()
        problems = []
        workers = {worker.number: worker for worker in self.engine._current_workers()}
        for number in list(self._progress):
            if number not in workers:
                del self._progress[number]
        for number, worker in sorted(workers.items()):
            if not worker.is_alive():
                if worker.failure is None and not worker.retired:
                    problems.append(f"line {number} ended")
                continue  # stopped on an error: the engine starts it again by itself
            seen = self._progress.get(number)
            if seen is None or seen[0] is not worker or seen[1] != worker.frames:
                seen = (worker, worker.frames, now)
                self._progress[number] = seen
            backlog = worker.input.backlog
            stuck_s = now - seen[2] if backlog else 0.0
            behind_s = backlog * FRAME_SECONDS
            if stuck_s > self.lag_limit_s:
                problems.append(f"line {number} stuck for {stuck_s:.0f} s")
            elif behind_s > self.lag_limit_s:
                problems.append(f"line {number} {behind_s:.0f} s behind")
        return problems

    def summary(self, problems: list[str]) -> str:
        workers = self.engine._current_workers()
        running = sum(1 for worker in workers if worker.is_alive())
        text = f"{running} of {len(workers)} lines running"
        return f"{text}; {', '.join(problems)}" if problems else text

    def check(self) -> bool:
        """One look at the lines: the status said if it changed, a ping if they are well."""
        problems = self.problems()
        text = self.summary(problems)
        fields = []
        if text != self._said:
            if problems:
                log.warning("watchdog: %s", text)
            elif self._said is not None:
                log.info("watchdog: %s", text)
            self._said = text
            fields.append(f"STATUS={text}")
        if not problems and self.ping_every_s:
            fields.append("WATCHDOG=1")
            self.pings += 1
        if fields:
            self.notifier.notify(*fields)
        return not problems

    def start(self) -> None:
        """Say READY=1 (the lines run) and start looking at them."""
        problems = self.problems()
        self._said = self.summary(problems)
        self.notifier.notify("READY=1", f"STATUS={self._said}")
        self._thread = threading.Thread(target=self._run, name="watchdog", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.tick_s):
            try:
                self.check()
            except Exception:  # a fault here must not stop the pings for good unseen
                log.exception("watchdog: cannot look at the lines")

    def stop(self) -> None:
        """Say STOPPING=1 and stop looking (before the engine stops its lines)."""
        self.notifier.notify("STOPPING=1", "STATUS=stopping")
        self._stop.set()
        if self._thread is not None:
            with contextlib.suppress(RuntimeError):
                self._thread.join(5)

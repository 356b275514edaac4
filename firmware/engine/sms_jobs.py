"""The engine's ``sms-jobs`` thread: the box's own text messages, queued when due.

Every ``LOOK_S`` seconds, and at once when woken (a missed call ended, a voicemail
message was kept, new settings), ``SmsJobs`` has ``firmware.sms.greetings`` queue what
is due: birthday and holiday greetings, replies to missed calls, voicemail notices. It
runs only while a GSM modem is set (``device.sms.modem``): greetings queued for a box
that cannot send would go out days late. Each message is queued once, whatever the
restarts (the greetings' occasions); the ``sms`` thread sends them. A store error is
logged and the round tried again at the next look; a problem of the settings (a
template gone) is logged once.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime

from firmware.config import Config
from firmware.country.numbers import describe
from firmware.country.profiles import local_offset_s, profile
from firmware.sms.greetings import Greetings
from firmware.store.db import Store, StoreError

log = logging.getLogger(__name__)

LOOK_S = 30.0
TEXTABLE = ("mobile", "fixed_line_or_mobile")  # number kinds that take text messages


class SmsJobs(threading.Thread):
    """The ``sms-jobs`` thread (see the module's text)."""

    def __init__(
        self,
        store: Store,
        config: Callable[[], Config],
        *,
        clock: Callable[[], float] = time.time,
        look_s: float = LOOK_S,
    ) -> None:
        super().__init__(name="sms-jobs", daemon=True)
        self.config = config
        self.clock = clock
        self.look_s = look_s
        self.greetings = Greetings(store, can_text=self._can_text, e164=self._e164)
        self.queued = 0  # messages queued since the engine started
        self._told: set[str] = set()  # problems logged already
        self._stopping = threading.Event()
        self._woken = threading.Event()

    def _region(self) -> str:
        return profile(self.config().device.country).region

    def _can_text(self, number: str) -> bool:
        return describe(number, self._region()).kind in TEXTABLE

    def _e164(self, number: str) -> str | None:
        return describe(number, self._region()).e164

    def local(self, at: float) -> datetime:
        """A moment as the box's local time (naive)."""
        device = self.config().device
        offset = local_offset_s(device.country, device.time_zone, at)
        return datetime.fromtimestamp(at + offset, UTC).replace(tzinfo=None)

    def wake(self) -> None:
        self._woken.set()

    def stop(self, timeout: float = 10.0) -> None:
        self._stopping.set()
        self._woken.set()
        if self.is_alive():
            self.join(timeout)

    def run(self) -> None:
        while not self._stopping.is_set():
            self.round()
            self._woken.wait(self.look_s)
            self._woken.clear()

    def round(self) -> None:
        """One look: what is due queued, every failure logged here."""
        config = self.config()
        if not config.device.sms.enabled:
            return
        try:
            done = self.greetings.run(config, now=self.clock(), local=self.local)
        except (sqlite3.Error, StoreError) as error:
            log.warning("the box's text messages cannot be queued now: %s", error)
            return
        except Exception:  # a fault of ours must not end the greetings for good
            log.exception("the box's text messages: unexpected error")
            return
        for kind, count in done.queued.items():
            self.queued += count
            log.info("%d text messages queued: %s", count, kind)
        for problem in done.problems:
            if problem not in self._told:
                self._told.add(problem)
                log.warning("text messages: %s", problem)

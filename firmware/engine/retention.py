"""The retention service: the engine's thread ``retention`` that keeps the recordings'
disk from filling (circular recording), by ``firmware.store.retention``'s plans, and
applies the age limits of recordings and voicemail messages.

Every ``CHECK_INTERVAL_S`` it looks at the free space of the recordings' file
system (one ``statvfs``); every ``ROUND_INTERVAL_S``, or at once when free
space is below the target, it plans and carries out a full round (age limits,
then the oldest while space is short). Below the emergency floor (what the
lines record in the next few minutes, at least 64 MB), or when any thread
calls ``urgent()`` (a write that failed for lack of space), it deletes down
to the target right away.

When the disk is short of its target and nothing more may be deleted (all
held, or not backed up yet), it says so once in the log as an error, and
keeps that and the rest of its recent doings in ``state()``, for the status
command and the health page. Nothing it meets stops it: a failed round is
logged and the next one tries again.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import replace as _replace
from pathlib import Path

from firmware.config import Config
from firmware.link.contract import RetentionState
from firmware.store.db import Store
from firmware.store.retention import DiskSpace, Outcome, Plan, RetentionPolicy, run_round

log = logging.getLogger(__name__)

CHECK_INTERVAL_S = 5.0  # how often free space is looked at
ROUND_INTERVAL_S = 60.0  # how often a full round runs when space is fine (age limits)
EMERGENCY_ROUNDS = 10  # rounds an emergency may take to reach the target (sizes are estimates)


class RetentionService:
    """Retention for one engine: ``start``, ``stop``; ``urgent`` and ``state`` from any thread."""

    def __init__(
        self,
        store: Store,
        recordings: Path,
        settings: Callable[[], Config | None],
        clock: Callable[[], float] = time.time,
        voicemail: Path | None = None,
    ) -> None:
        self.store = store
        self.recordings = Path(recordings)
        self.voicemail = Path(voicemail) if voicemail is not None else None  # the messages
        self.settings = settings  # the engine's configuration as it is now
        self.clock = clock
        # Read when made, so a test may set the module's intervals first.
        self.check_interval_s = CHECK_INTERVAL_S
        self.round_interval_s = ROUND_INTERVAL_S
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self._wake = threading.Event()
        self._lock = threading.Condition()
        self._urgent_asked = 0  # urgent() calls so far
        self._urgent_served = 0  # of those, answered by an emergency round
        self._round_asked = False
        self._state = RetentionState()

    # ---- for other threads -----------------------------------------------------------

    def start(self) -> None:
        self._stopping.clear()
        self._round_asked = True  # a first round at once: the box may have been off for days
        self._thread = threading.Thread(target=self._run, name="retention", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        with self._lock:
            self._urgent_served = self._urgent_asked  # nobody waits on a stopped service
            self._lock.notify_all()

    def urgent(self, wait: float | None = None) -> bool:
        """Make room now (a write failed for lack of space): an emergency round at once,
        down to the target. Returns at once, or with ``wait`` seconds waits for the round;
        True if it has run. Any thread may call it, at any time."""
        with self._lock:
            self._urgent_asked += 1
            ticket = self._urgent_asked
        self._wake.set()
        if not wait:
            return False
        deadline = time.monotonic() + wait
        with self._lock:
            while self._urgent_served < ticket:
                left = deadline - time.monotonic()
                if left <= 0 or self._thread is None:
                    return False
                self._lock.wait(left)
        return True

    def run_soon(self) -> None:
        """The settings changed: a full round at once, with them."""
        self._round_asked = True
        self._wake.set()

    def state(self) -> RetentionState:
        with self._lock:
            return self._state

    # ---- the thread --------------------------------------------------------------------

    def _run(self) -> None:
        next_round = time.monotonic()
        while not self._stopping.is_set():
            try:
                if self._check(time.monotonic() >= next_round):
                    next_round = time.monotonic() + self.round_interval_s
            except Exception:  # a round must never end the thread
                log.exception("retention: the check failed; it runs again in %.0f s",
                              self.check_interval_s)
                self._problem("retention failed; see the engine's log")
            self._wake.wait(self.check_interval_s)
            self._wake.clear()

    def _policy(self) -> RetentionPolicy:
        config = self.settings()
        if config is None:
            return RetentionPolicy()
        return RetentionPolicy.from_settings(config.device.retention, config.lines)

    def _check(self, round_due: bool) -> bool:
        """One look at the disk, and a round if one is needed; True if a full round ran."""
        policy = self._policy()
        disk = DiskSpace.of(self.recordings)
        target, floor = policy.target_free(disk), policy.emergency_floor(disk)
        with self._lock:
            urgent_ticket = self._urgent_asked
            self._state = _replace(self._state, enabled=policy.enabled, checked_at=self.clock(),
                                   total_bytes=disk.total, free_bytes=disk.free,
                                   target_free_bytes=target, floor_bytes=floor)
        emergency = urgent_ticket > self._urgent_served or disk.free < floor
        ran = False
        if emergency:
            self._emergency(policy, disk)
            ran = True
        elif round_due or self._round_asked or disk.free < target:
            self._round_asked = False
            self._round(policy, disk, emergency=False)
            ran = True
        if urgent_ticket > self._urgent_served:
            with self._lock:
                self._urgent_served = urgent_ticket
                self._lock.notify_all()
        return ran

    def _emergency(self, policy: RetentionPolicy, disk: DiskSpace) -> None:
        if not policy.enabled:
            self._say_stuck(
                "storage nearly full and retention is off: nothing is deleted, and recording "
                "stops when the disk is full (turn retention on under Settings, Storage)"
            )
            return
        log.warning("retention: disk nearly full (%d MB free): deleting down to the target now",
                    disk.free // 2**20)
        for _ in range(EMERGENCY_ROUNDS):
            planned, outcome = self._round(policy, disk, emergency=True)
            if not planned.short or not outcome.deleted:
                return
            disk = DiskSpace.of(self.recordings)  # the estimates were short: look again
            if disk.free >= planned.target_free:
                return

    def _round(self, policy: RetentionPolicy, disk: DiskSpace, *, emergency: bool
               ) -> tuple[Plan, Outcome]:
        now = self.clock()
        planned, outcome = run_round(self.store, self.recordings, policy, disk, now,
                                     emergency=emergency, voicemail=self.voicemail)
        for item in outcome.deleted:
            log.info("retention: deleted %s (%s)", item.path, item.reason)
        with self._lock:
            self._state = _replace(
                self._state,
                last_round_at=now,
                last_round_deleted=len(outcome.deleted),
                last_round_freed_bytes=outcome.freed,
                deleted_total=self._state.deleted_total + len(outcome.deleted),
            )
        if outcome.failed:
            item, why = outcome.failed[0]
            self._problem(f"could not delete {len(outcome.failed)} files ({item.path}: "
                          f"{why}); the next round tries again")
        if planned.short and not outcome.deleted and policy.enabled:
            self._say_stuck(
                "storage nearly full: nothing left that retention may delete "
                f"({planned.held_protected} protected, {planned.held_not_backed_up} not "
                "backed up)"
            )
        elif not planned.short:
            with self._lock:
                self._state = _replace(self._state, stuck=False)
        return planned, outcome

    def _say_stuck(self, message: str) -> None:
        """Log it once while it lasts; keep it in the state."""
        with self._lock:
            already = self._state.stuck
            self._state = _replace(self._state, stuck=True, last_problem=message,
                                   last_problem_at=self.clock())
        if not already:
            log.error("retention: %s", message)

    def _problem(self, message: str) -> None:
        with self._lock:
            self._state = _replace(self._state, last_problem=message,
                                   last_problem_at=self.clock())

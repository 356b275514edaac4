"""The web's open streams: how many each user may hold, and whether they still may.

An event stream (``/events``) or a live listen (``/lines/<n>/listen``) holds
one server thread for as long as it is open. ``StreamSlots`` hands them out:
so many in all, so many to one user, counted and checked in one step under a
lock, so that a burst of requests cannot slip past the limit, and one user
cannot take every slot from the others.

``RightsWatch`` keeps a number that moves whenever someone's rights may have
changed (``firmware.store.accounts.Accounts`` says so: a permission, a line,
a group, a password, a session ended). An open stream compares it at every
event or chunk it sends; when it moved, the stream checks its user again
(``recheck``) and ends at once if the session is gone, or goes on with the
user's rights as they are now: a revoked permission takes effect on the very
next event, not at the next page.
"""

from __future__ import annotations

import contextlib
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from webui.permissions import Principal, principal_of

EVENT_STREAMS = 100  # each open stream holds one server thread
EVENT_STREAMS_PER_USER = 4  # a browser shares one among its tabs: a few browsers each
LISTENERS = 16
LISTENERS_PER_USER = 2


class Slot:
    """One open stream's place; ``release`` when it ends (twice is harmless).

    ``superseded`` is set when a newer stream of the same user took this place
    (``StreamSlots.take(..., supersede=True)``): the stream ends at once.
    """

    def __init__(self, slots: StreamSlots, user_id: int) -> None:
        self._slots = slots
        self.user_id = user_id
        self.superseded = False
        self._wake: Callable[[], None] | None = None
        self._released = False

    def on_superseded(self, wake: Callable[[], None]) -> None:
        """Call ``wake`` (from another thread) when a newer stream takes this place."""
        self._wake = wake
        if self.superseded:  # it happened already
            wake()

    def release(self) -> None:
        if not self._released:
            self._released = True
            self._slots._give_back(self)

    def _supersede(self) -> None:
        self.superseded = True
        self._released = True  # the place is the newer stream's now
        if self._wake is not None:
            self._wake()


class StreamSlots:
    """At most ``total`` streams open, at most ``per_user`` of them one user's.

    A browser cannot always say it left: a stream whose page was closed holds its
    place until the next heartbeat fails to reach it. With ``supersede`` a user
    at their limit gets a place all the same, and their oldest stream ends at
    once: a user never holds more than ``per_user``, and a few page changes in a
    row never lock them out of their own box.
    """

    def __init__(self, total: int, per_user: int) -> None:
        self.total = total
        self.per_user = per_user
        self._lock = threading.Lock()
        self._held: dict[int, deque[Slot]] = {}

    def take(self, user_id: int, supersede: bool = False) -> Slot | None:
        """A slot for ``user_id``, or None when they (or everyone) hold all there are."""
        slot = Slot(self, user_id)
        with self._lock:
            mine = self._held.setdefault(user_id, deque())
            oldest = None
            if len(mine) >= self.per_user:
                if not supersede:
                    return None
                oldest = mine.popleft()
            elif self._count() >= self.total:
                return None
            mine.append(slot)
        if oldest is not None:
            oldest._supersede()
        return slot

    def held(self, user_id: int | None = None) -> int:
        with self._lock:
            if user_id is not None:
                return len(self._held.get(user_id, ()))
            return self._count()

    def _count(self) -> int:
        return sum(len(mine) for mine in self._held.values())

    def _give_back(self, slot: Slot) -> None:
        with self._lock:
            mine = self._held.get(slot.user_id)
            if mine is not None:
                with contextlib.suppress(ValueError):
                    mine.remove(slot)
                if not mine:
                    del self._held[slot.user_id]


@dataclass
class RightsWatch:
    """A number that moves whenever anyone's rights may have changed."""

    generation: int = 0

    def __post_init__(self) -> None:
        self._lock = threading.Lock()

    def changed(self) -> None:
        with self._lock:
            self.generation += 1


def recheck(deps, session_token: str | None) -> Principal | None:
    """The user of ``session_token`` with their rights as they are now; None when the
    session is gone (signed out, expired, or the user deactivated or deleted)."""
    found = deps.sessions.resolve(session_token)
    if found is None:
        return None
    _, user = found
    return principal_of(user, deps.accounts)

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

import threading
from collections import Counter
from dataclasses import dataclass

from webui.permissions import Principal, principal_of

EVENT_STREAMS = 100  # each open stream holds one server thread
EVENT_STREAMS_PER_USER = 4  # a browser shares one among its tabs: a few browsers each
LISTENERS = 16
LISTENERS_PER_USER = 2


class Slot:
    """One open stream's place; ``release`` when it ends (twice is harmless)."""

    def __init__(self, slots: StreamSlots, user_id: int) -> None:
        self._slots = slots
        self.user_id = user_id
        self._released = False

    def release(self) -> None:
        if not self._released:
            self._released = True
            self._slots._give_back(self.user_id)


class StreamSlots:
    """At most ``total`` streams open, at most ``per_user`` of them one user's."""

    def __init__(self, total: int, per_user: int) -> None:
        self.total = total
        self.per_user = per_user
        self._lock = threading.Lock()
        self._held: Counter[int] = Counter()

    def take(self, user_id: int) -> Slot | None:
        """A slot for ``user_id``, or None when they (or everyone) hold all there are."""
        with self._lock:
            if sum(self._held.values()) >= self.total or self._held[user_id] >= self.per_user:
                return None
            self._held[user_id] += 1
        return Slot(self, user_id)

    def held(self, user_id: int | None = None) -> int:
        with self._lock:
            return self._held[user_id] if user_id is not None else sum(self._held.values())

    def _give_back(self, user_id: int) -> None:
        with self._lock:
            self._held[user_id] -= 1
            if self._held[user_id] <= 0:
                del self._held[user_id]


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

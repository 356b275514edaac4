"""Each user's presence: online, away or offline.

``user_presence`` keeps the presence a user chose (online or away) and when they last
did something in a page; their sessions (``sessions.last_seen``) say whether a page of
theirs still reaches the box. ``presence_of`` derives the state from both; nothing is
kept in memory, so every process and a restart read the same.

Standard library only, like the rest of the store.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from firmware.store.db import RefusedChangeError, Store

PRESENCE_CHOICES = ("online", "away")
PRESENCE_STATES = ("online", "away", "offline")
# Offline: no session of the user was used (a page, the event stream each open page
# holds, the reminders' poll each page makes every minute) for this long.
OFFLINE_AFTER_S = 180
# Away (unless chosen): nothing done in a page (a key, a click, a touch, a page opened,
# signing in) for this long.
AWAY_AFTER_S = 15 * 60


class PresenceError(RefusedChangeError):
    """A presence the store refuses."""


@dataclass(frozen=True)
class Seen:
    """What the store knows of a user's presence: their choice, their newest session's
    last use and start, and the last time they did something in a page."""

    chosen: str = "online"
    last_seen: float | None = None
    signed_in_at: float | None = None
    active_at: float | None = None


def presence_of(seen: Seen, now: float) -> str:
    """``offline``: no unexpired session used in the last ``OFFLINE_AFTER_S``; ``away``:
    chosen, or nothing done in a page (nor a sign-in) for ``AWAY_AFTER_S``; else
    ``online``."""
    if seen.last_seen is None or now - seen.last_seen > OFFLINE_AFTER_S:
        return "offline"
    active = max(seen.active_at or 0.0, seen.signed_in_at or 0.0)
    if seen.chosen == "away" or now - active > AWAY_AFTER_S:
        return "away"
    return "online"


class Presence:
    """Each user's presence: chosen in the top bar, derived from their sessions."""

    def __init__(self, store: Store, clock=time.time) -> None:
        self.store = store
        self.clock = clock

    def choose(self, user_id: int, chosen: str) -> str:
        """Set the user's choice; their choice before."""
        if chosen not in PRESENCE_CHOICES:
            raise PresenceError("Presence: choose online or away.")
        before = self.chosen(user_id)
        now = self.clock()
        with self.store.transaction() as connection:
            connection.execute(
                "INSERT INTO user_presence (user_id, chosen, active_at) VALUES (?, ?, ?) "
                "ON CONFLICT (user_id) DO UPDATE SET chosen = excluded.chosen, "
                "active_at = excluded.active_at", (user_id, chosen, now))
        return before

    def chosen(self, user_id: int) -> str:
        row = self.store.connection().execute(
            "SELECT chosen FROM user_presence WHERE user_id = ?", (user_id,)).fetchone()
        return "online" if row is None else row[0]

    def active(self, user_id: int) -> None:
        """The user did something in a page just now."""
        with self.store.transaction() as connection:
            connection.execute(
                "INSERT INTO user_presence (user_id, active_at) VALUES (?, ?) "
                "ON CONFLICT (user_id) DO UPDATE SET active_at = excluded.active_at",
                (user_id, self.clock()))

    def seen(self, user_ids: list[int] | None = None) -> dict[int, Seen]:
        """What is known of these users (None: every user) now."""
        now = self.clock()
        connection = self.store.connection()
        sessions = {row[0]: (row[1], row[2]) for row in connection.execute(
            "SELECT user_id, max(last_seen), max(created_at) FROM sessions "
            "WHERE expires_at > ? GROUP BY user_id", (now,))}
        chosen = {row[0]: (row[1], row[2]) for row in connection.execute(
            "SELECT user_id, chosen, active_at FROM user_presence")}
        ids = user_ids if user_ids is not None else sorted(set(sessions) | set(chosen))
        found = {}
        for user_id in ids:
            last_seen, signed_in = sessions.get(user_id, (None, None))
            choice, active = chosen.get(user_id, ("online", None))
            found[user_id] = Seen(choice, last_seen, signed_in, active)
        return found

    def states(self, user_ids: list[int]) -> dict[int, str]:
        now = self.clock()
        return {user_id: presence_of(seen, now) for user_id, seen in self.seen(user_ids).items()}

    def state(self, user_id: int) -> str:
        return self.states([user_id])[user_id]

"""Sign-in: password hashing, sessions, CSRF tokens and the sign-in rate limit.

- Passwords are hashed with scrypt (memory-hard; the standard library's
  ``hashlib.scrypt``), each with its own random salt, stored as
  ``scrypt$<n>$<r>$<p>$<salt>$<hash>`` so the cost can be raised later
  without breaking old hashes.
- A session is a random 256-bit token in an HttpOnly, SameSite=Strict
  cookie (Secure over HTTPS); the store keeps only its SHA-256. Sessions
  end after ``IDLE_S`` without use or ``MAX_AGE_S`` in all, at sign-out, and
  when the password changes (the user's other sessions).
- Every state-changing request carries the session's CSRF token (a form
  field ``csrf`` or the ``X-CSRF-Token`` header); forms shown before
  sign-in (set-up, sign-in) use a double-submit cookie instead.
- Failed sign-ins are limited per client address and per user name.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import secrets
import sqlite3
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from firmware.store.accounts import Accounts, Session, User

log = logging.getLogger(__name__)

SESSION_COOKIE = "linerec_session"
LOGIN_CSRF_COOKIE = "linerec_form"
IDLE_S = 12 * 3600
MAX_AGE_S = 7 * 24 * 3600
TOUCH_EVERY_S = 60  # a session's last use is written at most this often
MIN_PASSWORD_LENGTH = 8

SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(
        password.encode("utf-8"), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, dklen=32
    )
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, stored: str | None) -> bool:
    """Whether ``password`` matches ``stored``; False for a malformed or missing hash."""
    if not stored:
        return False
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest)
        actual = hashlib.scrypt(
            password.encode("utf-8"),
            salt=base64.b64decode(salt),
            n=int(n),
            r=int(r),
            p=int(p),
            dklen=len(expected),
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


# Spent on an unknown user name, so that a wrong name takes as long as a wrong password.
_DUMMY_HASH = hash_password(secrets.token_hex(16))


def check_sign_in(accounts: Accounts, username: str, password: str) -> User | None:
    """The active user these credentials belong to, or None (in about the same time either way)."""
    user = accounts.user_by_name(username) if username else None
    stored = accounts.password_hash(user.id) if user is not None else _DUMMY_HASH
    matches = verify_password(password, stored)
    if user is None or not user.active or not matches:
        return None
    return user


def password_problem(password: str, username: str = "") -> str | None:
    """Why a new password is refused (English; the page translates it), or None."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return "The password needs at least {n} characters."
    if username and password.lower() == username.lower():
        return "The password must not be the user name."
    if len(set(password)) < 4:
        return "The password is too simple."
    return None


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


def same_token(expected: str, given: str | None) -> bool:
    return bool(given) and hmac.compare_digest(expected.encode(), str(given).encode())


@dataclass
class Sessions:
    """Sign-in sessions over the accounts store."""

    accounts: Accounts
    clock: Callable[[], float] = time.time

    def start(self, user: User, address: str, user_agent: str) -> tuple[str, Session]:
        """A new session for ``user``; returns the cookie token (shown once) and the session."""
        token = secrets.token_urlsafe(32)
        now = self.clock()
        session = Session(
            token_hash=token_hash(token),
            user_id=user.id,
            csrf_token=secrets.token_urlsafe(32),
            created_at=now,
            last_seen=now,
            expires_at=min(now + IDLE_S, now + MAX_AGE_S),
            address=address[:64],
            user_agent=user_agent[:200],
        )
        self.accounts.create_session(session)
        return token, session

    def resolve(self, token: str | None) -> tuple[Session, User] | None:
        """The live session of a cookie token and its active user, or None."""
        if not token or len(token) > 128:
            return None
        hashed = token_hash(token)
        session = self.accounts.session(hashed)
        now = self.clock()
        if session is None or session.expires_at <= now:
            if session is not None:
                self.accounts.delete_session(hashed)
            return None
        user = self.accounts.user(session.user_id)
        if user is None or not user.active:
            self.accounts.delete_session(hashed)
            return None
        if now - session.last_seen >= TOUCH_EVERY_S:
            expires = min(now + IDLE_S, session.created_at + MAX_AGE_S)
            try:
                self.accounts.touch_session(hashed, now, expires)
            except sqlite3.Error as error:
                # A full disk must not sign people out: the session goes on unextended.
                log.warning("a session's last use was not saved: %s", error)
        return session, user

    def end(self, token: str | None) -> None:
        if token:
            self.accounts.delete_session(token_hash(token))


class SignInLimiter:
    """Failed sign-ins, limited per user name and per client address.

    A user name may fail ``per_user`` times in ``window_s``, an address (an office
    behind one router is one address) ``per_address`` times across all names: five
    wrong passwords for one user do not lock the rest of the office out, and one
    address cannot try many names. ``attempt`` checks and counts in one step, as a
    failure until ``succeeded`` says otherwise, so a burst of simultaneous tries gets
    no more password checks than the limit. Many made-up names cannot make it
    forget: it drops the names whose failures have all expired, then the names with
    the fewest failures, never an address.
    """

    def __init__(
        self,
        per_user: int = 5,
        per_address: int = 30,
        window_s: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
        most_names: int = 10_000,
    ) -> None:
        self.per_user = per_user
        self.per_address = per_address
        self.window_s = window_s
        self.most_names = most_names
        self._clock = clock
        self._names: dict[str, deque[float]] = {}
        self._addresses: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, table: dict[str, deque[float]], key: str, now: float) -> deque[float]:
        failures = table.setdefault(key, deque())
        while failures and now - failures[0] >= self.window_s:
            failures.popleft()
        return failures

    def _wait(self, failures: deque[float], limit: int, now: float) -> float:
        return self.window_s - (now - failures[-limit]) if len(failures) >= limit else 0.0

    def attempt(self, address: str, username: str) -> float:
        """Seconds to wait before trying (nothing is counted then), or 0: the try is
        counted as a failure until ``succeeded``."""
        now = self._clock()
        name = username.lower()
        with self._lock:
            by_name = self._recent(self._names, name, now)
            by_address = self._recent(self._addresses, address, now)
            wait = max(
                self._wait(by_name, self.per_user, now),
                self._wait(by_address, self.per_address, now),
            )
            if wait > 0:
                return wait
            by_name.append(now)
            by_address.append(now)
            if len(self._names) > self.most_names:
                self._forget_names(now)
        return 0.0

    def succeeded(self, address: str, username: str) -> None:
        """The try was right: it does not count, and the name starts afresh."""
        with self._lock:
            self._names.pop(username.lower(), None)
            by_address = self._addresses.get(address)
            if by_address:
                by_address.pop()

    def _forget_names(self, now: float) -> None:
        for name in [key for key, failures in self._names.items()
                     if not failures or now - failures[-1] >= self.window_s]:
            del self._names[name]
        excess = len(self._names) - self.most_names
        if excess > 0:
            # The names with the fewest failures go first: a name someone keeps guessing
            # outlasts any number of names tried once.
            def weight(key: str) -> tuple[int, float]:
                return len(self._names[key]), self._names[key][-1]

            for name in sorted(self._names, key=weight)[:excess]:
                del self._names[name]


class ActionLimiter:
    """How often one user may do something that reaches past the box (click-to-dial):
    ``most`` times in ``window_s``, counted per user as they are done."""

    def __init__(self, most: int = 6, window_s: float = 60.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.most = most
        self.window_s = window_s
        self._clock = clock
        self._done: dict[int, deque[float]] = {}
        self._lock = threading.Lock()

    def attempt(self, user_id: int) -> float:
        """Seconds to wait before the user may again (nothing is counted then), or 0: it is
        counted now."""
        now = self._clock()
        with self._lock:
            done = self._done.setdefault(user_id, deque())
            while done and now - done[0] >= self.window_s:
                done.popleft()
            if len(done) >= self.most:
                return self.window_s - (now - done[0])
            done.append(now)
            return 0.0

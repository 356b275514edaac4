"""Users, their groups and lines, and their sign-in sessions, in the SQLite store.

This module keeps the records; the policy (how passwords are hashed, how
long a session lives, what a level or flag allows) is the web UI's.
Password hashes never leave this module inside a ``User``: only
``password_hash`` hands one out, for checking.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass

from firmware.store.db import Store, StoreError

LEVELS = ("super", "leader", "operator")
LANGUAGES = ("zh-CN", "en")


class AccountError(StoreError, ValueError):
    """A user or group change the store refuses (a name taken, no such user)."""


@dataclass(frozen=True)
class Group:
    id: int
    name: str
    members: int = 0


@dataclass(frozen=True)
class User:
    id: int
    username: str
    display_name: str
    level: str
    group_id: int | None
    group_name: str | None
    permissions: frozenset[str]
    language: str
    active: bool
    lines: frozenset[int]
    created_at: float
    password_changed_at: float

    @property
    def shown_name(self) -> str:
        return self.display_name or self.username


@dataclass(frozen=True)
class Session:
    token_hash: str
    user_id: int
    csrf_token: str
    created_at: float
    last_seen: float
    expires_at: float
    address: str
    user_agent: str


_USER_COLUMNS = (
    "u.id, u.username, u.display_name, u.level, u.group_id, g.name, u.permissions, "
    "u.language, u.active, u.created_at, u.password_changed_at"
)
_USER_FROM = "users u LEFT JOIN groups g ON g.id = u.group_id"


def _flags(text: str) -> frozenset[str]:
    return frozenset(text.split())


class Accounts:
    """The users, groups and sessions of one store.

    ``on_change`` is told after every change that can change what someone may see
    or do (a user's rights, lines or group, a group, a password, a session ended),
    so that streams already open can check their user again.
    """

    def __init__(self, store: Store, on_change: Callable[[], None] = lambda: None) -> None:
        self.store = store
        self.on_change = on_change

    # ---- users ------------------------------------------------------------------

    def _lines_of(self, user_ids: list[int]) -> dict[int, frozenset[int]]:
        if not user_ids:
            return {}
        marks = ", ".join("?" for _ in user_ids)
        rows = self.store.connection().execute(
            f"SELECT user_id, line FROM user_lines WHERE user_id IN ({marks})", user_ids
        )
        lines: dict[int, set[int]] = {user_id: set() for user_id in user_ids}
        for user_id, line in rows:
            lines[user_id].add(line)
        return {user_id: frozenset(found) for user_id, found in lines.items()}

    def _users(self, where: str = "1", parameters: tuple = ()) -> list[User]:
        rows = (
            self.store.connection()
            .execute(
                f"SELECT {_USER_COLUMNS} FROM {_USER_FROM} WHERE {where} "
                "ORDER BY u.username COLLATE NOCASE",
                parameters,
            )
            .fetchall()
        )
        lines = self._lines_of([row[0] for row in rows])
        return [
            User(
                id=row[0],
                username=row[1],
                display_name=row[2],
                level=row[3],
                group_id=row[4],
                group_name=row[5],
                permissions=_flags(row[6]),
                language=row[7],
                active=bool(row[8]),
                lines=lines[row[0]],
                created_at=row[9],
                password_changed_at=row[10],
            )
            for row in rows
        ]

    def user_count(self) -> int:
        return self.store.connection().execute("SELECT count(*) FROM users").fetchone()[0]

    def users(self) -> list[User]:
        return self._users()

    def user(self, user_id: int) -> User | None:
        found = self._users("u.id = ?", (user_id,))
        return found[0] if found else None

    def user_by_name(self, username: str) -> User | None:
        found = self._users("u.username = ?", (username,))
        return found[0] if found else None

    def group_members(self, group_id: int) -> list[User]:
        return self._users("u.group_id = ?", (group_id,))

    def password_hash(self, user_id: int) -> str | None:
        row = (
            self.store.connection()
            .execute("SELECT password_hash FROM users WHERE id = ?", (user_id,))
            .fetchone()
        )
        return row[0] if row else None

    def create_user(
        self,
        username: str,
        password_hash: str,
        level: str,
        *,
        display_name: str = "",
        group_id: int | None = None,
        permissions: frozenset[str] = frozenset(),
        language: str = "zh-CN",
        lines: frozenset[int] = frozenset(),
        only_if_first: bool = False,
    ) -> User:
        """Add a user; with ``only_if_first`` only while there is no user at all (first run)."""
        self._check(level=level, language=language)
        now = time.time()
        try:
            with self.store.transaction() as connection:
                if only_if_first and connection.execute("SELECT count(*) FROM users").fetchone()[0]:
                    raise AccountError("the box already has its first user")
                cursor = connection.execute(
                    "INSERT INTO users (username, display_name, password_hash, level, group_id, "
                    "permissions, language, created_at, password_changed_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        username,
                        display_name,
                        password_hash,
                        level,
                        group_id,
                        " ".join(sorted(permissions)),
                        language,
                        now,
                        now,
                    ),
                )
                user_id = int(cursor.lastrowid)
                connection.executemany(
                    "INSERT INTO user_lines (user_id, line) VALUES (?, ?)",
                    [(user_id, line) for line in sorted(lines)],
                )
        except sqlite3.IntegrityError as error:
            raise AccountError(f"the user name {username!r} is taken") from error
        return self.user(user_id)

    def update_user(self, user_id: int, **changes: object) -> User:
        """Change a user's ``display_name``, ``level``, ``group_id``, ``permissions``,
        ``language``, ``active`` or ``lines``."""
        allowed = {"display_name", "level", "group_id", "permissions", "language", "active"}
        unknown = sorted(set(changes) - allowed - {"lines"})
        if unknown:
            raise ValueError(f"not user fields: {unknown}")
        self._check(level=changes.get("level"), language=changes.get("language"))
        values = {key: value for key, value in changes.items() if key in allowed}
        if "permissions" in values:
            values["permissions"] = " ".join(sorted(values["permissions"]))
        if "active" in values:
            values["active"] = int(bool(values["active"]))
        with self.store.transaction() as connection:
            if values:
                assignments = ", ".join(f"{column} = ?" for column in values)
                cursor = connection.execute(
                    f"UPDATE users SET {assignments} WHERE id = ?", (*values.values(), user_id)
                )
                if cursor.rowcount != 1:
                    raise AccountError(f"no user with id {user_id}")
            if "lines" in changes:
                connection.execute("DELETE FROM user_lines WHERE user_id = ?", (user_id,))
                connection.executemany(
                    "INSERT INTO user_lines (user_id, line) VALUES (?, ?)",
                    [(user_id, int(line)) for line in sorted(changes["lines"])],
                )
        self.on_change()
        user = self.user(user_id)
        if user is None:
            raise AccountError(f"no user with id {user_id}")
        return user

    def set_password_hash(self, user_id: int, password_hash: str) -> None:
        with self.store.transaction() as connection:
            connection.execute(
                "UPDATE users SET password_hash = ?, password_changed_at = ? WHERE id = ?",
                (password_hash, time.time(), user_id),
            )
        self.on_change()

    def delete_user(self, user_id: int) -> None:
        """Remove a user; what they added stays (its ``added_by`` becomes empty)."""
        with self.store.transaction() as connection:
            connection.execute("DELETE FROM users WHERE id = ?", (user_id,))
        self.on_change()

    def line_users(self, line: int) -> list[User]:
        """The users associated with ``line``."""
        return self._users("u.id IN (SELECT user_id FROM user_lines WHERE line = ?)", (line,))

    def set_line_users(self, line: int, user_ids: frozenset[int]) -> None:
        """Make exactly ``user_ids`` the users associated with ``line``, in one transaction."""
        with self.store.transaction() as connection:
            connection.execute("DELETE FROM user_lines WHERE line = ?", (line,))
            connection.executemany(
                "INSERT INTO user_lines (user_id, line) SELECT ?, ? WHERE EXISTS "
                "(SELECT 1 FROM users WHERE id = ?)",
                [(user_id, line, user_id) for user_id in sorted(user_ids)],
            )
        self.on_change()

    def active_supers(self) -> list[User]:
        return self._users("u.level = 'super' AND u.active = 1")

    @staticmethod
    def _check(level: object = None, language: object = None) -> None:
        if level is not None and level not in LEVELS:
            raise AccountError(f"level must be one of {', '.join(LEVELS)}, got {level!r}")
        if language is not None and language not in LANGUAGES:
            raise AccountError(f"language must be one of {', '.join(LANGUAGES)}, got {language!r}")

    # ---- groups -----------------------------------------------------------------

    def groups(self) -> list[Group]:
        rows = self.store.connection().execute(
            "SELECT g.id, g.name, count(u.id) FROM groups g LEFT JOIN users u ON u.group_id = g.id "
            "GROUP BY g.id ORDER BY g.name COLLATE NOCASE"
        )
        return [Group(*row) for row in rows]

    def group(self, group_id: int) -> Group | None:
        return next((group for group in self.groups() if group.id == group_id), None)

    def create_group(self, name: str) -> Group:
        try:
            with self.store.transaction() as connection:
                cursor = connection.execute("INSERT INTO groups (name) VALUES (?)", (name,))
        except sqlite3.IntegrityError as error:
            raise AccountError(f"the group name {name!r} is taken") from error
        return Group(int(cursor.lastrowid), name)

    def rename_group(self, group_id: int, name: str) -> None:
        try:
            with self.store.transaction() as connection:
                connection.execute("UPDATE groups SET name = ? WHERE id = ?", (name, group_id))
        except sqlite3.IntegrityError as error:
            raise AccountError(f"the group name {name!r} is taken") from error
        self.on_change()

    def delete_group(self, group_id: int) -> None:
        """Remove a group; its members stay, in no group."""
        with self.store.transaction() as connection:
            connection.execute("DELETE FROM groups WHERE id = ?", (group_id,))
        self.on_change()

    # ---- sessions ---------------------------------------------------------------

    def create_session(self, session: Session) -> None:
        with self.store.transaction() as connection:
            connection.execute(
                "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, last_seen, "
                "expires_at, address, user_agent) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    session.token_hash,
                    session.user_id,
                    session.csrf_token,
                    session.created_at,
                    session.last_seen,
                    session.expires_at,
                    session.address,
                    session.user_agent,
                ),
            )

    def session(self, token_hash: str) -> Session | None:
        row = (
            self.store.connection()
            .execute(
                "SELECT token_hash, user_id, csrf_token, created_at, last_seen, expires_at, "
                "address, user_agent FROM sessions WHERE token_hash = ?",
                (token_hash,),
            )
            .fetchone()
        )
        return Session(*row) if row else None

    def touch_session(self, token_hash: str, last_seen: float, expires_at: float) -> None:
        with self.store.transaction() as connection:
            connection.execute(
                "UPDATE sessions SET last_seen = ?, expires_at = ? WHERE token_hash = ?",
                (last_seen, expires_at, token_hash),
            )

    def delete_session(self, token_hash: str) -> None:
        with self.store.transaction() as connection:
            connection.execute("DELETE FROM sessions WHERE token_hash = ?", (token_hash,))
        self.on_change()

    def delete_sessions_of(self, user_id: int, keep: str | None = None) -> int:
        """End every session of a user (but ``keep``); returns how many ended."""
        with self.store.transaction() as connection:
            cursor = connection.execute(
                "DELETE FROM sessions WHERE user_id = ? AND token_hash IS NOT ?", (user_id, keep)
            )
        self.on_change()
        return cursor.rowcount

    def purge_sessions(self, now: float) -> int:
        with self.store.transaction() as connection:
            cursor = connection.execute("DELETE FROM sessions WHERE expires_at <= ?", (now,))
        if cursor.rowcount:
            self.on_change()
        return cursor.rowcount

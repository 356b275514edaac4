"""Voice menus (IVR) as they are kept: each menu a JSON document, and which line answers
with which menu after how many rings.

The document is the voice menu model's (``firmware.acts.ivr.menu_document``); the web
checks a menu before it saves it, the engine reads the menus of its lines
(``line_menus``) at start and when told they changed. Every change writes its audit
entry in the same transaction. Standard library only.
"""

from __future__ import annotations

import json
import sqlite3
import time
from dataclasses import dataclass

from firmware.store.audit import AuditLog, structured_detail
from firmware.store.db import Store

MAX_NAME = 40
RINGS_RANGE = (1, 15)
DEFAULT_RINGS = 2


class MenuStoreError(ValueError):
    """A change that cannot be made: ``template`` with ``values`` (the web translates)."""

    def __init__(self, template: str, **values: object) -> None:
        super().__init__(template.format(**values))
        self.template = template
        self.values = values


@dataclass(frozen=True)
class StoredMenu:
    id: int
    name: str
    document: dict
    updated_by_name: str
    updated_at: float


@dataclass(frozen=True)
class LineMenu:
    """Line ``line`` answers with menu ``menu_id`` after ``rings`` rings."""

    line: int
    menu_id: int
    rings: int
    menu_name: str = ""
    document: dict | None = None


@dataclass(frozen=True)
class Author:
    """Who changes a menu, for the audit log."""

    username: str
    user_id: int | None = None
    address: str = ""


def _document(text: str) -> dict:
    try:
        value = json.loads(text)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


class IvrMenus:
    def __init__(self, store: Store, clock=time.time) -> None:
        self.store = store
        self.clock = clock

    def menus(self) -> list[StoredMenu]:
        rows = self.store.connection().execute(
            "SELECT id, name, document, updated_by_name, updated_at FROM ivr_menus "
            "ORDER BY name COLLATE NOCASE").fetchall()
        return [StoredMenu(r[0], r[1], _document(r[2]), r[3], r[4]) for r in rows]

    def menu(self, menu_id: int) -> StoredMenu | None:
        row = self.store.connection().execute(
            "SELECT id, name, document, updated_by_name, updated_at FROM ivr_menus "
            "WHERE id = ?", (menu_id,)).fetchone()
        return None if row is None else StoredMenu(row[0], row[1], _document(row[2]), row[3],
                                                   row[4])

    def save(self, menu_id: int | None, name: str, document: dict, author: Author) -> int:
        """Add a menu (``menu_id`` None) or replace one; its id. MenuStoreError when the
        name is empty, too long or another menu's."""
        name = " ".join(name.split())
        if not name:
            raise MenuStoreError("Give the menu a name.")
        if len(name) > MAX_NAME:
            raise MenuStoreError("A menu's name is at most {n} characters.", n=MAX_NAME)
        text = json.dumps(document, ensure_ascii=False, separators=(",", ":"))
        now = self.clock()
        try:
            with self.store.transaction() as connection:
                if menu_id is None:
                    cursor = connection.execute(
                        "INSERT INTO ivr_menus (name, document, updated_by_name, updated_at) "
                        "VALUES (?, ?, ?, ?)", (name, text, author.username, now))
                    menu_id = int(cursor.lastrowid)
                    action, detail = "ivr_menu_added", structured_detail(
                        "created", menu=name, nodes=len(document.get("nodes", [])))
                else:
                    old = connection.execute("SELECT name, document FROM ivr_menus WHERE id = ?",
                                             (menu_id,)).fetchone()
                    if old is None:
                        raise MenuStoreError("There is no such menu.")
                    if old[0] == name and _document(old[1]) == document:
                        return menu_id
                    connection.execute(
                        "UPDATE ivr_menus SET name = ?, document = ?, updated_by_name = ?, "
                        "updated_at = ? WHERE id = ?", (name, text, author.username, now, menu_id))
                    changes = [("name", old[0], name)] if old[0] != name else []
                    action, detail = "ivr_menu_changed", structured_detail(
                        changes=changes, menu=name, nodes=len(document.get("nodes", [])))
                AuditLog(self.store).record(
                    action, username=author.username, user_id=author.user_id,
                    target=f"ivr_menu {menu_id}", detail=detail, address=author.address,
                    at=now, within=connection)
        except sqlite3.IntegrityError:
            raise MenuStoreError("There is a menu named {name} already.", name=name) from None
        return menu_id

    def delete(self, menu_id: int, author: Author) -> None:
        """Delete a menu no line uses; MenuStoreError naming the lines that do."""
        with self.store.transaction() as connection:
            row = connection.execute("SELECT name FROM ivr_menus WHERE id = ?",
                                     (menu_id,)).fetchone()
            if row is None:
                raise MenuStoreError("There is no such menu.")
            lines = [r[0] for r in connection.execute(
                "SELECT line FROM ivr_lines WHERE menu_id = ? ORDER BY line", (menu_id,))]
            if lines:
                raise MenuStoreError("Lines {lines} answer with this menu: choose another "
                                     "for them first.", lines=", ".join(map(str, lines)))
            connection.execute("DELETE FROM ivr_menus WHERE id = ?", (menu_id,))
            AuditLog(self.store).record(
                "ivr_menu_deleted", username=author.username, user_id=author.user_id,
                target=f"ivr_menu {menu_id}", detail=structured_detail("deleted", menu=row[0]),
                address=author.address, at=self.clock(), within=connection)

    def use_of_prompt(self, prompt_id: int) -> str | None:
        """The menu that plays prompt ``prompt_id``, if any (a prompt in use is not deleted)."""
        wanted = str(prompt_id)
        for menu in self.menus():
            for node in menu.document.get("nodes", []):
                if isinstance(node, dict) and wanted in (str(node.get("prompt", "")),
                                                         str(node.get("invalid_prompt", ""))):
                    return f"the voice menu {menu.name} ({node.get('name', '')})"
        return None

    def line_menus(self) -> dict[int, LineMenu]:
        """Each line that answers with a menu: the menu and its document."""
        rows = self.store.connection().execute(
            "SELECT l.line, l.menu_id, l.rings, m.name, m.document FROM ivr_lines l "
            "JOIN ivr_menus m ON m.id = l.menu_id ORDER BY l.line").fetchall()
        return {r[0]: LineMenu(r[0], r[1], r[2], r[3], _document(r[4])) for r in rows}

    def assign(self, line: int, menu_id: int | None, rings: int, author: Author) -> bool:
        """Line ``line`` answers with ``menu_id`` after ``rings`` rings (None: no menu);
        whether anything changed."""
        low, high = RINGS_RANGE
        if menu_id is not None and not low <= rings <= high:
            raise MenuStoreError("Rings before the menu answers: {low} to {high}.",
                                 low=low, high=high)
        with self.store.transaction() as connection:
            old = connection.execute(
                "SELECT l.menu_id, l.rings, m.name FROM ivr_lines l "
                "JOIN ivr_menus m ON m.id = l.menu_id WHERE l.line = ?", (line,)).fetchone()
            new_name = None
            if menu_id is not None:
                found = connection.execute("SELECT name FROM ivr_menus WHERE id = ?",
                                           (menu_id,)).fetchone()
                if found is None:
                    raise MenuStoreError("There is no such menu.")
                new_name = found[0]
            before = (old[0], old[1]) if old else (None, None)
            if before == (menu_id, rings if menu_id is not None else None):
                return False
            if menu_id is None:
                connection.execute("DELETE FROM ivr_lines WHERE line = ?", (line,))
            else:
                connection.execute(
                    "INSERT INTO ivr_lines (line, menu_id, rings) VALUES (?, ?, ?) "
                    "ON CONFLICT (line) DO UPDATE SET menu_id = excluded.menu_id, "
                    "rings = excluded.rings", (line, menu_id, rings))
            changes = [("menu", old[2] if old else None, new_name, line)]
            if menu_id is not None and (old is None or old[1] != rings):
                changes.append(("rings", old[1] if old else None, rings, line))
            AuditLog(self.store).record(
                "ivr_line_assigned", username=author.username, user_id=author.user_id,
                target=f"line {line}", detail=structured_detail(changes=changes),
                address=author.address, at=self.clock(), within=connection)
        return True

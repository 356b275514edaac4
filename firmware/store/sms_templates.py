"""The admin's text-message templates and holiday calendar, in the SQLite store.

``SmsTemplates(store)``: templates (a name, the language they are written in, the text
with its placeholders: ``firmware.sms.templates`` renders them) and holidays (a day, its
name in Chinese and English, and the greeting sent for it: a template, how many days
ahead, to which customer groups). The web writes them (Settings → Messages); the
engine's greetings read them. A template a holiday or the birthday greeting uses is
not deleted (``in_use``, given the birthday greeting's template by the caller).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date

from firmware.store.db import Store, StoreError

LANGUAGES = ("zh", "en")
NAME_LIMIT = 60
TEXT_LIMIT = 4000
HOLIDAY_NAME_LIMIT = 60
MOST_DAYS_AHEAD = 30
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class SmsTemplateError(StoreError, ValueError):
    """A template or holiday the store refuses: the message says what and why."""


@dataclass(frozen=True)
class Template:
    id: int
    name: str
    language: str  # zh or en: the title, the date and the holiday's name in it
    text: str
    updated_by_name: str
    updated_at: float


@dataclass(frozen=True)
class Holiday:
    id: int
    day: str  # YYYY-MM-DD
    name_zh: str
    name_en: str
    template_id: int | None  # None: no greeting
    days_ahead: int
    groups: tuple[str, ...]  # customer groups greeted; () every customer
    updated_by_name: str
    updated_at: float

    @property
    def date(self) -> date:
        return date.fromisoformat(self.day)

    def name(self, language: str) -> str:
        return self.name_zh if language == "zh" else self.name_en


_TEMPLATE_COLUMNS = "id, name, language, text, updated_by_name, updated_at"
_HOLIDAY_COLUMNS = (
    "id, day, name_zh, name_en, template_id, days_ahead, groups, updated_by_name, updated_at"
)


def _holiday(row: tuple) -> Holiday:
    values = list(row)
    values[6] = tuple(json.loads(values[6]))
    return Holiday(*values)


def _checked_holiday(
    day: str, name_zh: str, name_en: str, days_ahead: int, groups: list[str]
) -> tuple[list[str], list[str]]:
    """A holiday's names and groups as kept, or the one-line refusal of what is wrong."""
    if not _DAY.match(day):
        raise SmsTemplateError(f"{day} is not a date YYYY-MM-DD")
    try:
        date.fromisoformat(day)
    except ValueError:
        raise SmsTemplateError(f"{day} is not a date YYYY-MM-DD") from None
    names = [name.strip() for name in (name_zh, name_en)]
    if not all(names):
        raise SmsTemplateError("a holiday needs its name in Chinese and in English")
    if max(map(len, names)) > HOLIDAY_NAME_LIMIT:
        raise SmsTemplateError(f"a holiday's name has at most {HOLIDAY_NAME_LIMIT} characters")
    if not 0 <= days_ahead <= MOST_DAYS_AHEAD:
        raise SmsTemplateError(f"days ahead must be 0 to {MOST_DAYS_AHEAD}")
    return names, sorted({group.strip() for group in groups if group.strip()})


def _check_template(connection, template_id: int | None) -> None:
    if template_id is not None and connection.execute(
            "SELECT 1 FROM sms_templates WHERE id = ?", (template_id,)).fetchone() is None:
        raise SmsTemplateError(f"no template with id {template_id}")


class SmsTemplates:
    """Templates and holidays of one store (see the module's text)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def _read(self, sql: str, parameters: tuple = ()) -> list[tuple]:
        return self.store.connection().execute(sql, parameters).fetchall()

    # ---- templates ----------------------------------------------------------------

    def templates(self) -> list[Template]:
        return [Template(*row) for row in self._read(
            f"SELECT {_TEMPLATE_COLUMNS} FROM sms_templates ORDER BY name COLLATE NOCASE, id")]

    def template(self, template_id: int) -> Template | None:
        rows = self._read(f"SELECT {_TEMPLATE_COLUMNS} FROM sms_templates WHERE id = ?",
                          (template_id,))
        return Template(*rows[0]) if rows else None

    @staticmethod
    def _checked_template(name: str, language: str, text: str) -> tuple[str, str, str]:
        name = name.strip()
        if not name:
            raise SmsTemplateError("a template needs a name")
        if len(name) > NAME_LIMIT:
            raise SmsTemplateError(f"a template's name has at most {NAME_LIMIT} characters")
        if language not in LANGUAGES:
            raise SmsTemplateError(f"language {language!r} is not one of zh, en")
        if not text.strip():
            raise SmsTemplateError("the template's text is empty")
        if len(text) > TEXT_LIMIT:
            raise SmsTemplateError(
                f"the template has {len(text)} characters: {TEXT_LIMIT} at most")
        return name, language, text

    def _name_free(self, connection, name: str, template_id: int | None) -> None:
        row = connection.execute(
            "SELECT id FROM sms_templates WHERE name = ? AND id IS NOT ?", (name, template_id)
        ).fetchone()
        if row is not None:
            raise SmsTemplateError(f"there is a template named {name} already")

    def add(self, name: str, language: str, text: str, *, by: str, now: float) -> int:
        name, language, text = self._checked_template(name, language, text)
        with self.store.transaction() as connection:
            self._name_free(connection, name, None)
            cursor = connection.execute(
                "INSERT INTO sms_templates (name, language, text, updated_by_name, updated_at) "
                "VALUES (?, ?, ?, ?, ?)", (name, language, text, by, now))
        return int(cursor.lastrowid)

    def update(self, template_id: int, name: str, language: str, text: str, *, by: str,
               now: float) -> None:
        name, language, text = self._checked_template(name, language, text)
        with self.store.transaction() as connection:
            self._name_free(connection, name, template_id)
            cursor = connection.execute(
                "UPDATE sms_templates SET name = ?, language = ?, text = ?, updated_by_name = ?, "
                "updated_at = ? WHERE id = ?", (name, language, text, by, now, template_id))
            if not cursor.rowcount:
                raise SmsTemplateError(f"no template with id {template_id}")

    def in_use(self, template_id: int, birthday_template: int = 0) -> str | None:
        """What uses the template (the birthday greeting, a holiday's), or None."""
        if template_id == birthday_template:
            return "the birthday greeting"
        rows = self._read("SELECT name_en, day FROM sms_holidays WHERE template_id = ? "
                          "ORDER BY day LIMIT 1", (template_id,))
        return f"the greeting of {rows[0][0]} ({rows[0][1]})" if rows else None

    def delete(self, template_id: int, birthday_template: int = 0) -> None:
        user = self.in_use(template_id, birthday_template)
        if user is not None:
            raise SmsTemplateError(f"the template is used by {user}")
        with self.store.transaction() as connection:
            connection.execute("DELETE FROM sms_templates WHERE id = ?", (template_id,))

    # ---- holidays -----------------------------------------------------------------

    def holidays(self, *, since: str | None = None) -> list[Holiday]:
        """The calendar by day (from ``since``, YYYY-MM-DD, when given)."""
        where, parameters = ("day >= ?", (since,)) if since else ("1", ())
        return [_holiday(row) for row in self._read(
            f"SELECT {_HOLIDAY_COLUMNS} FROM sms_holidays WHERE {where} ORDER BY day, id",
            parameters)]

    def holiday(self, holiday_id: int) -> Holiday | None:
        rows = self._read(f"SELECT {_HOLIDAY_COLUMNS} FROM sms_holidays WHERE id = ?",
                          (holiday_id,))
        return _holiday(rows[0]) if rows else None

    def add_holiday(self, day: str, name_zh: str, name_en: str, **details) -> int:
        """A new holiday (``details``: as ``save_holiday``'s); its id."""
        return self.save_holiday(None, day, name_zh, name_en, **details)

    def save_holiday(
        self,
        holiday_id: int | None,
        day: str,
        name_zh: str,
        name_en: str,
        *,
        template_id: int | None,
        days_ahead: int,
        groups: list[str],
        by: str,
        now: float,
    ) -> int:
        """Add a holiday (``holiday_id`` None) or change one; its id. Greetings are kept
        per day: a holiday moved to another day greets again for that day; renamed on the
        same day, it greets nobody twice."""
        names, kept_groups = _checked_holiday(day, name_zh, name_en, days_ahead, groups)
        values = (day, *names, template_id, days_ahead,
                  json.dumps(kept_groups, ensure_ascii=False), by, now)
        with self.store.transaction() as connection:
            _check_template(connection, template_id)
            if holiday_id is None:
                return int(connection.execute(
                    "INSERT INTO sms_holidays (day, name_zh, name_en, template_id, days_ahead, "
                    "groups, updated_by_name, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    values).lastrowid)
            if not connection.execute(
                    "UPDATE sms_holidays SET day = ?, name_zh = ?, name_en = ?, template_id = ?, "
                    "days_ahead = ?, groups = ?, updated_by_name = ?, updated_at = ? "
                    "WHERE id = ?", (*values, holiday_id)).rowcount:
                raise SmsTemplateError(f"no holiday with id {holiday_id}")
            return holiday_id

    def delete_holiday(self, holiday_id: int) -> None:
        with self.store.transaction() as connection:
            connection.execute("DELETE FROM sms_holidays WHERE id = ?", (holiday_id,))

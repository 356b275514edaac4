"""The audit log: who listened to, downloaded, exported or verified what, and who signed in.

Entries are only ever added; nothing in the box edits or deletes them.

Most entries are a person's (their user name and id, their address). What the
box does by itself, such as retention deleting a recording, is written under
the name ``BOX_ACTOR`` with no user id and no address: no user can be that
entry's author, since a user always has an id.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterable
from dataclasses import dataclass

from firmware.store.db import Store
from firmware.store.scopes import LineScope

# What the box writes to the log (the web UI shows them translated).
ACTIONS = (
    "sign_in",
    "sign_in_failed",
    "sign_out",
    "password_changed",
    "password_check_failed",  # a wrong current password given to change it
    "pop_rules_changed",  # a user's own rules for the caller's card
    "listen",
    "live_listen",
    "record_started",  # a recording started by hand (a line in manual mode), from the web
    "record_stopped",  # and stopped
    "survey_started",  # a caller handed to the satisfaction survey from the web
    "dial_started",  # click-to-dial: the box dials a number on a user's line
    "download",
    "export",
    "verify",
    "user_changed",
    "settings_changed",
    "customers_exported",
    "customers_imported",
    "protected",  # legal hold placed on a recording, a call or a customer
    "unprotected",  # and taken off
    "retention_deleted",  # retention deleted a recording's file (by the box itself)
    "transcoded",  # a recording's file compressed after the call (by the box itself)
    "backup_requested",  # a backup off the box asked for now
    "backup_tested",  # a backup target's connection tested
    "archive_searched",  # the backups of the boxes searched (the Archive page)
    "audit_exported",  # the audit log itself exported (CSV or Excel)
    "customer_added",
    "customer_changed",
    "customer_deleted",
    "contact_added",  # a contact record of a customer
    "contact_deleted",
    "call_notes_changed",  # the note on a call in the call log
    "recording_notes_changed",  # a recording's notes and tags
    "language_changed",  # a user's own language (My account)
    "encrypted",  # a recording's stored file encrypted at rest (firmware.archive.encrypt)
    "encryption_set_up",  # the recordings key made, a key file written, the passphrase changed
    "key_unlocked",  # the recordings key unlocked in the web
    "key_unlock_failed",  # a wrong passphrase or key file given to unlock it
    "key_locked",  # the key forgotten by the web again
    "prompt_added",  # a prompt of the library uploaded, spoken, or made by the box itself
    "prompt_replaced",  # a prompt's sound replaced (an upload or a text spoken)
    "prompt_changed",  # a prompt renamed
    "prompt_deleted",
    "firewall_entry_added",  # a number put on the call firewall's black or red list
    "firewall_entry_changed",  # a list entry's note, action or expiry changed
    "firewall_entry_removed",
    "firewall_rule_added",  # a rule of the call firewall (admins)
    "firewall_rule_changed",  # changed, switched on or off, or moved in the order
    "firewall_rule_removed",
    "firewall_change_filed",  # an operator's change of a list, waiting for approval
    "firewall_change_approved",  # approved by a leader (and made)
    "firewall_change_refused",
    "firewall_imported",  # list entries and rules imported from a spreadsheet
    "firewall_exported",  # the lists and rules exported to Excel
    "voicemail_played",  # a voicemail message listened to (once a session)
    "voicemail_heard",  # a voicemail message marked heard
    "voicemail_deleted",  # a voicemail message deleted
    "ivr_menu_added",  # a voice menu (IVR) saved for the first time
    "ivr_menu_changed",  # its nodes, variants or name changed
    "ivr_menu_deleted",
    "ivr_line_assigned",  # a line answers with a menu (or no longer), after so many rings
    "dial_task_created",  # a dialling task made (firmware.store.dialling)
    "dial_task_changed",  # its settings, lines, operators or call script changed
    "dial_task_started",  # started, or resumed after a pause
    "dial_task_paused",
    "dial_task_numbers_added",  # numbers from customers (a group, a search)
    "dial_task_imported",  # numbers from an Excel or CSV file
    "dial_task_exported",  # its results exported to Excel
    "sms_queued",  # text messages queued: typed, to groups, or the box's own greetings
    "sms_cancelled",  # a queued or held text message cancelled
    "sms_resent",  # a failed text message queued again
    "sms_released",  # a message held for its sensitive words approved (and queued)
    "sms_rejected",  # and rejected (not sent)
    "sms_read",  # a received text message marked read
    "sms_template_added",  # a text-message template (Settings → Messages)
    "sms_template_changed",
    "sms_template_deleted",
    "sms_holiday_added",  # a day of the holiday calendar and its greeting
    "sms_holiday_changed",
    "sms_holiday_deleted",
    "sms_words_changed",  # the sensitive-word list changed, typed or imported
    "sms_words_exported",
    "ticket_opened",  # an after-sales service ticket (firmware.store.service)
    "ticket_step_added",
    "ticket_state_changed",
    "ticket_assigned",
    "tickets_exported",
    "campaign_added",  # a marketing campaign (firmware.store.campaigns)
    "campaign_changed",
    "campaign_deleted",
    "campaign_targets_added",
    "campaign_target_removed",
    "campaign_task_made",
    "campaign_outcome_set",  # a call of a campaign marked interested or not
    "campaigns_exported",
    "quality_template_added",
    "quality_template_changed",
    "quality_template_versioned",
    "quality_template_retired",
    "quality_task_created",
    "quality_scored",
    "quality_appealed",
    "quality_appeal_accepted",
    "quality_appeal_rejected",
    "quality_exported",
    "memo_added",  # a user's memo (firmware.store.memos)
    "memo_changed",  # its fields changed, or marked done or not done
    "memo_deleted",
    "memo_settings_changed",  # how many days ahead a user is shown birthdays and memos
    "presence_changed",  # a user chose online or away (the top bar)
    "knowledge_entry_added",  # a knowledge-base entry (the Knowledge base page)
    "knowledge_entry_changed",
    "knowledge_entry_deleted",
    "knowledge_category_added",  # a category of the knowledge base's tree
    "knowledge_category_changed",  # renamed, moved, or its order changed
    "knowledge_category_deleted",
    "knowledge_imported",  # entries imported from a spreadsheet
    "knowledge_exported",  # every entry exported to Excel
    "custom_field_added",  # a custom field of customers, contact records or knowledge
    "custom_field_changed",
    "custom_field_deleted",  # with how many values went with it
    "custom_values_changed",  # a record's custom values set by a module of its own
    "dictionary_changed",  # an entry of a parameter list added, renamed, moved, retired
    "list_columns_changed",  # a user's choice of a list's columns
    "product_added",  # a product of the catalogue (firmware.store.products)
    "product_changed",
    "stock_adjusted",  # goods received, or a correction, with its reason
    "sales_settings_changed",  # whether stock may go below zero
    "order_placed",  # an order with its lines; its stock taken
    "order_state_changed",  # confirmed, shipped, done, or cancelled (its stock given back)
    "opportunity_added",
    "opportunity_changed",  # its fields, or its stage moved on the pipeline
    "follow_up_added",  # a follow-up of an opportunity
    "sales_exported",  # the sales report exported to Excel
)
# The author of what the box does by itself (with user_id None).
BOX_ACTOR = "(box)"
# A structured detail is JSON with this key (its version); the audit page renders it in
# the reader's language. Older entries hold plain English text, shown as it is.
DETAIL_VERSION_KEY = "v"
MAX_DETAIL_VALUE = 4000  # characters of one value kept in a detail (a note, a search)


def _kept(value: object) -> object:
    if isinstance(value, str) and len(value) > MAX_DETAIL_VALUE:
        return value[:MAX_DETAIL_VALUE] + "…"
    if isinstance(value, tuple | set | frozenset):
        return sorted(value) if isinstance(value, set | frozenset) else list(value)
    return value


def structured_detail(
    what: str = "",
    changes: Iterable[tuple] = (),
    **facts: object,
) -> str:
    """An entry's detail as facts, not sentences: ``what`` happened (a word such as
    ``created``, ``deleted``), the fields changed as ``(field, old, new)`` or
    ``(field, old, new, place)`` (a place such as a line number), and other facts by
    name (``files=3, bytes=12274016``). Stored as JSON; the audit page and its exports
    write it in the reader's language (sizes in KB/MB, yes/no, schedule windows)."""
    body: dict[str, object] = {DETAIL_VERSION_KEY: 1}
    if what:
        body["what"] = what
    listed = [[change[0], _kept(change[1]), _kept(change[2]), *change[3:]] for change in changes]
    if listed:
        body["changes"] = listed
    kept = {name: _kept(value) for name, value in facts.items() if value is not None}
    if kept:
        body["facts"] = kept
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"))


def parse_detail(detail: str) -> dict | None:
    """A structured detail as written by ``structured_detail``; None for plain text."""
    if not detail.startswith("{"):
        return None
    try:
        body = json.loads(detail)
    except ValueError:
        return None
    if not isinstance(body, dict) or body.get(DETAIL_VERSION_KEY) != 1:
        return None
    return body


@dataclass(frozen=True)
class AuditScope:
    """The entries someone limited to some lines may read: those about the recordings,
    calls and lines they see, and their own doings. (Admins and users who see every
    line read every entry: no scope.)"""

    lines: LineScope
    user_id: int

    def condition(self) -> tuple[str, list[object]]:
        if self.lines.every_line:
            return "1", []
        line_condition, line_values = self.lines.condition("line")
        about_lines = [
            ("recording ", "recordings"),
            ("call ", "calls"),
        ]
        parts, values = ["user_id = ?"], [self.user_id]
        for prefix, table in about_lines:
            parts.append(
                f"(target LIKE '{prefix}%' AND CAST(substr(target, {len(prefix) + 1}) AS INTEGER) "
                f"IN (SELECT id FROM {table} WHERE {line_condition}))"
            )
            values.extend(line_values)
        lines_named, named_values = self.lines.condition("CAST(substr(target, 6) AS INTEGER)")
        parts.append(f"(target LIKE 'line %' AND {lines_named})")
        values.extend(named_values)
        return "(" + " OR ".join(parts) + ")", values


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: float
    user_id: int | None
    username: str
    action: str
    target: str
    detail: str
    address: str


def _check_action(action: str) -> None:
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}; known: {', '.join(ACTIONS)}")


def _insert(connection: sqlite3.Connection, row: tuple) -> int:
    """One new entry (at, user_id, username, action, target, detail, address); its id."""
    cursor = connection.execute(
        "INSERT INTO audit_log (at, user_id, username, action, target, detail, address) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        row,
    )
    return int(cursor.lastrowid)


class AuditLog:
    def __init__(self, store: Store) -> None:
        self.store = store

    def record(
        self,
        action: str,
        *,
        username: str,
        user_id: int | None = None,
        target: str = "",
        detail: str = "",
        address: str = "",
        at: float | None = None,
        within: sqlite3.Connection | None = None,
    ) -> int:
        """Add an entry; its id. ``within``: a connection whose write transaction is open,
        so that the entry is kept exactly when the change it records is (a protection
        set, a recording marked deleted)."""
        _check_action(action)
        row = (at or time.time(), user_id, username, action, target, detail, address)
        if within is not None:
            return _insert(within, row)
        with self.store.transaction() as connection:
            return _insert(connection, row)

    def record_once(
        self,
        action: str,
        *,
        since: float,
        username: str,
        user_id: int | None,
        target: str,
        detail: str = "",
        address: str = "",
        at: float | None = None,
    ) -> bool:
        """Add the entry unless the same one (user, action, target, detail) was added since
        ``since``, such as the start of a session; True if it was added.

        Checked and added in one write transaction, so two requests at once
        (a player asking for two ranges) still leave one entry.
        """
        _check_action(action)
        with self.store.transaction() as connection:
            seen = connection.execute(
                "SELECT 1 FROM audit_log WHERE at >= ? AND action = ? AND target = ? "
                "AND user_id IS ? AND detail = ? LIMIT 1",
                (since, action, target, user_id, detail),
            ).fetchone()
            if seen:
                return False
            _insert(
                connection, (at or time.time(), user_id, username, action, target, detail, address)
            )
        return True

    def entries(
        self,
        *,
        action: str | None = None,
        username: str | None = None,
        since: float | None = None,
        until: float | None = None,
        limit: int = 100,
        offset: int = 0,
        scope: AuditScope | None = None,
    ) -> list[AuditEntry]:
        """Newest first, filtered by action, user name and time, within ``scope`` (None:
        every entry)."""
        conditions, parameters = [], []
        if scope is not None:
            condition, values = scope.condition()
            conditions.append(condition)
            parameters.extend(values)
        if action:
            conditions.append("action = ?")
            parameters.append(action)
        if username:
            conditions.append("username = ? COLLATE NOCASE")
            parameters.append(username)
        if since is not None:
            conditions.append("at >= ?")
            parameters.append(since)
        if until is not None:
            conditions.append("at < ?")
            parameters.append(until)
        where = " AND ".join(conditions) or "1"
        rows = self.store.connection().execute(
            "SELECT id, at, user_id, username, action, target, detail, address FROM audit_log "
            f"WHERE {where} ORDER BY at DESC, id DESC LIMIT ? OFFSET ?",
            (*parameters, limit, offset),
        )
        return [AuditEntry(*row) for row in rows]

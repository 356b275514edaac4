"""The audit log page: who listened to, downloaded, exported or verified what, and who
signed in; for users with the ``audit`` or the ``admin`` flag. Entries are read only.

Admins and auditors who see every line read every entry. An auditor limited to some
lines reads the entries about those lines, their recordings and their calls, and their
own (their sign-ins, their listens): not other users' sign-ins, nor the settings."""

from __future__ import annotations

import re

from firmware.store.audit import ACTIONS, BOX_ACTOR, AuditScope
from webui.context import Ctx

PAGE_SIZE = 100
MAX_PAGE_NUMBER = 1000
DAY_S = 86400
ACTION_LABELS = {
    "sign_in": "Signed in",
    "sign_in_failed": "Sign-in failed",
    "sign_out": "Signed out",
    "password_changed": "Password changed",
    "password_check_failed": "Wrong current password",
    "listen": "Listened",
    "live_listen": "Listened live",
    "download": "Downloaded",
    "export": "Exported",
    "verify": "Verified",
    "user_changed": "User changed",
    "settings_changed": "Settings changed",
    "customers_exported": "Customers exported",
    "protected": "Protected (legal hold)",
    "unprotected": "Protection removed",
    "retention_deleted": "Deleted by retention",
    "transcoded": "Compressed after the call",
    "backup_requested": "Backup asked for",
    "backup_tested": "Backup target tested",
    "archive_searched": "Archive searched",
    "encrypted": "Encrypted at rest",
    "encryption_set_up": "Encryption key set up",
    "key_unlocked": "Recordings key unlocked",
    "key_unlock_failed": "Recordings key: unlock failed",
    "key_locked": "Recordings key locked",
}
_RECORDING_TARGET = re.compile(r"^recording (\d+)$")


def audit_page(ctx: Ctx) -> str:
    if not (ctx.can("audit") or ctx.can("admin")):
        ctx.fail(403, "You do not have permission for this.")
    values = {name: ctx.query(name)[:64] for name in ("action", "user", "from", "to")}
    problems = []
    since = until = None
    if values["from"]:
        since = ctx.t.local_midnight(values["from"])
        if since is None:
            problems.append(ctx.t("The first day is not a date."))
    if values["to"]:
        until = ctx.t.local_midnight(values["to"])
        if until is None:
            problems.append(ctx.t("The last day is not a date."))
        else:
            until += DAY_S
    action = values["action"] if values["action"] in ACTIONS else None
    page_text = ctx.query("page")
    page = min(int(page_text), MAX_PAGE_NUMBER) if page_text.isdigit() and page_text != "0" else 1
    # Admins, and auditors who see every line, read every entry; an auditor limited to
    # some lines reads what concerns those lines' recordings and calls, and their own doings.
    lines = ctx.principal.line_scope()
    limited = not ctx.can("admin") and not lines.every_line
    entries = ctx.deps.audit.entries(
        scope=AuditScope(lines, ctx.user.id) if limited else None,
        action=action,
        username=values["user"] or None,
        since=since,
        until=until,
        limit=PAGE_SIZE + 1,
        offset=(page - 1) * PAGE_SIZE,
    )
    return ctx.render(
        "audit.tpl",
        entries=entries[:PAGE_SIZE],
        has_next=len(entries) > PAGE_SIZE,
        page=page,
        values=values,
        problems=problems,
        actions=ACTION_LABELS,
        recording_of=_recording_id,
        box_actor=BOX_ACTOR,
    )


def _recording_id(target: str) -> int | None:
    found = _RECORDING_TARGET.match(target)
    return int(found.group(1)) if found else None

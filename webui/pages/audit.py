"""The audit log page: who listened to, downloaded, exported or verified what, who signed in,
and every change made through the pages; for users with the ``audit`` or the ``admin`` flag.
Entries are read only.

Admins and auditors who see every line read every entry. An auditor limited to some
lines reads the entries about those lines, their recordings and their calls, and their
own (their sign-ins, their listens): not other users' sign-ins, nor the settings.

Each entry's detail is rendered in the reader's language when shown
(``webui.audit_text``). The page exports what its filter shows, within the same
scope, as CSV or as an Excel workbook; each export is itself in the log.
"""

from __future__ import annotations

import csv
import io
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlencode

from openpyxl import Workbook

from firmware.store.audit import ACTIONS, BOX_ACTOR, AuditEntry, AuditScope, structured_detail
from webui.audit_text import describe, subject
from webui.call_csv import BOM, safe_cell
from webui.context import Ctx

PAGE_SIZE = 100
MAX_PAGE_NUMBER = 1000
MAX_EXPORT = 100_000  # entries in one export; a longer one is cut and says so
DAY_S = 86400
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ACTION_LABELS = {
    "sign_in": "Signed in",
    "sign_in_failed": "Sign-in failed",
    "sign_out": "Signed out",
    "password_changed": "Password changed",
    "password_check_failed": "Wrong current password",
    "pop_rules_changed": "Caller's card rules changed",
    "listen": "Listened",
    "live_listen": "Listened live",
    "voicemail_played": "Voicemail played",
    "voicemail_heard": "Voicemail marked heard",
    "voicemail_deleted": "Voicemail deleted",
    "record_started": "Recording started by hand",
    "record_stopped": "Recording stopped by hand",
    "survey_started": "Caller handed to the survey",
    "dial_started": "Call placed by the box",
    "download": "Downloaded",
    "export": "Exported",
    "verify": "Verified",
    "user_changed": "User changed",
    "settings_changed": "Settings changed",
    "customers_exported": "Customers exported",
    "customers_imported": "Customers imported",
    "customer_added": "Customer added",
    "customer_changed": "Customer changed",
    "customer_deleted": "Customer deleted",
    "contact_added": "Contact record added",
    "contact_deleted": "Contact record deleted",
    "call_notes_changed": "Call note changed",
    "recording_notes_changed": "Recording notes changed",
    "language_changed": "Language changed",
    "protected": "Protected (legal hold)",
    "unprotected": "Protection removed",
    "retention_deleted": "Deleted by retention",
    "transcoded": "Compressed after the call",
    "backup_requested": "Backup asked for",
    "backup_tested": "Backup target tested",
    "archive_searched": "Archive searched",
    "audit_exported": "Audit log exported",
    "encrypted": "Encrypted at rest",
    "encryption_set_up": "Encryption key set up",
    "key_unlocked": "Recordings key unlocked",
    "key_unlock_failed": "Recordings key: unlock failed",
    "key_locked": "Recordings key locked",
    "prompt_added": "Prompt added",
    "prompt_replaced": "Prompt replaced",
    "prompt_changed": "Prompt renamed",
    "prompt_deleted": "Prompt deleted",
    "firewall_entry_added": "Firewall: number listed",
    "firewall_entry_changed": "Firewall: list entry changed",
    "firewall_entry_removed": "Firewall: number taken off a list",
    "firewall_rule_added": "Firewall: rule added",
    "firewall_rule_changed": "Firewall: rule changed",
    "firewall_rule_removed": "Firewall: rule removed",
    "firewall_change_filed": "Firewall: change filed for approval",
    "firewall_change_approved": "Firewall: change approved",
    "firewall_change_refused": "Firewall: change refused",
    "firewall_imported": "Firewall: lists and rules imported",
    "firewall_exported": "Firewall: lists and rules exported",
    "ivr_menu_added": "Voice menu added",
    "ivr_menu_changed": "Voice menu changed",
    "ivr_menu_deleted": "Voice menu deleted",
    "ivr_line_assigned": "Voice menu of a line set",
    "dial_task_created": "Dialling task made",
    "dial_task_changed": "Dialling task changed",
    "dial_task_started": "Dialling task started",
    "dial_task_paused": "Dialling task paused",
    "dial_task_numbers_added": "Dialling task: customers' numbers added",
    "dial_task_imported": "Dialling task: numbers imported",
    "dial_task_exported": "Dialling task: results exported",
    "sms_queued": "Text messages queued",
    "sms_cancelled": "Text message cancelled",
    "sms_resent": "Text message sent again",
    "sms_released": "Held text message approved",
    "sms_rejected": "Held text message rejected",
    "sms_read": "Received text message read",
    "sms_template_added": "Message template added",
    "sms_template_changed": "Message template changed",
    "sms_template_deleted": "Message template deleted",
    "sms_holiday_added": "Holiday added",
    "sms_holiday_changed": "Holiday changed",
    "sms_holiday_deleted": "Holiday deleted",
    "sms_words_changed": "Sensitive words changed",
    "sms_words_exported": "Sensitive words exported",
    "ticket_opened": "Service ticket opened",
    "ticket_step_added": "Service ticket: step added",
    "ticket_state_changed": "Service ticket: state changed",
    "ticket_assigned": "Service ticket reassigned",
    "tickets_exported": "Service tickets exported",
    "campaign_added": "Campaign added",
    "campaign_changed": "Campaign changed",
    "campaign_deleted": "Campaign deleted",
    "campaign_targets_added": "Campaign: customers added",
    "campaign_target_removed": "Campaign: customer taken off",
    "campaign_task_made": "Campaign: dialling task made",
    "campaign_outcome_set": "Campaign: call marked",
    "campaigns_exported": "Campaigns exported",
    "quality_template_added": "Quality: scoring template added",
    "quality_template_changed": "Quality: scoring template changed",
    "quality_template_versioned": "Quality: scoring template changed as a new version",
    "quality_template_retired": "Quality: scoring template retired",
    "quality_task_created": "Quality: inspection task made",
    "quality_scored": "Quality: call scored",
    "quality_appealed": "Quality: result appealed",
    "quality_appeal_accepted": "Quality: appeal accepted",
    "quality_appeal_rejected": "Quality: appeal rejected",
    "quality_exported": "Quality: results exported",
    "memo_added": "Memo added",
    "memo_changed": "Memo changed",
    "memo_deleted": "Memo deleted",
    "memo_settings_changed": "Memo settings changed",
    "presence_changed": "Presence changed",
    "knowledge_entry_added": "Knowledge base: entry added",
    "knowledge_entry_changed": "Knowledge base: entry changed",
    "knowledge_entry_deleted": "Knowledge base: entry deleted",
    "knowledge_category_added": "Knowledge base: category added",
    "knowledge_category_changed": "Knowledge base: category changed",
    "knowledge_category_deleted": "Knowledge base: category deleted",
    "knowledge_imported": "Knowledge base: entries imported",
    "knowledge_exported": "Knowledge base: entries exported",
    "custom_field_added": "Custom field added",
    "custom_field_changed": "Custom field changed",
    "custom_field_deleted": "Custom field deleted",
    "custom_values_changed": "Custom fields' values changed",
    "dictionary_changed": "Parameter list changed",
    "list_columns_changed": "List columns chosen",
    "product_added": "Product added",
    "product_changed": "Product changed",
    "stock_adjusted": "Stock adjusted",
    "sales_settings_changed": "Stock settings changed",
    "order_placed": "Order placed",
    "order_state_changed": "Order state changed",
    "opportunity_added": "Opportunity added",
    "opportunity_changed": "Opportunity changed",
    "follow_up_added": "Follow-up added",
    "sales_exported": "Sales report exported",
}
EXPORT_COLUMNS = ("Time", "User name", "Action", "Subject", "Details", "Address")
_RECORDING_TARGET = re.compile(r"^recording (\d+)$")
# The page of each kind of subject an entry may name ("ticket 12": /service/12).
# The page itself checks, as always, that the reader may see it.
SUBJECT_PAGES = {
    "recording": "/recordings/{}",
    "call": "/calls/{}",
    "customer": "/customers/{}",
    "campaign": "/campaigns/{}",
    "ticket": "/service/{}",
    "order": "/orders/{}",
    "opportunity": "/sales/{}",
    "product": "/products/{}",
    "memo": "/memos/{}",
    "knowledge entry": "/knowledge/{}",
}
_LINKED_TARGET = re.compile(rf"^({'|'.join(SUBJECT_PAGES)}) (\d+)$")


@dataclass(frozen=True)
class AuditFilter:
    """The page's filter as typed (to show again and to link) and as the log's arguments."""

    values: dict[str, str]
    problems: list[str]
    arguments: dict

    def query(self, **changes: object) -> str:
        return urlencode({k: v for k, v in {**self.values, **changes}.items() if v})


def _may_read(ctx: Ctx) -> None:
    if not (ctx.can("audit") or ctx.can("admin")):
        ctx.fail(403, "You do not have permission for this.")


def read_filter(ctx: Ctx) -> AuditFilter:
    """The filter in the query string, within what this reader may read."""
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
    # Admins, and auditors who see every line, read every entry; an auditor limited to
    # some lines reads what concerns those lines' recordings and calls, and their own doings.
    lines = ctx.principal.line_scope()
    limited = not ctx.can("admin") and not lines.every_line
    return AuditFilter(
        values,
        problems,
        {
            "scope": AuditScope(lines, ctx.user.id) if limited else None,
            "action": values["action"] if values["action"] in ACTIONS else None,
            "username": values["user"] or None,
            "since": since,
            "until": until,
        },
    )


def audit_page(ctx: Ctx) -> str:
    _may_read(ctx)
    found = read_filter(ctx)
    page_text = ctx.query("page")
    page = min(int(page_text), MAX_PAGE_NUMBER) if page_text.isdigit() and page_text != "0" else 1
    entries = ctx.deps.audit.entries(
        **found.arguments, limit=PAGE_SIZE + 1, offset=(page - 1) * PAGE_SIZE
    )
    return ctx.render(
        "audit.tpl",
        entries=entries[:PAGE_SIZE],
        has_next=len(entries) > PAGE_SIZE,
        page=page,
        values=found.values,
        export_query=found.query(),
        problems=found.problems,
        actions=ACTION_LABELS,
        recording_of=_recording_id,
        link_of=_link,
        subject_of=lambda target: subject(ctx.t, target),
        detail_of=lambda entry: describe(ctx.t, entry.detail, action=entry.action),
        box_actor=BOX_ACTOR,
    )


def _recording_id(target: str) -> int | None:
    found = _RECORDING_TARGET.match(target)
    return int(found.group(1)) if found else None


def _link(target: str) -> str | None:
    """The page an entry's subject is on (a recording, a call, a customer, a ticket ...),
    if any."""
    found = _LINKED_TARGET.match(target)
    return SUBJECT_PAGES[found.group(1)].format(found.group(2)) if found else None


# ---- export ---------------------------------------------------------------------------------


def _export_rows(ctx: Ctx, entries: list[AuditEntry]) -> Iterator[list[str]]:
    t = ctx.t
    for entry in entries:
        who = t("the box itself") if entry.user_id is None and entry.username == BOX_ACTOR \
            else entry.username
        yield [
            time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(entry.at + t.utc_offset_s)),
            safe_cell(who),
            t(ACTION_LABELS.get(entry.action, entry.action)),
            safe_cell(subject(t, entry.target)),
            safe_cell(describe(t, entry.detail, full=True, action=entry.action)),
            safe_cell(entry.address),
        ]


def _exported(ctx: Ctx, kind: str) -> tuple[list[AuditEntry], bool, str]:
    """The entries the filter shows (up to MAX_EXPORT), whether it was cut, the file's
    name; the export is written to the log before it is sent."""
    _may_read(ctx)
    found = read_filter(ctx)
    if found.problems:
        ctx.fail(400, "The search has a mistake: {problem}", problem=found.problems[0])
    entries = ctx.deps.audit.entries(**found.arguments, limit=MAX_EXPORT + 1)
    cut = len(entries) > MAX_EXPORT
    entries = entries[:MAX_EXPORT]
    ctx.audit("audit_exported", "audit log",
              structured_detail(format=kind, rows=len(entries), search=found.query() or "-"))
    stamp = time.strftime("%Y%m%d-%H%M", time.gmtime(ctx.deps.clock() + ctx.t.utc_offset_s))
    ctx.response.set_header("Cache-Control", "no-store")
    return entries, cut, f"audit-{stamp}.{kind}"


def _cut_note(ctx: Ctx) -> str:
    return ctx.t("Cut at {count} entries: narrow the search to export the rest.",
                 count=ctx.t.number(MAX_EXPORT))


def audit_csv(ctx: Ctx) -> bytes:
    """The entries the page's filter shows, as CSV (UTF-8 with a byte-order mark)."""
    entries, cut, filename = _exported(ctx, "csv")
    buffer = io.StringIO()
    buffer.write(BOM)
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([ctx.t(column) for column in EXPORT_COLUMNS])
    writer.writerows(_export_rows(ctx, entries))
    if cut:
        writer.writerow([_cut_note(ctx)])
    ctx.response.content_type = "text/csv; charset=utf-8"
    ctx.response.set_header("Content-Disposition", f'attachment; filename="{filename}"')
    return buffer.getvalue().encode("utf-8")


def audit_xlsx(ctx: Ctx) -> bytes:
    """The same as an Excel workbook."""
    entries, cut, filename = _exported(ctx, "xlsx")
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(ctx.t("Audit log")[:31])
    sheet.append([ctx.t(column) for column in EXPORT_COLUMNS])
    for row in _export_rows(ctx, entries):
        sheet.append(row)
    if cut:
        sheet.append([_cut_note(ctx)])
    buffer = io.BytesIO()
    workbook.save(buffer)
    ctx.response.content_type = XLSX_TYPE
    ctx.response.set_header("Content-Disposition", f'attachment; filename="{filename}"')
    return buffer.getvalue()

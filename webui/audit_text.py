"""An audit entry's detail in the reader's language, written when it is shown.

New entries keep their detail as facts (``firmware.store.audit.structured_detail``):
what happened, each field changed with its value before and after, other facts by
name. Here they become text in Chinese or English: fields by their names on the
pages, sizes in KB/MB/GB, yes/no for on/off, a schedule's windows as
"Mon–Fri 09:00–18:00", a language by its name. Entries written before (plain
English text) are shown as they are, their sizes in bytes made readable.
"""

from __future__ import annotations

import re

from firmware.store.audit import parse_detail
from firmware.store.sales import ORDER_STATES, STAGES
from webui.i18n import LANGUAGES, Translator

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
SHOWN_VALUE = 300  # characters of one value shown (a long note); the export has them all

# A field (or a fact) by the name the pages give it. Settings keys not listed here are
# shown as they are in the configuration (``recording.vox.hangover_ms``).
FIELD_LABELS = {
    "notes": "Notes",
    "subject": "Topic",
    "place": "Place",
    "importance": "Importance",
    "remind_before_min": "Remind me (minutes before)",
    "shared": "Shared with my group",
    "done": "Done",
    "presence": "Presence",
    "tags": "Tags",
    "name": "Name",
    "company": "Company",
    "category": "Group",
    "grade": "Level",
    "birthday": "Birthday",
    "email": "Email",
    "address": "Address",
    "numbers": "Phone numbers",
    "kind": "Kind",
    "text": "What was said or done",
    "at": "Time",
    "call": "Call",
    "customer": "Customer",
    "contacts": "Contact records",
    "contact": "Contact record",
    "language": "Language",
    "pop_lines": "Cards for calls on",
    "pop_levels": "Only customers of these levels",
    "pop_groups": "Only customers in these groups",
    "pop_unknown": "Callers who are not customers pop a card too",
    "pop_close_after_s": "Close after (seconds)",
    "seconds": "Length (seconds)",
    "files": "Files",
    "bytes": "Size",
    "deleted": "Deleted by retention, listed",
    "format": "Format",
    "search": "Search",
    "rows": "Rows",
    "rules": "Rules",
    "skipped": "Rows left out",
    "secrets_set": "Secrets set",
    "secrets_removed": "Secrets removed",
    "problem": "Problem",
    "day": "Day",
    "line": "Line",
    "number": "Number",
    "box": "Box",
    "from": "From",
    "to": "To",
    "tier": "Tier",
    "kbps": "Bit rate (kbit/s)",
    "sha256": "SHA-256",
    "original_sha256": "SHA-256 of the original",
    "plain_sha256": "SHA-256 before encryption",
    "key": "Key",
    "lines_added": "Lines added",
    "lines_removed": "Lines removed",
    "display_name": "Display name",
    "level": "Level",
    "group": "Group",
    "active": "Active",
    "lines": "Lines",
    "flags_added": "Permissions given",
    "flags_removed": "Permissions taken away",
    "sessions_ended": "Sessions ended",
    "members": "Members left without a group",
    "recording.mode": "Recording mode",
    "recording.schedule": "Schedule",
    "recording.keep_days": "Keep recordings (days)",
    "voicemail.keep_days": "Keep messages (days)",
    "voicemail.keep_unheard": "Keep unheard messages past the age limit",
    "announcement": "Announcement before recording",
    "announcement_prompt": "Announcement prompt",
    "dialling": "Dial by",
    "retention.min_free_percent": "Keep free (%)",
    "retention.min_free_gb": "Keep free (GB)",
    "prompt": "Prompt",
    "source": "Made from",
    "builtin": "The box's own prompt",
    "spoken": "Text spoken",
    "speech_language": "Spoken in",
    "filename": "File uploaded",
    "list": "List",
    "note": "Note",
    "action": "Action",
    "expires_at": "Expires at",
    "rule": "Rule",
    "rule_kind": "Kind",
    "enabled": "Enabled",
    "windows": "Windows",
    "change": "Change",
    "pending": "Pending change",
    "asked_by": "Asked by",
    "position": "Position",
    "firewall.approval": "Operators' changes need approval",
    "menu": "Voice menu",
    "nodes": "Nodes",
    "rings": "Rings before the menu answers",
    "script": "Call script",
    "operators": "Operators",
    "max_lines": "Lines at once",
    "gap_s": "Gap between calls on a line (seconds)",
    "max_attempts": "Attempts per number, at most",
    "hold_s": "Hold a person for the operator (seconds)",
    "machine": "When a machine answers",
    "machine_prompt": "Message left",
    "retry_rules": "Try again",
    "customers": "Customers",
    "added": "Added",
    "merged": "Merged",
    "blocked": "Blocked by the call firewall",
    "gender": "Gender",
    "message": "Message",
    "messages": "Messages",
    "held": "Held for approval",
    "refused": "Refused for sensitive words",
    "failed": "Failed message",
    "recipients": "Send to",
    "template": "Template",
    "send_at": "Send at",
    "occasion": "Occasion",
    "words": "Sensitive words",
    "words_added": "Words added",
    "words_removed": "Words removed",
    "count": "Words in the list",
    "how": "How",
    "days_ahead": "Days ahead",
    "groups": "Customer groups",
    "name_zh": "Name in Chinese",
    "name_en": "Name in English",
    "title": "Title",
    "keywords": "Keywords",
    "answer": "Answer",
    "knowledge_category": "Category",
    "parent": "Parent category",
    "entries": "Entries",
    "sms.modem": "GSM modem",
    "sms.word_filter": "Sensitive words",
    "sms.birthday_template": "Birthday greeting",
    "sms.birthday_days_ahead": "Days before the birthday",
    "sms.greeting_time": "Greetings go out from",
    "sms.language": "Language of the box's own messages",
    "sms.missed_call_reply": "Reply to the caller of a missed call",
    "sms.voicemail_notify": "Text each voicemail message to",
    # after-sales service tickets and campaigns
    "priority": "Priority",
    "assignee": "Handled by",
    "due": "Due",
    "due_at": "Due",
    "state": "State",
    "result": "Result",
    "outcome": "Outcome",
    "campaign": "Campaign",
    "campaigns": "Campaigns",
    "task": "Dialling task",
    "targets": "Target customers",
    "levels": "Levels",
    "items": "Scoring items",
    "version": "Version",
    "replaces": "Replaces template",
    "inspectors": "Inspectors",
    "share": "Share of the calls (%)",
    "min_duration_s": "Minimum talk time (seconds)",
    "recorded_only": "Only calls with a recording",
    "samples": "Sampled calls",
    "total": "Score",
    "comment": "Comment",
    "appeal": "Appeal",
    "reason": "Reason",
    "operator": "Operator",
    "custom": "Custom fields",
    "record": "Kind of record",
    "type": "Type",
    "required": "Required",
    "in_list": "Shown in list",
    "values": "Values",
    "list_name": "Parameter list",
    "value": "Value",
    "label_zh": "Chinese",
    "records": "Records changed",
    "retired": "Retired",
    "columns": "Columns",
}
# Custom fields' words in their audit entries: the kinds of record and the types.
FIELD_WORDS = {
    "customer": "Customers",
    "contact": "Contact records",
    "knowledge": "Knowledge base",
    "text": "Text",
    "number": "Numeric",
    "date": "Date",
    "link": "Link",
    "memo": "Memo (long text)",
    "money": "Money",
    "yesno": "Yes/no",
    "code": "Code",
    "price": "Price",
    "unit": "Unit",
    "low_stock": "Low-stock level",
    "retired": "Retired",
    "stock": "Stock",
    "stock_change": "Change in stock",
    "adjustment": "Kind",
    "reason": "Reason",
    "state": "State",
    "payment": "Payment",
    "total": "Total",
    "order_lines": "Order lines",
    "opportunity": "Opportunity",
    "campaign": "Campaign",
    "title": "Title",
    "stage": "Stage",
    "amount": "Expected amount",
    "close_on": "Expected close",
    "owner": "Owner",
    "follow_up": "Follow-up",
    "next_step": "Next step",
    "allow_negative_stock": "Allow stock below zero",
}
# Sales words in their audit entries: order states, payment methods, stages, stock changes.
SALES_WORDS = {**dict(ORDER_STATES), **dict(STAGES),
               "received": "Goods received", "correction": "Stock correction"}
# Text messages' words in their audit entries (occasions, the filter, how a list changed).
SMS_WORDS = {
    "birthday": "Birthday greeting",
    "holiday": "Holiday",
    "missed_call": "Reply to a missed call",
    "voicemail": "Voicemail notice",
    "block": "Refuse a message with a sensitive word",
    "hold": "Hold a message with a sensitive word until a leader or an admin approves it",
    "typed": "Typed",
    "added": "Add to the list",
    "replaced": "Replace the list",
    "male": "Male",
    "female": "Female",
}
# The call firewall's words in its audit entries (lists, actions, kinds of rules, changes).
FIREWALL_WORDS = {
    "black": "Black list",
    "red": "Red list",
    "reject": "Reject: answer and hang up",
    "message": "Answer with a message",
    "prefix": "By prefix",
    "withheld": "Withheld number",
    "location": "By location",
    "time": "By time of day",
    "add": "Add",
    "edit": "Change",
    "remove": "Remove",
}
WHAT_LABELS = {
    "created": "created",
    "deleted": "deleted",
    "unchanged": "no change",
    "password_reset": "password reset",
    "first_account": "first account created",
    "reached": "reached",
    "started": "started",
    "resumed": "resumed",
    "reset": "reset to the default",
}
TIER_NAMES = {"standard": "standard tier", "archive": "long-archive tier"}
PROMPT_SOURCES = {"upload": "an uploaded file", "speech": "a text spoken by the box",
                  "tone": "a tone"}
SPEECH_LANGUAGES = {"zh": "Chinese", "en": "English"}
LEVEL_NAMES = {"super": "Super", "leader": "Leader", "operator": "Operator"}
CONTACT_KINDS = {"call": "Phone call", "visit": "Visit", "email": "Email", "message": "Message",
                 "note": "Note"}
_BYTES = re.compile(r"\b(\d+) bytes\b")


def size(t: Translator, count: float) -> str:
    """A size as people read it: 980 bytes, 11.7 KB, 11.7 MB, 1.2 GB (1 KB = 1,024 bytes)."""
    if count < 1024:
        return t("{n} bytes", n=t.number(count))
    for unit in ("KB", "MB", "GB", "TB"):
        count /= 1024
        if count < 1024 or unit == "TB":
            return f"{t.number(count, 1)} {unit}"
    raise AssertionError("unreachable")


def _days(t: Translator, days: list[str]) -> str:
    """Weekdays as runs: mon..fri -> Mon–Fri; mon, wed -> Mon/Wed."""
    indexes = sorted(WEEKDAYS.index(day) for day in days if day in WEEKDAYS)
    runs: list[list[int]] = []
    for index in indexes:
        if runs and index == runs[-1][-1] + 1:
            runs[-1].append(index)
        else:
            runs.append([index])
    names = []
    for run in runs:
        first, last = t(DAY_NAMES[run[0]]), t(DAY_NAMES[run[-1]])
        names.append(first if len(run) == 1 else f"{first}–{last}" if len(run) > 2
                     else f"{first}/{last}")
    return "/".join(names)


def schedule(t: Translator, windows: list) -> str:
    """A recording schedule: Mon–Fri 09:00–18:00, Sat 09:00–12:00."""
    if not windows:
        return t("none")
    shown = []
    for window in windows:
        if not isinstance(window, dict):
            shown.append(str(window))
            continue
        shown.append(f"{_days(t, list(window.get('days', [])))} "
                     f"{window.get('start', '')}–{window.get('end', '')}")
    return ", ".join(shown)


# A service ticket's kind, state and priority, and a campaign call's mark.
SERVICE_WORDS = {
    "feedback": "Feedback", "complaint": "Complaint", "repair": "Repair",
    "question": "Question", "open": "Waiting to be handled", "in_progress": "In progress",
    "waiting": "Waiting for the customer", "resolved": "Resolved", "closed": "Closed",
    "low": "Low", "normal": "Normal", "high": "High", "urgent": "Urgent",
    "interested": "Interested", "not_interested": "Not interested",
}

# How a value of a field is written, by the first rule that matches (field, value).
_RULES = (
    (lambda field, shown: field in ("state", "priority", "outcome", "kind")
     and isinstance(shown, str) and shown in SERVICE_WORDS,
     lambda t, field, shown: t(SERVICE_WORDS[shown])),
    (lambda field, shown: isinstance(shown, bool),
     lambda t, field, shown: t("yes") if shown else t("no")),
    (lambda field, shown: field.endswith("schedule") and isinstance(shown, list),
     lambda t, field, shown: schedule(t, shown)),
    (lambda field, shown: (field == "bytes" or field.endswith("_bytes"))
     and isinstance(shown, int | float),
     lambda t, field, shown: size(t, shown)),
    (lambda field, shown: field == "language" and isinstance(shown, str),
     lambda t, field, shown: LANGUAGES.get(shown, shown)),
    (lambda field, shown: field == "tier" and isinstance(shown, str),
     lambda t, field, shown: t(TIER_NAMES.get(shown, shown))),
    (lambda field, shown: field == "source" and isinstance(shown, str),
     lambda t, field, shown: t(PROMPT_SOURCES.get(shown, shown))),
    (lambda field, shown: field == "speech_language" and isinstance(shown, str),
     lambda t, field, shown: t(SPEECH_LANGUAGES.get(shown, shown))),
    (lambda field, shown: field == "level" and isinstance(shown, str),
     lambda t, field, shown: t(LEVEL_NAMES.get(shown, shown))),
    (lambda field, shown: field == "kind" and isinstance(shown, str),
     lambda t, field, shown: t(CONTACT_KINDS.get(shown, shown))),
    (lambda field, shown: field in ("record", "type") and isinstance(shown, str),
     lambda t, field, shown: t(FIELD_WORDS.get(shown, shown))),
    (lambda field, shown: field == "list_name" and isinstance(shown, str),
     lambda t, field, shown: t(shown)),
    (lambda field, shown: field in ("list", "action", "rule_kind", "change")
     and isinstance(shown, str),
     lambda t, field, shown: t(FIREWALL_WORDS.get(shown, shown))),
    (lambda field, shown: field in ("occasion", "sms.word_filter", "how", "gender")
     and isinstance(shown, str),
     lambda t, field, shown: t(SMS_WORDS.get(shown, shown))),
    (lambda field, shown: field in ("state", "payment", "stage", "adjustment")
     and isinstance(shown, str),
     lambda t, field, shown: t(SALES_WORDS.get(shown, shown))),
    (lambda field, shown: field == "send_at" and isinstance(shown, int | float),
     lambda t, field, shown: t.datetime(shown)),
    (lambda field, shown: field == "expires_at" and isinstance(shown, int | float),
     lambda t, field, shown: t.datetime(shown)),
    (lambda field, shown: field == "windows" and isinstance(shown, list),
     lambda t, field, shown: schedule(t, shown)),
    (lambda field, shown: field == "call" and isinstance(shown, int),
     lambda t, field, shown: t("call {id}", id=shown)),
    (lambda field, shown: isinstance(shown, list),
     lambda t, field, shown: ", ".join(value(t, field, item) for item in shown)),
    (lambda field, shown: isinstance(shown, dict),
     lambda t, field, shown: ", ".join(f"{key} {value(t, key, inner)}"
                                       for key, inner in shown.items())),
    (lambda field, shown: isinstance(shown, float),
     lambda t, field, shown: f"{shown:g}"),
)


# An entry's subject: "<kind> <id or name>" (a ticket, a line, a backup target), a count
# of things ("12 customers"), or a name of its own ("audit log"); anything else (a user's
# name, a file's) is shown as written. The English is what the log keeps.
SUBJECT_KINDS = {
    kind: f"{kind} {{id}}"
    for kind in (
        "recording", "call", "customer", "contact", "campaign", "ticket", "order",
        "opportunity", "product", "memo", "holiday", "template", "prompt", "line", "field",
        "group", "list", "knowledge", "knowledge entry", "knowledge category", "dialling task",
        "quality template", "quality sample", "quality task", "text message",
        "received text message", "voicemail", "backup target", "ivr_menu",
    )
}
SUBJECT_COUNTS = {
    "customers": ("{n} customer", "{n} customers"),
    "knowledge entries": ("{n} knowledge entry", "{n} knowledge entries"),
    "recordings": ("{n} recording", "{n} recordings"),
}
SUBJECT_NAMES = (
    "audit log", "campaigns", "device configuration", "e-mail password", "firewall",
    "products", "quality results", "recordings", "recordings key", "sales report",
    "sensitive words", "service tickets", "text messages",
)
_SUBJECT = re.compile(rf"^({'|'.join(sorted(SUBJECT_KINDS, key=len, reverse=True))}) (\S.*)$")
_COUNTED = re.compile(rf"^(\d+) ({'|'.join(SUBJECT_COUNTS)})$")


def subject(t: Translator, target: str) -> str:
    """An entry's subject in the reader's language."""
    if target in SUBJECT_NAMES:
        return t(target)
    if found := _COUNTED.match(target):
        one, many = SUBJECT_COUNTS[found.group(2)]
        return t.count(int(found.group(1)), one, many)
    if found := _SUBJECT.match(target):
        return t(SUBJECT_KINDS[found.group(1)], id=found.group(2))
    return target


def value(t: Translator, field: str, shown: object) -> str:
    """One value of ``field`` in the reader's language."""
    if shown is None or shown in ("", []):
        return t("none") if field.endswith("schedule") else t("(empty)")
    for matches, written in _RULES:
        if matches(field, shown):
            return written(t, field, shown)
    text = str(shown)
    return text if len(text) <= SHOWN_VALUE else text[:SHOWN_VALUE] + "…"


def label(t: Translator, field: str) -> str:
    return t(FIELD_LABELS[field]) if field in FIELD_LABELS else field


def _place(t: Translator, place: object) -> str:
    if isinstance(place, int):
        return t("Line {n}", n=place) + " · "
    return f"{place} · " if place else ""


def _plain(t: Translator, detail: str, action: str) -> str:
    """An entry written as English text, as readable as it goes: sizes in KB/MB, arrows,
    and a deletion's reason in the reader's language (retention's reasons are known)."""
    if action == "retention_deleted":
        from webui.pages.storage_settings import reason_text  # noqa: PLC0415 - pages use this

        reason, _, rest = detail.partition("; ")
        rest = rest.replace("its file was already gone", t("its file was already gone"))
        detail = reason_text(t, reason) + ("; " + rest if rest else "")
    return _BYTES.sub(lambda found: size(t, int(found.group(1))), detail).replace("->", " → ")


def describe(t: Translator, detail: str, *, full: bool = False, action: str = "") -> str:
    """The detail of an entry of ``action`` in ``t``'s language (``full``: long values not
    shortened)."""
    body = parse_detail(detail)
    if body is None:
        return _plain(t, detail, action)
    chinese = t.language == "zh-CN"
    colon, between = ("：", "；") if chinese else (": ", "; ")
    parts = []
    what = body.get("what")
    if isinstance(what, str) and what:
        parts.append(t(WHAT_LABELS.get(what, what)))
    for change in body.get("changes", []):
        if not isinstance(change, list) or len(change) < 3:
            continue
        field, old, new = str(change[0]), change[1], change[2]
        place = _place(t, change[3]) if len(change) > 3 else ""
        parts.append(f"{place}{label(t, field)}{colon}{_shown(t, field, old, full)} → "
                     f"{_shown(t, field, new, full)}")
    facts = body.get("facts", {})
    if isinstance(facts, dict):
        for name, fact in facts.items():
            parts.append(f"{label(t, name)}{colon}{_shown(t, name, fact, full)}")
    return between.join(parts)


def _shown(t: Translator, field: str, shown: object, full: bool) -> str:
    if full and isinstance(shown, str) and shown:
        return shown
    return value(t, field, shown)

"""The call firewall's page: its black and red lists, its rules, the changes waiting for
approval, the lists to and from Excel, and "block this caller" from a call or the pop.

Who may do what, checked on the server at each request:

- the lists: see, add, change, remove with the ``firewall`` flag (or ``admin``); while
  the admin's switch *operators' changes need approval* (``device.firewall.approval``)
  is on, an operator's change (one without ``admin``) is filed and waits until a
  leader of their group with the ``firewall`` flag, or a super user, approves it;
- the rules and the switch: ``admin`` only.

Every change is written to the audit log by the store, in the change's own transaction
(``firmware.store.firewall``), and every change that took effect is passed to the
running engine (``reload_firewall``); without an engine it applies when it starts.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from urllib.parse import urlencode

from openpyxl import Workbook

from firmware.config import ConfigError, to_plain, validate
from firmware.country.numbers import describe
from firmware.link import contract
from firmware.schema import SchemaError
from firmware.store.audit import structured_detail
from firmware.store.firewall import (
    ACTIONS,
    LISTS,
    MAX_NOTE,
    MAX_PLACE,
    MAX_PROMPT,
    WEEKDAYS,
    WITHHELD_REASONS,
    Actor,
    Firewall,
    FirewallError,
    ListEntry,
    PendingChange,
    Rule,
    check_entry,
    check_number,
)
from webui.audit_text import schedule
from webui.context import Ctx
from webui.engine_link import EngineUnavailableError
from webui.messages_zh import ZH

log = logging.getLogger(__name__)

SHOWN = 500  # list entries on the page; a search finds the rest
WINDOW_ROWS = 4  # time windows on a rule's form
DAY_S = 86400
LIST_NAMES = {"black": "Black list", "red": "Red list"}
ACTION_NAMES = {"reject": "Reject: answer and hang up", "message": "Answer with a message"}
KIND_NAMES = {"prefix": "By prefix", "withheld": "Withheld number",
              "location": "By location", "time": "By time of day"}
REASON_NAMES = {"P": "private", "O": "unavailable", "none": "no caller ID"}
CHANGE_NAMES = {"add": "Add", "edit": "Change", "remove": "Remove"}
NOTICES = {
    "added": "The number is on the list.",
    "filed": "Your change waits for a leader's approval.",
    "saved": "Saved.",
    "unchanged": "Nothing changed: it was already so.",
    "removed": "Removed.",
    "approved": "Approved: the change is made.",
    "refused": "Refused: nothing changed.",
}
# The spreadsheet's columns, keyed by field; their header is the English text or its Chinese.
COLUMNS = (("list", "List"), ("number", "Number"), ("note", "Note"), ("action", "Action"),
           ("prompt", "Message prompt"), ("expires", "Expires"))
EXPORT_ONLY = (("added_by", "Added by"), ("added", "Added"))
_HEADERS = {
    **{english.casefold(): key for key, english in (*COLUMNS, *EXPORT_ONLY)},
    **{ZH[english]: key for key, english in (*COLUMNS, *EXPORT_ONLY)},
}
_LIST_WORDS = {
    **{name: name for name in LISTS},
    **{english.casefold(): name for name, english in LIST_NAMES.items()},
    **{ZH[english]: name for name, english in LIST_NAMES.items()},
    "": "black",
}
_ACTION_WORDS = {
    **{name: name for name in ACTIONS},
    **{english.casefold(): name for name, english in ACTION_NAMES.items()},
    **{ZH[english]: name for name, english in ACTION_NAMES.items()},
    "": "reject",
}
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


# ---- who may do what ---------------------------------------------------------------------


def may_see(ctx: Ctx) -> bool:
    return ctx.can("firewall") or ctx.can("admin")


def _need_see(ctx: Ctx) -> None:
    if not may_see(ctx):
        ctx.fail(403, "You do not have permission for this.")


def _need_admin(ctx: Ctx) -> None:
    if not ctx.can("admin"):
        ctx.fail(403, "You do not have permission for this.")


def approval_on(ctx: Ctx) -> bool:
    try:
        return ctx.deps.config().device.firewall.approval
    except ConfigError:
        return True  # a configuration that cannot be read: the careful way


def needs_approval(ctx: Ctx) -> bool:
    """Whether this user's changes of the lists wait for a leader's approval."""
    user = ctx.user
    return approval_on(ctx) and user.level == "operator" and not ctx.can("admin")


def may_decide(ctx: Ctx, change: PendingChange) -> bool:
    """A super user decides every change; a leader with the firewall flag those of their
    group's members (never their own)."""
    principal = ctx.principal
    if principal.is_super:
        return True
    user = principal.user
    return (user.level == "leader" and ctx.can("firewall") and user.group_id is not None
            and change.group_id == user.group_id and change.asked_by != user.id)


def decidable(ctx: Ctx) -> list[PendingChange]:
    """The waiting changes this user may decide, oldest first."""
    user = ctx.user
    if ctx.principal.is_super:
        return _firewall(ctx).pending()
    if user.level != "leader" or not ctx.can("firewall") or user.group_id is None:
        return []
    found = _firewall(ctx).pending(group_ids=frozenset({user.group_id}))
    return [change for change in found if may_decide(ctx, change)]


def waiting_count(ctx: Ctx) -> int:
    """How many changes wait for this user's decision (the menu's badge)."""
    if ctx.principal is None or not (ctx.principal.is_super or ctx.user.level == "leader"):
        return 0
    try:
        return len(decidable(ctx))
    except Exception:  # the menu never fails a page
        return 0


# ---- helpers ------------------------------------------------------------------------------


def _firewall(ctx: Ctx) -> Firewall:
    return Firewall(ctx.deps.store, ctx.deps.clock)


def _actor(ctx: Ctx) -> Actor:
    return Actor(ctx.user.username, ctx.user.id, ctx.address)


def problem_text(ctx: Ctx, error: FirewallError) -> str:
    return ctx.t(error.template, **error.values)


def kept_number(ctx: Ctx, written: str) -> str:
    """A number as the lists keep it: E.164 when it parses for the box's country (a later
    change of country keeps it), else its digits as given."""
    digits = check_number(written)
    return describe(digits, ctx.deps.region()).e164 or digits


def tell_engine(ctx: Ctx) -> bool:
    """Have the running engine read the firewall again; False when it is not running."""
    try:
        ctx.deps.engine.command(contract.ReloadFirewallCommand(), timeout=10)
    except EngineUnavailableError as error:
        log.warning("the engine did not take the firewall's change: %s", error)
        return False
    return True


def _expiry(ctx: Ctx, text: str) -> float | None:
    """The end of the day ``YYYY-MM-DD`` in local time; None for no expiry."""
    if not text:
        return None
    midnight = ctx.t.local_midnight(text) if _DATE.match(text) else None
    if midnight is None:
        raise FirewallError("{value} is not a date (YYYY-MM-DD).", value=text[:20])
    return midnight + DAY_S


def rule_text(t, rule: Rule) -> str:
    """What a rule blocks, in the reader's language."""
    if rule.kind == "prefix":
        return t("Numbers starting with {prefix}", prefix=rule.prefix)
    if rule.kind == "withheld":
        reasons = ", ".join(t(REASON_NAMES[r]) for r in WITHHELD_REASONS if r in rule.reasons)
        return t("Caller ID withheld: {reasons}", reasons=reasons)
    if rule.kind == "location":
        return t("Numbers from {place}", place=" ".join(p for p in (rule.province, rule.city) if p))
    return t("Every caller: {windows}",
             windows=schedule(t, [window.document() for window in rule.windows]))


def blocked_text(t, key: str | None) -> str:
    """The rule that blocked a call (``calls.blocked_by``), in the reader's language."""
    kind, _, value = (key or "").partition(":")
    written = {
        "black_list": lambda: t("Black list"),
        "prefix": lambda: t("Numbers starting with {prefix}", prefix=value),
        "withheld": lambda: t("Caller ID withheld: {reasons}", reasons=", ".join(
            t(REASON_NAMES.get(r, r)) for r in value.split(","))),
        "location": lambda: t("Numbers from {place}", place=value.replace("/", " ")),
        "time": lambda: t("Time rule {id}", id=value),
    }
    return written[kind]() if kind in written else key or ""


# ---- the page ---------------------------------------------------------------------------------


def _chosen_prompt(ctx: Ctx) -> str:
    """The message prompt chosen: "" (the box's own message) or a prompt's id; anything
    else is no choice the page offered."""
    chosen = ctx.form("prompt")[: MAX_PROMPT * 2].strip()
    known = {str(prompt.id) for prompt in ctx.deps.prompts.prompts()}
    known |= {prompt.key for prompt in ctx.deps.prompts.prompts() if prompt.key}
    if chosen and chosen not in known:
        ctx.fail(400, "Choose a prompt of the list.")
    return chosen


def _typed_entry(ctx: Ctx) -> dict:
    return {
        "list": ctx.form("list")[:10],
        "number": ctx.form("number")[:60],
        "note": ctx.form("note")[: MAX_NOTE * 2],
        "action": ctx.form("action")[:10] or "reject",
        "prompt": _chosen_prompt(ctx),
        "expires": ctx.form("expires")[:20],
    }


def firewall_page(ctx: Ctx, *, problem: str = "", typed: dict | None = None,
                  status: int = 200) -> str:
    _need_see(ctx)
    chosen = ctx.query("list")
    chosen = chosen if chosen in LISTS else ""
    text = ctx.query("q")[:60]
    firewall = _firewall(ctx)
    entries = firewall.entries(chosen or None, text, limit=SHOWN + 1)
    mine = []
    if not ctx.principal.is_super:
        mine = [change for change in firewall.pending() if change.asked_by == ctx.user.id]
    ctx.response.status = status
    return ctx.render(
        "firewall.tpl",
        entries=entries[:SHOWN],
        more=len(entries) > SHOWN,
        counts=firewall.count(),
        chosen=chosen,
        text=text,
        rules=firewall.rules(),
        decide=decidable(ctx),
        mine=mine,
        approval=approval_on(ctx),
        needs_approval=needs_approval(ctx),
        typed=typed or {"list": chosen or "black", "number": "", "note": "", "action": "reject",
                        "prompt": "", "expires": ""},
        problem=problem,
        notice=NOTICES.get(ctx.query("done"), ""),
        offline=ctx.query("engine") == "offline",
        list_names=LIST_NAMES,
        action_names=ACTION_NAMES,
        change_names=CHANGE_NAMES,
        rule_text=rule_text,
    )


def _done(ctx: Ctx, done: str, applied: bool | None = None, anchor: str = "") -> None:
    query = {"done": done}
    if applied is False:
        query["engine"] = "offline"
    ctx.redirect(f"/firewall?{urlencode(query)}{anchor}")


def number_add(ctx: Ctx) -> str:
    _need_see(ctx)
    typed = _typed_entry(ctx)
    try:
        number = kept_number(ctx, typed["number"])
        expires_at = _expiry(ctx, typed["expires"])
        if needs_approval(ctx):
            _firewall(ctx).file(PendingChange(
                0, "add", typed["list"], number, typed["note"], typed["action"],
                typed["prompt"] or None, expires_at, group_id=ctx.user.group_id), _actor(ctx))
            _done(ctx, "filed")
        _firewall(ctx).add(ListEntry(0, typed["list"], number, typed["note"], typed["action"],
                                     typed["prompt"] or None, expires_at=expires_at),
                           _actor(ctx))
    except FirewallError as error:
        return firewall_page(ctx, problem=problem_text(ctx, error), typed=typed, status=400)
    _done(ctx, "added", tell_engine(ctx))
    return ""


def _entry_of(ctx: Ctx, entry_id: int) -> ListEntry:
    entry = _firewall(ctx).entry(entry_id)
    if entry is None:
        ctx.fail(404, "Not found.")
    return entry


def entry_page(ctx: Ctx, entry_id: int, *, problem: str = "", typed: dict | None = None,
               status: int = 200) -> str:
    _need_see(ctx)
    entry = _entry_of(ctx, entry_id)
    ctx.response.status = status
    return ctx.render(
        "firewall_entry.tpl",
        entry=entry,
        typed=typed or {"note": entry.note, "action": entry.action,
                        "prompt": entry.message_prompt or "",
                        "expires": ctx.t.iso_date(entry.expires_at - 1)
                        if entry.expires_at else ""},
        problem=problem,
        needs_approval=needs_approval(ctx),
        list_names=LIST_NAMES,
        action_names=ACTION_NAMES,
    )


def entry_submit(ctx: Ctx, entry_id: int) -> str:
    _need_see(ctx)
    entry = _entry_of(ctx, entry_id)
    typed = _typed_entry(ctx)
    try:
        expires_at = _expiry(ctx, typed["expires"])
        if needs_approval(ctx):
            _firewall(ctx).file(PendingChange(
                0, "edit", entry.list, entry.number, typed["note"], typed["action"],
                typed["prompt"] or None, expires_at, entry_id=entry.id,
                group_id=ctx.user.group_id), _actor(ctx))
            _done(ctx, "filed")
        changed = _firewall(ctx).edit(entry.id, _actor(ctx), note=typed["note"],
                                      action=typed["action"],
                                      message_prompt=typed["prompt"] or None,
                                      expires_at=expires_at)
    except FirewallError as error:
        return entry_page(ctx, entry_id, problem=problem_text(ctx, error), typed=typed,
                          status=400)
    _done(ctx, "saved" if changed else "unchanged", tell_engine(ctx) if changed else None)
    return ""


def entry_delete(ctx: Ctx, entry_id: int) -> str:
    _need_see(ctx)
    entry = _entry_of(ctx, entry_id)
    try:
        if needs_approval(ctx):
            _firewall(ctx).file(PendingChange(
                0, "remove", entry.list, entry.number, entry_id=entry.id,
                group_id=ctx.user.group_id), _actor(ctx))
            _done(ctx, "filed")
        _firewall(ctx).remove(entry.id, _actor(ctx))
    except FirewallError as error:
        return entry_page(ctx, entry_id, problem=problem_text(ctx, error), status=409)
    _done(ctx, "removed", tell_engine(ctx))
    return ""


# ---- approvals ------------------------------------------------------------------------------


def pending_decide(ctx: Ctx, pending_id: int) -> str:
    _need_see(ctx)
    firewall = _firewall(ctx)
    change = firewall.pending_change(pending_id)
    if change is None or not may_decide(ctx, change):
        ctx.fail(404, "Not found.")
    decision = ctx.form("decision")
    if decision not in ("approve", "refuse"):
        ctx.fail(400, "Say approve or refuse.")
    try:
        firewall.decide(change.id, decision == "approve", _actor(ctx))
    except FirewallError as error:
        return firewall_page(ctx, problem=problem_text(ctx, error), status=409)
    if decision == "approve":
        _done(ctx, "approved", tell_engine(ctx), "#approvals")
    _done(ctx, "refused", None, "#approvals")
    return ""


def settings_submit(ctx: Ctx) -> str:
    """The admin's switch: operators' changes of the lists need a leader's approval."""
    _need_admin(ctx)
    before = ctx.deps.config()
    plain = to_plain(before)
    plain["device"] = {**plain["device"], "firewall": {"approval": ctx.form("approval") == "yes"}}
    try:
        after = validate(plain)
    except SchemaError as error:
        return firewall_page(ctx, problem="; ".join(error.problems), status=400)
    if after.device.firewall != before.device.firewall:
        ctx.deps.config_store.save(after)
        ctx.audit("settings_changed", target="device configuration", detail=structured_detail(
            changes=[("firewall.approval", before.device.firewall.approval,
                      after.device.firewall.approval)]))
        _done(ctx, "saved")
    _done(ctx, "unchanged")
    return ""


# ---- rules (admin) -----------------------------------------------------------------------------


def _typed_rule(ctx: Ctx) -> dict:
    windows = []
    for index in range(WINDOW_ROWS):
        days = [day for day in ctx.form_list(f"window-{index}-days") if day in WEEKDAYS]
        start, end = ctx.form(f"window-{index}-start")[:5], ctx.form(f"window-{index}-end")[:5]
        if days or start or end:
            windows.append({"days": days, "start": start, "end": end})
    return {
        "kind": ctx.form("kind")[:10],
        "action": ctx.form("action")[:10] or "reject",
        "prompt": _chosen_prompt(ctx),
        "enabled": ctx.form("enabled") == "yes",
        "note": ctx.form("note")[: MAX_NOTE * 2],
        "prefix": ctx.form("prefix")[:40],
        "reasons": [r for r in ctx.form_list("reason") if r in WITHHELD_REASONS],
        "province": ctx.form("province")[: MAX_PLACE * 2],
        "city": ctx.form("city")[: MAX_PLACE * 2],
        "windows": windows,
    }


def _typed_of_rule(rule: Rule) -> dict:
    return {
        "kind": rule.kind, "action": rule.action, "prompt": rule.message_prompt or "",
        "enabled": rule.enabled, "note": rule.note, "prefix": rule.prefix,
        "reasons": sorted(rule.reasons), "province": rule.province, "city": rule.city,
        "windows": [window.document() for window in rule.windows],
    }


def _rule_from(typed: dict, rule_id: int = 0) -> Rule:
    return Rule(rule_id, typed["kind"], typed["action"], typed["prompt"] or None,
                typed["enabled"], note=typed["note"], prefix=typed["prefix"],
                reasons=frozenset(typed["reasons"]), province=typed["province"],
                city=typed["city"], windows=tuple(typed["windows"]))


def rule_page(ctx: Ctx, rule_id: int | None = None, *, problem: str = "",
              typed: dict | None = None, status: int = 200) -> str:
    _need_admin(ctx)
    if typed is None:
        if rule_id is None:
            typed = _typed_of_rule(Rule(0, "prefix"))
        else:
            rule = _firewall(ctx).rule(rule_id)
            if rule is None:
                ctx.fail(404, "Not found.")
            typed = _typed_of_rule(rule)
    windows = [*typed["windows"], *({"days": [], "start": "", "end": ""}
                                    for _ in range(WINDOW_ROWS))][:WINDOW_ROWS]
    ctx.response.status = status
    return ctx.render("firewall_rule.tpl", rule_id=rule_id, typed=typed, windows=windows,
                      problem=problem, kinds=KIND_NAMES, action_names=ACTION_NAMES,
                      reasons=REASON_NAMES, weekdays=WEEKDAYS)


def new_rule_page(ctx: Ctx) -> str:
    return rule_page(ctx)


def rule_add(ctx: Ctx) -> str:
    _need_admin(ctx)
    typed = _typed_rule(ctx)
    try:
        _firewall(ctx).add_rule(_rule_from(typed), _actor(ctx))
    except FirewallError as error:
        return rule_page(ctx, problem=problem_text(ctx, error), typed=typed, status=400)
    _done(ctx, "saved", tell_engine(ctx), "#rules")
    return ""


def rule_submit(ctx: Ctx, rule_id: int) -> str:
    _need_admin(ctx)
    typed = _typed_rule(ctx)
    if _firewall(ctx).rule(rule_id) is None:
        ctx.fail(404, "Not found.")
    try:
        changed = _firewall(ctx).update_rule(_rule_from(typed, rule_id), _actor(ctx))
    except FirewallError as error:
        return rule_page(ctx, rule_id, problem=problem_text(ctx, error), typed=typed,
                         status=400)
    _done(ctx, "saved" if changed else "unchanged", tell_engine(ctx) if changed else None,
          "#rules")
    return ""


def rule_delete(ctx: Ctx, rule_id: int) -> str:
    _need_admin(ctx)
    try:
        _firewall(ctx).remove_rule(rule_id, _actor(ctx))
    except FirewallError:
        ctx.fail(404, "Not found.")
    _done(ctx, "removed", tell_engine(ctx), "#rules")
    return ""


def rule_move(ctx: Ctx, rule_id: int) -> str:
    _need_admin(ctx)
    direction = ctx.form("direction")
    if direction not in ("up", "down"):
        ctx.fail(400, "Say up or down.")
    try:
        moved = _firewall(ctx).move_rule(rule_id, direction == "up", _actor(ctx))
    except FirewallError:
        ctx.fail(404, "Not found.")
    _done(ctx, "saved" if moved else "unchanged", tell_engine(ctx) if moved else None, "#rules")
    return ""


# ---- block this caller (the call log, the pop) --------------------------------------------------


def block_caller(ctx: Ctx, call) -> str:
    """Put the caller of ``call`` (one this user may see) on the black list, or file it for
    approval; ``added`` or ``filed``. FirewallError when it cannot be."""
    if not call.number:
        raise FirewallError("This call has no number to block.")
    number = kept_number(ctx, call.number)
    note = ctx.t("Blocked from call {id}", id=call.id)
    target = f"call {call.id}"
    if needs_approval(ctx):
        _firewall(ctx).file(PendingChange(0, "add", "black", number, note,
                                          group_id=ctx.user.group_id), _actor(ctx),
                            target=target)
        return "filed"
    _firewall(ctx).add(ListEntry(0, "black", number, note), _actor(ctx), target=target)
    tell_engine(ctx)
    return "added"


# ---- Excel -----------------------------------------------------------------------------------


def _sheets():
    """The spreadsheet helpers of the customers' import and export (imported when used: the
    customers' pages import the call log's, which imports this)."""
    from webui.pages import customer_sheets  # noqa: PLC0415

    return customer_sheets


def export_lists(ctx: Ctx) -> bytes:
    """Both lists (or the one chosen, with the page's search) as an Excel workbook."""
    _need_see(ctx)
    chosen = ctx.query("list")
    chosen = chosen if chosen in LISTS else None
    text = ctx.query("q")[:60]
    entries = _firewall(ctx).entries(chosen, text, limit=None)
    sheets = _sheets()
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = ctx.t("Call firewall")[:31]
    sheet.append([ctx.t(english) for _, english in (*COLUMNS, *EXPORT_ONLY)])
    for entry in entries:
        sheet.append([sheets.safe_cell(value) for value in (
            ctx.t(LIST_NAMES[entry.list]), entry.number, entry.note,
            ctx.t(ACTION_NAMES[entry.action]) if entry.list == "black" else "",
            entry.message_prompt or "",
            ctx.t.iso_date(entry.expires_at - 1) if entry.expires_at else "",
            entry.added_by_name, ctx.t.datetime(entry.added_at))])
    for letter, width in zip("ABCDEFGH", (14, 20, 40, 28, 18, 12, 14, 20), strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A2"
    ctx.audit("firewall_exported", target="firewall", detail=structured_detail(
        rows=len(entries), list=chosen, search=text or None))
    stamp = ctx.t.iso_date(ctx.deps.clock())
    return sheets._workbook_response(ctx, workbook, f"firewall-{stamp}.xlsx")


def import_template_download(ctx: Ctx) -> bytes:
    _need_see(ctx)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = ctx.t("Call firewall")[:31]
    sheet.append([ctx.t(english) for _, english in COLUMNS])
    sheet.append([ctx.t("Black list"), "13800138000", ctx.t("Sales calls"),
                  ctx.t(ACTION_NAMES["reject"]), "", ""])
    notes = workbook.create_sheet(ctx.t("How to fill in")[:31])
    notes.column_dimensions["A"].width = 100
    for line in (
        ctx.t("One number per row, below the header row. Only Number is required."),
        ctx.t("List: Black list or Red list (empty: black). Action, for the black list: Reject: answer and hang up, or Answer with a message (then the message's prompt)."),  # noqa: E501
        ctx.t("Expires: YYYY-MM-DD, the last day the entry counts; empty: never."),
    ):
        notes.append([line])
    return _sheets()._workbook_response(ctx, workbook, "firewall-template.xlsx")


@dataclass
class ImportResult:
    added: int = 0
    filed: bool = False
    skipped: list[tuple[int, str]] = field(default_factory=list)  # row number, why


def _header_keys(header: list[str]) -> list[str | None]:
    return [_HEADERS.get(cell.strip().casefold()) or _HEADERS.get(cell.strip())
            for cell in header]


def _entry_of_row(ctx: Ctx, cells: dict[str, str]) -> ListEntry:
    list_name = _LIST_WORDS.get(cells.get("list", "").strip().casefold())
    if list_name is None:
        raise FirewallError("Choose the black or the red list.")
    action = _ACTION_WORDS.get(cells.get("action", "").strip().casefold())
    if action is None:
        raise FirewallError("Choose reject or answer with a message.")
    return ListEntry(0, list_name, kept_number(ctx, cells.get("number", "")),
                     cells.get("note", ""), action if list_name == "black" else "reject",
                     (cells.get("prompt") or None) if list_name == "black" else None,
                     expires_at=_expiry(ctx, cells.get("expires", "")))


def import_rows(ctx: Ctx, rows: list[list[str]]) -> ImportResult:
    """Check every row; the good ones are added (or filed for approval) in one go."""
    keys = _header_keys(rows[0])
    if "number" not in keys:
        raise _sheets().SheetError(
            ctx.t("The header row has no Number column; start from the template."))
    result = ImportResult()
    firewall = _firewall(ctx)
    good: list[ListEntry] = []
    seen: set[str] = set()
    for offset, row in enumerate(rows[1:]):
        row_number = offset + 2
        cells = {key: value for key, value in zip(keys, row, strict=False) if key}
        if not any(cells.values()):
            continue
        try:
            entry = _entry_of_row(ctx, cells)
            listed = firewall.listed(entry.number)
            if listed is not None or entry.number in seen:
                raise FirewallError(
                    "{number} is on the red list already." if listed and listed.list == "red"
                    else "{number} is on the black list already.", number=entry.number)
            check_entry(entry)
        except FirewallError as error:
            result.skipped.append((row_number, problem_text(ctx, error)))
            continue
        seen.add(entry.number)
        good.append(entry)
    if good:
        if needs_approval(ctx):
            firewall.file_many([PendingChange(0, "add", e.list, e.number, e.note, e.action,
                                              e.message_prompt, e.expires_at,
                                              group_id=ctx.user.group_id) for e in good],
                               _actor(ctx))
            result.filed = True
        else:
            firewall.add_many(good, _actor(ctx))
            tell_engine(ctx)
    result.added = len(good)
    return result


def _limits(ctx: Ctx) -> dict:
    sheets = _sheets()
    return {"max_mb": sheets.MAX_UPLOAD_BYTES // (1024 * 1024), "max_rows": sheets.MAX_ROWS,
            "needs_approval": needs_approval(ctx)}


def import_page(ctx: Ctx) -> str:
    _need_see(ctx)
    return ctx.render("firewall_import.tpl", problem="", result=None, **_limits(ctx))


def import_submit(ctx: Ctx) -> str:
    _need_see(ctx)
    sheets = _sheets()
    limits = _limits(ctx)
    biggest = sheets.MAX_UPLOAD_BYTES
    problem, result = "", None
    upload = ctx.request.files.get("file") \
        if ctx.request.content_length <= biggest + 64 * 1024 else None
    try:
        if ctx.request.content_length > biggest + 64 * 1024:
            raise sheets.UploadTooBigError(ctx.t("The file is too big: at most {n} MB.",
                                          n=limits["max_mb"]))
        if upload is None:
            raise sheets.SheetError(ctx.t("Choose a file to import."))
        data = upload.file.read(biggest + 1)
        if len(data) > biggest:
            raise sheets.UploadTooBigError(ctx.t("The file is too big: at most {n} MB.",
                                          n=limits["max_mb"]))
        no_header = ctx.t("No sheet has a header row with a Number column; start from the template.")  # noqa: E501
        rows = sheets.read_rows(upload.raw_filename or "", data, ctx.t, header_key="number",
                         no_header=no_header, headers=_HEADERS)
        if not rows:
            raise sheets.SheetError(ctx.t("The file is empty."))
        result = import_rows(ctx, rows)
    except sheets.SheetError as error:
        problem = str(error)
        ctx.response.status = error.status
    except FirewallError as error:  # the lists changed while the file was read
        problem = problem_text(ctx, error)
        ctx.response.status = 409
    return ctx.render("firewall_import.tpl", problem=problem, result=result, **limits)

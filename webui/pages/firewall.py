"""The call firewall's page: its black and red lists, its rules, the changes waiting for
approval, and "block this caller" from a call or the pop (Excel in and out:
``webui.pages.firewall_sheets``).

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
from urllib.parse import urlencode

from firmware.config import ConfigError, to_plain, validate
from firmware.country.numbers import describe
from firmware.link import contract
from firmware.schema import SchemaError
from firmware.store.audit import structured_detail
from firmware.store.firewall import (
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
    check_number,
)
from webui.audit_text import schedule
from webui.context import Ctx
from webui.engine_link import EngineUnavailableError

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
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


# ---- who may do what ---------------------------------------------------------------------


def may_see(ctx: Ctx) -> bool:
    return ctx.can("firewall") or ctx.can("admin")


def need_see(ctx: Ctx) -> None:
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
        return firewall_of(ctx).pending()
    if user.level != "leader" or not ctx.can("firewall") or user.group_id is None:
        return []
    found = firewall_of(ctx).pending(group_ids=frozenset({user.group_id}))
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


def firewall_of(ctx: Ctx) -> Firewall:
    return Firewall(ctx.deps.store, ctx.deps.clock)


def actor_of(ctx: Ctx) -> Actor:
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


def expiry_of(ctx: Ctx, text: str) -> float | None:
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


def known_prompts(ctx: Ctx) -> set[str]:
    """How a rule or an entry may name a prompt of the library: its id, or its key."""
    prompts = ctx.deps.prompts.prompts()
    return {str(prompt.id) for prompt in prompts} | {prompt.key for prompt in prompts if prompt.key}


def _chosen_prompt(ctx: Ctx) -> str:
    """The message prompt chosen: "" (the box's own message) or a prompt's id; anything
    else is no choice the page offered."""
    chosen = ctx.form("prompt")[: MAX_PROMPT * 2].strip()
    if chosen and chosen not in known_prompts(ctx):
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
    need_see(ctx)
    chosen = ctx.query("list")
    chosen = chosen if chosen in LISTS else ""
    text = ctx.query("q")[:60]
    firewall = firewall_of(ctx)
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
    need_see(ctx)
    typed = _typed_entry(ctx)
    try:
        number = kept_number(ctx, typed["number"])
        expires_at = expiry_of(ctx, typed["expires"])
        if needs_approval(ctx):
            firewall_of(ctx).file(PendingChange(
                0, "add", typed["list"], number, typed["note"], typed["action"],
                typed["prompt"] or None, expires_at, group_id=ctx.user.group_id), actor_of(ctx))
            _done(ctx, "filed")
        firewall_of(ctx).add(ListEntry(0, typed["list"], number, typed["note"], typed["action"],
                                     typed["prompt"] or None, expires_at=expires_at),
                           actor_of(ctx))
    except FirewallError as error:
        return firewall_page(ctx, problem=problem_text(ctx, error), typed=typed, status=400)
    _done(ctx, "added", tell_engine(ctx))
    return ""


def _entry_of(ctx: Ctx, entry_id: int) -> ListEntry:
    entry = firewall_of(ctx).entry(entry_id)
    if entry is None:
        ctx.fail(404, "Not found.")
    return entry


def entry_page(ctx: Ctx, entry_id: int, *, problem: str = "", typed: dict | None = None,
               status: int = 200) -> str:
    need_see(ctx)
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
    need_see(ctx)
    entry = _entry_of(ctx, entry_id)
    typed = _typed_entry(ctx)
    try:
        expires_at = expiry_of(ctx, typed["expires"])
        if needs_approval(ctx):
            firewall_of(ctx).file(PendingChange(
                0, "edit", entry.list, entry.number, typed["note"], typed["action"],
                typed["prompt"] or None, expires_at, entry_id=entry.id,
                group_id=ctx.user.group_id), actor_of(ctx))
            _done(ctx, "filed")
        changed = firewall_of(ctx).edit(entry.id, actor_of(ctx), note=typed["note"],
                                      action=typed["action"],
                                      message_prompt=typed["prompt"] or None,
                                      expires_at=expires_at)
    except FirewallError as error:
        return entry_page(ctx, entry_id, problem=problem_text(ctx, error), typed=typed,
                          status=400)
    _done(ctx, "saved" if changed else "unchanged", tell_engine(ctx) if changed else None)
    return ""


def entry_delete(ctx: Ctx, entry_id: int) -> str:
    need_see(ctx)
    entry = _entry_of(ctx, entry_id)
    try:
        if needs_approval(ctx):
            firewall_of(ctx).file(PendingChange(
                0, "remove", entry.list, entry.number, entry_id=entry.id,
                group_id=ctx.user.group_id), actor_of(ctx))
            _done(ctx, "filed")
        firewall_of(ctx).remove(entry.id, actor_of(ctx))
    except FirewallError as error:
        return entry_page(ctx, entry_id, problem=problem_text(ctx, error), status=409)
    _done(ctx, "removed", tell_engine(ctx))
    return ""


# ---- approvals ------------------------------------------------------------------------------


def pending_decide(ctx: Ctx, pending_id: int) -> str:
    need_see(ctx)
    firewall = firewall_of(ctx)
    change = firewall.pending_change(pending_id)
    if change is None or not may_decide(ctx, change):
        ctx.fail(404, "Not found.")
    decision = ctx.form("decision")
    if decision not in ("approve", "refuse"):
        ctx.fail(400, "Say approve or refuse.")
    try:
        firewall.decide(change.id, decision == "approve", actor_of(ctx))
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
            rule = firewall_of(ctx).rule(rule_id)
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
        firewall_of(ctx).add_rule(_rule_from(typed), actor_of(ctx))
    except FirewallError as error:
        return rule_page(ctx, problem=problem_text(ctx, error), typed=typed, status=400)
    _done(ctx, "saved", tell_engine(ctx), "#rules")
    return ""


def rule_submit(ctx: Ctx, rule_id: int) -> str:
    _need_admin(ctx)
    typed = _typed_rule(ctx)
    if firewall_of(ctx).rule(rule_id) is None:
        ctx.fail(404, "Not found.")
    try:
        changed = firewall_of(ctx).update_rule(_rule_from(typed, rule_id), actor_of(ctx))
    except FirewallError as error:
        return rule_page(ctx, rule_id, problem=problem_text(ctx, error), typed=typed,
                         status=400)
    _done(ctx, "saved" if changed else "unchanged", tell_engine(ctx) if changed else None,
          "#rules")
    return ""


def rule_delete(ctx: Ctx, rule_id: int) -> str:
    _need_admin(ctx)
    try:
        firewall_of(ctx).remove_rule(rule_id, actor_of(ctx))
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
        moved = firewall_of(ctx).move_rule(rule_id, direction == "up", actor_of(ctx))
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
        firewall_of(ctx).file(PendingChange(0, "add", "black", number, note,
                                          group_id=ctx.user.group_id), actor_of(ctx),
                            target=target)
        return "filed"
    firewall_of(ctx).add(ListEntry(0, "black", number, note), actor_of(ctx), target=target)
    tell_engine(ctx)
    return "added"

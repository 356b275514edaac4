"""Memos and reminders (Customers → Memos), birthdays, reminders in every page, presence.

Every signed-in user keeps memos (``firmware.store.memos``): their own, optionally
shared with their group (whose members read them); only the author changes one, and
only the author is reminded of it. A memo's customer is one the author sees (the
customer card lists the reader's own memos of the customer). Birthdays of the
customers the user sees and of their colleagues (their group; every user for admins
and super users) come within the user's own number of days ahead, shown on this page
and in the dashboard's Reminders panel.

Every page polls ``POST /api/reminders`` about once a minute (``reminders.js``): it
says whether the user did something in the page since (their presence) and gets the
reminders that came due, each handed out once (the store marks it notified). The page
shows them, and as a browser notification if the user allowed it (the button on this
page asks the browser, only when clicked).

``POST /presence`` is the user's own choice in the top bar: online or away
(``webui.presence``).
"""

from __future__ import annotations

from datetime import date
from urllib.parse import urlsplit

from firmware.store.audit import structured_detail
from firmware.store.db import NoSuchRowError
from firmware.store.memos import (
    DAYS_AHEAD_MOST,
    PLACE_LIMIT,
    REMIND_BEFORE,
    SUBJECT_LIMIT,
    Memo,
    MemoError,
    Memos,
    Reader,
    parse_birthday,
)
from firmware.store.presence import PRESENCE_CHOICES
from firmware.store.scopes import OwnerScope
from webui.context import Ctx, row_id
from webui.presence import presence

CUSTOMERS_OFFERED = 500  # customers in the form's list (the one chosen is always there)
DAY_S = 86400
MEMO_FIELDS = ("subject", "at", "place", "importance", "remind_before_min", "customer",
               "shared", "done")


def remind_labels(t) -> dict[int, str]:
    return {
        0: t("At its time"),
        5: t("5 minutes before"),
        15: t("15 minutes before"),
        30: t("30 minutes before"),
        60: t("1 hour before"),
        120: t("2 hours before"),
        1440: t("1 day before"),
        2880: t("2 days before"),
        10080: t("1 week before"),
    }


def importance_labels(t) -> dict[str, str]:
    return {"low": t("Low"), "normal": t("Normal"), "high": t("High")}


def memos(ctx: Ctx) -> Memos:
    return Memos(ctx.deps.store, ctx.deps.clock)


def reader(ctx: Ctx) -> Reader:
    """The signed-in user as a reader of memos: a memo's customer is named to those who see
    it (none without the customer list)."""
    customers = ctx.principal.owner_scope() if ctx.can("customers_view") else OwnerScope()
    return Reader(ctx.user.id, ctx.user.group_id, customers)


def staff_seen(ctx: Ctx) -> frozenset[int] | None:
    """Whose birthdays among the users this user is shown: every user's (None) for admins
    and super users, their group's otherwise (themselves only without a group)."""
    if ctx.principal.is_super or ctx.can("admin"):
        return None
    if ctx.user.group_id is None:
        return frozenset({ctx.user.id})
    return frozenset(user.id for user in ctx.deps.accounts.group_members(ctx.user.group_id))


def birthdays(ctx: Ctx, days: int):
    store = memos(ctx)
    customers = ctx.principal.owner_scope() if ctx.can("customers_view") else None
    return store.birthdays(store.today(ctx.t.utc_offset_s), days, customers, staff_seen(ctx))


def panel(ctx: Ctx) -> dict:
    """The dashboard's Reminders panel: the user's memos not done up to N days ahead
    (overdue ones first) and the birthdays of the next N days."""
    store = memos(ctx)
    days = store.days_ahead(ctx.user.id)
    now = ctx.deps.clock()
    return {
        "days": days,
        "memos": store.until(reader(ctx), now + (days + 1) * DAY_S),
        "birthdays": birthdays(ctx, days),
        "now": now,
    }


def customer_memos(ctx: Ctx, customer_id: int) -> list[Memo]:
    """The user's own memos about a customer (its card)."""
    return memos(ctx).of_customer(reader(ctx), customer_id)


def _local_input(ctx: Ctx, at: float) -> str:
    return f"{ctx.t.iso_date(at)}T{ctx.t.time_of_day(at)[:5]}"


def _blank(ctx: Ctx) -> dict:
    customer = ctx.query("customer")
    return {"subject": "", "at": _local_input(ctx, ctx.deps.clock() + 3600), "place": "",
            "importance": "normal", "remind_before_min": "15",
            "customer": customer if customer.isdigit() and len(customer) <= 18 else "",
            "shared": False, "done": False}


def _typed_of(memo: Memo) -> dict:
    return {"subject": memo.subject, "at": memo.at.replace(" ", "T"), "place": memo.place,
            "importance": memo.importance, "remind_before_min": str(memo.remind_before_min),
            "customer": "" if memo.customer_id is None else str(memo.customer_id),
            "shared": memo.shared, "done": memo.done}


def _typed_from_form(ctx: Ctx) -> dict:
    return {
        "subject": ctx.form("subject")[: SUBJECT_LIMIT + 1],
        "at": ctx.form("at")[:40],
        "place": ctx.form("place")[: PLACE_LIMIT + 1],
        "importance": ctx.form("importance")[:20],
        "remind_before_min": ctx.form("remind_before_min")[:10],
        "customer": ctx.form("customer")[:20],
        "shared": ctx.form("shared") == "yes",
        "done": ctx.form("done") == "yes",
    }


def _fields(ctx: Ctx, typed: dict) -> dict:
    """The store's fields of a typed memo; MemoError names the field that is wrong."""
    remind = typed["remind_before_min"]
    if not remind.isdigit() or int(remind) not in REMIND_BEFORE:
        raise MemoError("Remind me: choose one of the times offered.")
    customer_id = None
    if typed["customer"]:
        text = typed["customer"]
        found = None
        if text.isdigit() and len(text) <= 18 and ctx.can("customers_view"):
            found = ctx.deps.customers.get(int(text), ctx.principal.owner_scope())
        if found is None:
            raise MemoError("Customer: choose one of the customers you see.")
        customer_id = found.id
    return {"subject": typed["subject"], "at": typed["at"], "place": typed["place"],
            "importance": typed["importance"], "remind_before_min": int(remind),
            "customer_id": customer_id, "shared": typed["shared"], "done": typed["done"]}


def _problem(ctx: Ctx, error: MemoError) -> str:
    return ctx.t(error.template, **error.values)


def _customers_offered(ctx: Ctx, chosen: str) -> list:
    if not ctx.can("customers_view"):
        return []
    scope = ctx.principal.owner_scope()
    offered = ctx.deps.customers.search(scope, limit=CUSTOMERS_OFFERED)
    customer_id = row_id(chosen)
    if customer_id is not None and all(c.id != customer_id for c in offered):
        found = ctx.deps.customers.get(customer_id, scope)
        if found is not None:
            offered.insert(0, found)
    return offered


def _form_values(ctx: Ctx, typed: dict) -> dict:
    return {"typed": typed, "customers": _customers_offered(ctx, typed["customer"]),
            "remind": remind_labels(ctx.t), "importances": importance_labels(ctx.t),
            "subject_limit": SUBJECT_LIMIT, "place_limit": PLACE_LIMIT}


def _page(ctx: Ctx, typed: dict | None = None, problem: str = "", status: int = 200) -> str:
    ctx.response.status = status
    store = memos(ctx)
    now = ctx.deps.clock()
    days = store.days_ahead(ctx.user.id)
    seen = reader(ctx)
    return ctx.render(
        "memos.tpl", upcoming=store.upcoming(seen, now), past=store.past(seen, now),
        birthdays=birthdays(ctx, days), days=days, days_most=DAYS_AHEAD_MOST, now=now,
        problem=problem, notice=ctx.query("done"), **_form_values(ctx, typed or _blank(ctx)),
    )


def memos_page(ctx: Ctx) -> str:
    return _page(ctx)


def _facts(memo: Memo) -> dict:
    return {"subject": memo.subject, "at": memo.at, "place": memo.place or None,
            "importance": memo.importance, "remind_before_min": memo.remind_before_min,
            "customer": None if memo.customer_id is None else f"customer {memo.customer_id}",
            "shared": memo.shared, "done": memo.done}


def memo_add(ctx: Ctx) -> str:
    typed = _typed_from_form(ctx)
    try:
        memo = memos(ctx).add(ctx.user.id, _fields(ctx, typed), ctx.t.utc_offset_s)
    except MemoError as error:
        return _page(ctx, typed, _problem(ctx, error), 400)
    ctx.audit("memo_added", f"memo {memo.id}", structured_detail("created", **_facts(memo)))
    ctx.redirect("/memos?done=added")


def _own(ctx: Ctx, memo_id: int) -> Memo:
    """The user's own memo; 404 for any other (a shared one is read, not changed)."""
    memo = memos(ctx).get(memo_id, reader(ctx))
    if memo is None or memo.user_id != ctx.user.id:
        ctx.fail(404, "Not found.")
    return memo


def _edit(ctx: Ctx, memo: Memo, typed: dict, problem: str = "", status: int = 200) -> str:
    ctx.response.status = status
    return ctx.render("memo_edit.tpl", memo=memo, problem=problem, **_form_values(ctx, typed))


def memo_page(ctx: Ctx, memo_id: int) -> str:
    memo = _own(ctx, memo_id)
    return _edit(ctx, memo, _typed_of(memo))


def memo_submit(ctx: Ctx, memo_id: int) -> str:
    before = _own(ctx, memo_id)
    typed = _typed_from_form(ctx)
    try:
        after = memos(ctx).change(memo_id, ctx.user.id, _fields(ctx, typed), ctx.t.utc_offset_s)
    except MemoError as error:
        return _edit(ctx, before, typed, _problem(ctx, error), 400)
    except NoSuchRowError:
        ctx.fail(404, "Not found.")
    old, new = _facts(before), _facts(after)
    changes = [(key, old[key], new[key]) for key in old if old[key] != new[key]]
    if changes:
        ctx.audit("memo_changed", f"memo {memo_id}", structured_detail(changes=changes))
    ctx.redirect("/memos?done=saved")


def memo_done(ctx: Ctx, memo_id: int) -> None:
    before = _own(ctx, memo_id)
    done = ctx.form("done") != "no"
    memos(ctx).set_done(memo_id, ctx.user.id, done)
    if done != before.done:
        ctx.audit("memo_changed", f"memo {memo_id}",
                  structured_detail(changes=[("done", before.done, done)]))
    ctx.redirect(_back(ctx.form("back"), "/memos"))


def memo_delete(ctx: Ctx, memo_id: int) -> None:
    memo = _own(ctx, memo_id)
    memos(ctx).delete(memo_id, ctx.user.id)
    ctx.audit("memo_deleted", f"memo {memo_id}", structured_detail("deleted", **_facts(memo)))
    ctx.redirect("/memos?done=deleted")


def settings_submit(ctx: Ctx) -> str:
    """How many days ahead the user is shown birthdays and memos."""
    text = ctx.form("days_ahead")
    store = memos(ctx)
    before = store.days_ahead(ctx.user.id)
    try:
        if not text.isdigit() or len(text) > 3:
            raise MemoError("Days ahead: 0 to {n}.", n=DAYS_AHEAD_MOST)
        store.set_days_ahead(ctx.user.id, int(text))
    except MemoError as error:
        return _page(ctx, problem=_problem(ctx, error), status=400)
    if before != int(text):
        ctx.audit("memo_settings_changed", ctx.user.username,
                  structured_detail(changes=[("days_ahead", before, int(text))]))
    ctx.redirect("/memos?done=saved")


# ---- the reminders every page asks for, and presence ---------------------------------


def reminders_json(ctx: Ctx) -> str:
    """The reminders that came due, each once; ``active`` in the body: the user did
    something in the page since the last ask (their presence)."""
    body = ctx.json_body()
    found = presence(ctx)
    if body.get("active") is True:
        found.active(ctx.user.id)
    t = ctx.t
    importance = importance_labels(t)
    due = [
        {"id": memo.id, "subject": memo.subject, "at": t.datetime(memo.due_at),
         "place": memo.place, "importance": memo.importance,
         "importance_label": importance[memo.importance],
         "customer": memo.customer_name or "", "url": f"/memos/{memo.id}"}
        for memo in memos(ctx).claim_due(ctx.user.id, ctx.deps.clock())
    ]
    return ctx.json({"due": due, "presence": found.state(ctx.user.id),
                     "title": t("Reminder")})


def _back(target: str, default: str) -> str:
    """A path on this box to go back to, or ``default``."""
    parts = urlsplit(target)
    odd = any(character == "\\" or ord(character) < 0x20 for character in target)
    if odd or parts.scheme or parts.netloc or not target.startswith("/") \
            or target.startswith("//"):
        return default
    return target


def presence_submit(ctx: Ctx) -> str | None:
    """The user's own presence: online or away (the top bar)."""
    chosen = ctx.form("presence")
    if chosen not in PRESENCE_CHOICES:
        ctx.fail(400, "Presence: choose online or away.")
    found = presence(ctx)
    before = found.choose(ctx.user.id, chosen)
    if before != chosen:
        ctx.audit("presence_changed", ctx.user.username,
                  structured_detail(changes=[("presence", before, chosen)]))
    if ctx.wants_json:
        return ctx.json({"presence": found.state(ctx.user.id), "chosen": chosen})
    ctx.redirect(_back(ctx.form("back"), "/"))
    return None


def chosen_presence(ctx: Ctx) -> str:
    """The top bar's selector: the user's own choice."""
    try:
        return presence(ctx).chosen(ctx.user.id)
    except Exception:  # the bar never breaks a page
        return "online"


# ---- birthdays of the staff ----------------------------------------------------------


def staff_birthday(ctx: Ctx, user_id: int) -> str:
    return memos(ctx).staff_birthday(user_id) or ""


def _set_birthday(ctx: Ctx, user, text: str) -> str | None:
    """Save ``user``'s birthday; the problem, in the reader's words, if it is no date."""
    store = memos(ctx)
    try:
        born = parse_birthday(text[:40], date.fromisoformat(ctx.t.iso_date(ctx.deps.clock())))
    except MemoError as error:
        return _problem(ctx, error)
    before = store.staff_birthday(user.id)
    store.set_staff_birthday(user.id, born)
    if before != born:
        ctx.audit("user_changed", user.username,
                  structured_detail(changes=[("birthday", before or "", born or "")]))
    return None


def account_birthday(ctx: Ctx) -> str | None:
    """The user's own birthday (My account)."""
    problem = _set_birthday(ctx, ctx.user, ctx.form("birthday"))
    if problem:
        from webui.pages.account import _account  # noqa: PLC0415 - the page it belongs on

        ctx.response.status = 400
        return _account(ctx, problem, "")
    ctx.redirect("/account?saved=birthday")
    return None


def user_birthday(ctx: Ctx, user_id: int) -> None:
    """A user's birthday, set by an admin (their page in Settings → Users)."""
    target = ctx.deps.accounts.user(user_id)
    if target is None:
        ctx.fail(404, "Not found.")
    if target.level == "super" and not ctx.principal.is_super:
        ctx.fail(403, "Only a super user may change a super user.")
    problem = _set_birthday(ctx, target, ctx.form("birthday"))
    if problem:
        ctx.fail(400, "{problem}", problem=problem)
    ctx.redirect(f"/admin/users/{target.id}?done=saved")



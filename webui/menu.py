"""The top bar's menu: what each user sees in it, grouped as the office thinks of its work.

``MENU`` is the whole menu in one table. An entry names its page key (the
``page`` a handler passes to its template, which marks the entry current),
its address, its label (English, translated when drawn) and who sees it.
Entries sit in groups; a group that shows one entry to a user is drawn as
that entry alone, so an operator with little to do is not made to open
menus. Seeing an entry is only a convenience: every page checks its own
rights on the server.

A count shown beside an entry (new voicemail, unread text messages,
changes waiting for approval) comes from its ``badge``; the page's script
keeps the ones marked with a ``data-*`` name current from the event stream.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

Ctx = Any  # webui.context.Ctx; the menu is drawn for it, never imports it


@dataclass(frozen=True)
class Badge:
    count: int
    title: str  # English, translated when drawn
    live_name: str = ""  # the data-* attribute the page's script updates, if it does


@dataclass(frozen=True)
class Entry:
    page: str
    href: str
    label: str
    shown: Callable[[Ctx], bool] = lambda ctx: True
    badge: Callable[[Ctx], Badge | None] | None = None


@dataclass(frozen=True)
class Group:
    label: str  # "" for entries that stand on the bar by themselves
    entries: tuple[Entry, ...] = field(default_factory=tuple)


def _any_of(*flags: str) -> Callable[[Ctx], bool]:
    return lambda ctx: any(ctx.can(flag) for flag in flags)


def _voicemail_badge(ctx: Ctx) -> Badge:
    return Badge(ctx.new_voicemail(), "New messages", "data-voicemail-new")


def _sms_badge(ctx: Ctx) -> Badge:
    from webui.pages.messages import unread_count  # noqa: PLC0415 - pages import the menu

    return Badge(unread_count(ctx), "Unread messages", "data-sms-unread")


def _firewall_badge(ctx: Ctx) -> Badge:
    from webui.pages.firewall import waiting_count  # noqa: PLC0415 - pages import the menu

    return Badge(waiting_count(ctx), "Changes waiting for your approval")


def _service_badge(ctx: Ctx) -> Badge:
    from webui.pages.service import overdue_count  # noqa: PLC0415 - pages import the menu

    return Badge(overdue_count(ctx), "Overdue tickets")


def _low_stock_badge(ctx: Ctx) -> Badge:
    from webui.pages.products import low_stock_count  # noqa: PLC0415 - pages import the menu

    return Badge(low_stock_count(ctx), "Products at or below their low-stock level")


def _sees_tasks(ctx: Ctx) -> bool:
    from webui.pages.dial_tasks import sees_tasks  # noqa: PLC0415 - pages import the menu

    return sees_tasks(ctx)


MENU: tuple[Group, ...] = (
    Group("", (
        Entry("dashboard", "/", "Dashboard"),
        Entry("live", "/live", "Live lines"),
    )),
    Group("Calls", (
        Entry("calls", "/calls", "Call log"),
        Entry("recordings", "/recordings", "Recordings",
              _any_of("recordings_listen", "recordings_download", "audit")),
        Entry("voicemail", "/voicemail", "Voicemail", _any_of("voicemail"), _voicemail_badge),
        Entry("surveys", "/surveys", "Surveys"),
        Entry("reports", "/reports", "Reports", _any_of("reports", "admin")),
        Entry("quality", "/quality", "Quality"),
    )),
    Group("Customers", (
        Entry("customers", "/customers", "Customers", _any_of("customers_view")),
        Entry("service", "/service", "Service", _any_of("service", "admin"), _service_badge),
        Entry("memos", "/memos", "Memos"),
        Entry("knowledge", "/knowledge", "Knowledge base"),
    )),
    Group("Sales", (
        Entry("sales", "/sales", "Opportunities", _any_of("sales")),
        Entry("orders", "/orders", "Orders", _any_of("sales")),
        Entry("products", "/products", "Products", _any_of("sales", "products", "admin"),
              _low_stock_badge),
        Entry("sales_report", "/sales/report", "Sales report", _any_of("sales")),
    )),
    Group("Outbound", (
        Entry("tasks", "/tasks", "Tasks", _sees_tasks),
        Entry("messages", "/messages", "Messages", _any_of("sms"), _sms_badge),
        Entry("campaigns", "/campaigns", "Campaigns", _any_of("campaigns", "admin")),
    )),
    Group("Box", (
        Entry("firewall", "/firewall", "Firewall", _any_of("firewall", "admin"), _firewall_badge),
        Entry("audit", "/audit", "Audit log", _any_of("audit", "admin")),
        Entry("health", "/health", "Health", _any_of("audit", "admin")),
        Entry("archive", "/archive", "Archive", _any_of("audit")),
        Entry("admin", "/admin", "Settings", _any_of("admin")),
    )),
)


@dataclass(frozen=True)
class Shown:
    """One group as one user sees it: its entries they may see, each with its badge."""

    label: str
    entries: tuple[tuple[Entry, Badge | None], ...]
    current: bool  # the page shown is one of its entries

    @property
    def count(self) -> int:
        return sum(badge.count for _, badge in self.entries if badge)


def menu_for(ctx: Ctx, page: str) -> list[Shown]:
    """The groups ``ctx``'s user sees, in order, without the empty ones."""
    shown = []
    for group in MENU:
        entries = tuple(
            (entry, entry.badge(ctx) if entry.badge else None)
            for entry in group.entries
            if entry.shown(ctx)
        )
        if entries:
            current = any(entry.page == page for entry, _ in entries)
            shown.append(Shown(group.label, entries, current))
    return shown


__all__ = ["MENU", "Badge", "Entry", "Group", "Shown", "menu_for"]

"""Operators' presence as the pages use it: shown to leaders, and who gets a call's card first.

A user's presence (``firmware.store.presence.presence_of``) is ``online``, ``away`` or
``offline``: offline when none of their sessions was used for three minutes (every
open page holds the event stream and polls the reminders each minute, so an open
page keeps its user from being offline), away when they chose it in the top bar or
did nothing in a page for fifteen minutes, online otherwise.

The caller's card goes to present operators first (``gets_card``): a user who is
online gets it as their pop rules say; one who is away or offline gets it only when no
one else who would get that card (the ``pop`` flag, the call's line among the lines
they see, their pop rules wanting it) is online, so nobody misses a call.
"""

from __future__ import annotations

from typing import Any

from firmware.store.presence import Presence
from webui.permissions import principal_of

Ctx = Any  # webui.context.Ctx


def presence(ctx: Ctx) -> Presence:
    return Presence(ctx.deps.store, ctx.deps.clock)


def states(ctx: Ctx, user_ids: list[int]) -> dict[int, str]:
    return presence(ctx).states(user_ids)


def _would_pop(ctx: Ctx, user, line: int, number: str | None, e164: str | None) -> bool:
    """Whether ``user`` would get the card of a call on ``line`` from this number."""
    principal = principal_of(user, ctx.deps.accounts)
    if not principal.can("pop") or not principal.sees_line(line):
        return False
    customers: list = []
    if number and principal.can("customers_view"):
        customers = ctx.deps.customers.by_number(e164, number, principal.owner_scope())
    rules = ctx.deps.pop_rules.of(user.id, user.level, bool(user.lines))
    return rules.wants(line, user.lines, customers)


def gets_card(ctx: Ctx, line: int, number: str | None, e164: str | None) -> bool:
    """Whether this user gets the card of a call on ``line`` now (their own rules already
    want it): yes when they are online, or when no one else who would get it is."""
    me = ctx.user.id
    found = presence(ctx)
    if found.state(me) == "online":
        return True
    others = [user for user in ctx.deps.accounts.users() if user.active and user.id != me]
    online = found.states([user.id for user in others])
    return not any(online[user.id] == "online" and _would_pop(ctx, user, line, number, e164)
                   for user in others)

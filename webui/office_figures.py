"""The call figures as the dashboard and the reports show them to one user.

Only the calls of the lines the user may see are counted (their ``LineScope``,
as in the call log). An operator's figures are the calls of their lines: a
line shared by two operators counts for each, and an operator's lines the
reader may not see are left out. Whose figures are listed:

- a super user, or anyone who sees every line: every active user with lines;
- a leader: the users of their group;
- anyone else: themselves.

The dashboard lists operators to leaders and admins only (``lists_operators``).
"""

from __future__ import annotations

from dataclasses import dataclass

from firmware.store.call_figures import Tally
from webui.context import Ctx

BUSY_STATES = frozenset({"ringing", "dialling", "in_call", "silent", "seized"})


@dataclass(frozen=True)
class Operator:
    user_id: int
    name: str
    lines: frozenset[int]  # their lines the reader sees


def lists_operators(ctx: Ctx) -> bool:
    """Whether the dashboard shows this user each operator's figures: leaders and admins."""
    principal = ctx.principal
    return principal.is_super or principal.user.level == "leader" or ctx.can("admin")


def operators_seen(ctx: Ctx) -> list[Operator]:
    """The users whose figures this user may read, each with their lines in the reader's
    scope; users without such lines are left out. By name."""
    principal = ctx.principal
    scope = principal.line_scope()
    if principal.is_super or scope.every_line:
        candidates = ctx.deps.accounts.users()
    elif principal.user.level == "leader":
        candidates = [user for user in ctx.deps.accounts.users()
                      if user.id in principal.group_member_ids]
    else:
        candidates = [principal.user]
    found = []
    for user in candidates:
        lines = frozenset(line for line in user.lines if scope.allows(line))
        if user.active and lines:
            found.append(Operator(user.id, user.shown_name, lines))
    return sorted(found, key=lambda operator: (operator.name.lower(), operator.user_id))


def of_operators(by_line: dict[int, Tally], operators: list[Operator]) -> list[Tally]:
    """Each operator's figures: the sums of their lines'."""
    tallies = []
    for operator in operators:
        tally = Tally()
        for line in operator.lines:
            if line in by_line:
                tally.add(by_line[line])
        tallies.append(tally)
    return tallies


def overall(by_line: dict[int, Tally]) -> Tally:
    tally = Tally()
    for line_tally in by_line.values():
        tally.add(line_tally)
    return tally


def percent(share: float | None) -> str:
    return "—" if share is None else f"{100 * share:.0f}%"


def seconds(value: float | None) -> str:
    """A wait or a talk time as M:SS (H:MM:SS from an hour)."""
    if value is None:
        return "—"
    whole = round(value)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def rating(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"

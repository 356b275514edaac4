"""Voicemail on a line: when to answer (the line's trigger), and keeping the message.

``VoicemailTrigger`` is one of a line's worker ``triggers``: asked after each
step of the state machine, it starts the voicemail act (``firmware.acts.
voicemail``) on a ringing call once it has rung the line's ``rings`` times,
inside the line's weekly windows (none: always), for a caller of one of the
listed customer groups (none listed: any caller; a caller whose number is
unknown or withheld is then not answered). It reads the line's settings
anew each time (``settings``), so a change needs no restart; it asks for a
call once, so a line that cannot be seized is not asked again every frame.

``keep_message`` is the act's ``act_results`` entry: the message's WAV is
written in the line's worker (a two-minute message is 1.9 MB, written once,
atomically), its row through the line's journal (it survives a store that is
away, in order behind the call's own rows), and once the row is in, the
e-mail is queued (``on_kept``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from firmware.acts import voicemail as act
from firmware.acts.steps import Recorded, ScriptResult
from firmware.config import WEEKDAYS, Line, TimeWindow
from firmware.country.numbers import describe
from firmware.engine import state as machine
from firmware.engine.acting import Act
from firmware.engine.actions import LineActions
from firmware.engine.journal import Row
from firmware.store.db import Store
from firmware.store.voicemail import Voicemail, Voicemails, message_name, write_message

log = logging.getLogger(__name__)


def windows(schedule: list[TimeWindow]) -> tuple[machine.Window, ...]:
    def minutes(clock: str) -> int:
        hours, mins = clock.split(":")
        return int(hours) * 60 + int(mins)

    return tuple(
        machine.Window(frozenset(WEEKDAYS.index(day) for day in window.days),
                       minutes(window.start), minutes(window.end))
        for window in schedule
    )


def caller_groups(store: Store, number: str | None, region: str) -> frozenset[str]:
    """The customer groups of the customers with this number (every customer's)."""
    if not number:
        return frozenset()
    keys = [key for key in {number, describe(number, region).e164} if key]
    marks = ", ".join("?" for _ in keys)
    rows = store.connection().execute(
        "SELECT DISTINCT c.category FROM customers c JOIN customer_numbers n "
        f"ON n.customer_id = c.id WHERE (n.number_e164 IN ({marks}) OR n.number IN ({marks})) "
        "AND c.category != ''",
        [*keys, *keys],
    )
    return frozenset(row[0] for row in rows)


class VoicemailTrigger:
    """A line's trigger for voicemail (see the module's text)."""

    def __init__(
        self,
        settings: Callable[[], Line | None],
        groups_of: Callable[[str | None], frozenset[str]] = lambda number: frozenset(),
    ) -> None:
        self.settings = settings
        self.groups_of = groups_of
        self._asked_for: float | None = None  # the call (its start) it already asked for

    def __call__(self, state: machine.LineState, actions: list) -> Act | None:
        call = state.call
        ringing_in = (
            state.phase == machine.Phase.RINGING and call is not None and call.direction == "in"
        )
        # The call firewall decides first; a line's voice menu answers itself (and leads
        # to voicemail when it says so).
        if not ringing_in or state.screening or state.blocked is not None or state.policy.ivr:
            return None
        line = self.settings()
        if line is None or not line.voicemail.enabled:
            return None
        settings = line.voicemail
        if call.rings < settings.rings or self._asked_for == call.started_at:
            return None
        self._asked_for = call.started_at
        if settings.schedule:
            policy = machine.Policy(windows=windows(settings.schedule),
                                    utc_offset_s=state.policy.utc_offset_s,
                                    time_zone=state.policy.time_zone)
            in_hours = machine.in_window(policy, state.last_ring_at or call.started_at)
        else:
            in_hours = True
        rule = act.Rule(settings.rings, frozenset(settings.groups))
        groups = None
        if rule.groups:
            try:
                groups = self.groups_of(call.number)
            except Exception:
                log.exception("the caller's customer groups could not be read")
                groups = frozenset()
        if not rule.wants(call.rings, in_hours, groups):
            return None
        return Act(act.NAME, act.voicemail(settings.greeting, settings.max_s, settings.silence_s))


def keep_message(  # noqa: PLR0917 - bound by functools.partial, the act's result last
    actions: LineActions,
    store: Store,
    folder: Path,
    on_kept: Callable[[Voicemail], None],
    result: ScriptResult,
    call: Row | None,
) -> None:
    """Keep a voicemail act's message: its WAV, then its row, then ``on_kept``."""
    message = result.value
    if not isinstance(message, Recorded) or not message.audio.size:
        return
    facts = dict(actions.call)
    started_at = float(facts.get("answered_at") or facts.get("started_at") or 0.0)
    name = message_name(actions.line, started_at)
    try:
        path, sha256 = write_message(folder, name, message.audio)
    except OSError as error:
        log.error("line %d: a voicemail message could not be written (%s)", actions.line, error)
        actions.on_storage_problem("a voicemail message", error)
        return
    number = facts.get("number")
    log.info("line %d: voicemail message of %.1f s from %s kept (%s)", actions.line,
             message.seconds, number or "an unknown number", path.name)

    def write() -> None:
        call_id = call.id if call is not None else None
        row = {"call_id": call_id, "line": actions.line, "number": number,
               "started_at": started_at, "seconds": round(message.seconds, 2), "path": name,
               "sha256": sha256}
        kept = Voicemail(Voicemails(store).add(**row), **row)
        try:
            on_kept(kept)
        except Exception:
            log.exception("line %d: the voicemail notice could not be queued", actions.line)

    actions.journal.add_voicemail(write)

"""A stand-in for the engine's lines when a dialling task's runner is tested: the clock,
and ``FakeLines``, which answers each ``DialCommand`` the runner sends with the events a
line would tell, later, from a table of what each number does at each attempt.

It checks what the engine and the exchange would suffer from as it goes: a call on a
line that is not free, a number called on two lines at once, a number the call
firewall refuses, a click-to-dial command from a task. Every call it is asked for
is kept in ``placed`` with the time and what the number did.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field

from firmware.link import contract
from firmware.store.db import Store
from firmware.store.firewall import Screen

REGION = "CN"
# What the far end does, with the seconds from the command to the result and the seconds
# the line stays taken after it (the box hangs up; a handed-over call is talked through).
TIMINGS = {
    "busy": (5.0, 1.0),
    "no_answer": (45.0, 1.0),
    "sit": (7.0, 1.0),
    "fax": (14.0, 1.0),
    "notsure": (18.0, 1.0),
    "failed": (2.0, 1.0),
    "no_dial_tone": (6.0, 1.0),
}
MACHINE_S, MESSAGE_S = 16.0, 12.0  # to the decision; the message left after the beep
HUMAN_S, PICK_UP_S, TALK_S = 11.0, 6.0, 90.0


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@dataclass
class Placed:
    """One call the runner asked for."""

    at: float
    line: int
    number: str
    attempt: str
    outcome: str  # what the number did: a result, or "refused" (the line would not place it)
    call_id: int | None = None
    result: str | None = None  # what the line told at the end (None: not told)
    decided_at: float | None = None
    freed_at: float | None = None


@dataclass(order=True)
class _Due:
    at: float
    order: int
    event: contract.Event = field(compare=False)
    placed: Placed = field(compare=False)


class FakeLines:
    """The lines as the runner sees them: ``dial``, ``line_free``; ``deliver(to)`` hands
    the runner the events due by then; ``crash`` is the engine stopping."""

    def __init__(self, store: Store, truth: dict[str, list[str]], clock: Clock, *,
                 screen: Callable[[], Screen], refuse_every: int = 0) -> None:
        self.store = store
        self.truth = truth  # number -> what it does at its 1st, 2nd, ... attempt (last repeats)
        self.clock = clock
        self.screen = screen
        self.refuse_every = refuse_every  # every n-th command finds the line busy (the office)
        self.placed: list[Placed] = []
        self.tries: dict[str, int] = {}
        self._due: list[_Due] = []
        self._order = itertools.count()
        self._taken: dict[int, Placed] = {}  # line -> the call on it until freed
        self.problems: list[str] = []

    # ---- the engine's side -------------------------------------------------------------

    def line_free(self, line: int) -> bool:
        taken = self._taken.get(line)
        return taken is None

    def dial(self, command: contract.DialCommand) -> contract.LineReply:
        now = self.clock()
        if command.hand_over:
            self.problems.append(f"{command.attempt}: a task's call must not hand over at once")
        if len(self.placed) and self.refuse_every and len(self.placed) % self.refuse_every == 0:
            self.placed.append(Placed(now, command.line, command.number, command.attempt,
                                      "refused"))
            raise ValueError(contract.DIAL_REFUSALS["busy"].format(line=command.line))
        if command.line in self._taken:
            self.problems.append(f"{command.attempt}: line {command.line} is not free")
        for other in self._taken.values():
            if other.number == command.number:
                self.problems.append(f"{command.attempt}: {command.number} is being called "
                                     f"on line {other.line} already")
        verdict = self.screen().dial_verdict(command.number, now, region=REGION)
        if verdict.blocked:
            self.problems.append(f"{command.attempt}: {command.number} dialled though the "
                                 f"firewall blocks it ({verdict.rule})")
        tries = self.tries.get(command.number, 0)
        self.tries[command.number] = tries + 1
        plan = self.truth[command.number]
        outcome = plan[min(tries, len(plan) - 1)]
        call_id = self.store.start_call(command.line, "out", now, number=command.number)
        placed = Placed(now, command.line, command.number, command.attempt, outcome, call_id)
        self.placed.append(placed)
        self._taken[command.line] = placed
        self._plan(placed, command)
        return contract.LineReply(command.line)

    def _tell(self, placed: Placed, at: float, event_type, **fields) -> None:
        status = contract.LineStatus(placed.line, phase=contract.Phase.SEIZED,
                                     call_id=placed.call_id, direction="out",
                                     number=placed.number)
        event = event_type(placed.line, placed.call_id, status, number=placed.number,
                           attempt=placed.attempt, **fields)
        heapq.heappush(self._due, _Due(at, next(self._order), event, placed))

    def _plan(self, placed: Placed, command: contract.DialCommand) -> None:
        start, outcome = placed.at, placed.outcome
        self._tell(placed, start + 1.0, contract.DialProgress, stage="dial_tone")
        if outcome == "no_dial_tone":
            self._end(placed, start + 6.0, "no_dial_tone", None, taken_after_s=1.0)
            return
        self._tell(placed, start + 1.5, contract.DialProgress, stage="dialling")
        if outcome == "busy":
            self._tell(placed, start + 4.0, contract.DialProgress, stage="busy")
        elif outcome != "failed":
            self._tell(placed, start + 4.0, contract.DialProgress, stage="ringing")
        if outcome in ("human", "handed_over"):
            answered = start + HUMAN_S - 3.0
            self._tell(placed, answered, contract.DialProgress, stage="answered")
            self._tell(placed, start + HUMAN_S, contract.DialProgress, stage="holding")
            if outcome == "handed_over" and command.hold_s > PICK_UP_S:
                picked = start + HUMAN_S + PICK_UP_S
                self._tell(placed, picked, contract.DialProgress, stage="handed_over")
                self._end(placed, picked, "handed_over", 3.0, taken_after_s=TALK_S)
            else:  # nobody picked up in time
                placed.outcome = "human"
                self._end(placed, start + HUMAN_S + command.hold_s, "human", 3.0,
                          taken_after_s=1.0)
            return
        if outcome == "machine":
            self._tell(placed, start + 8.0, contract.DialProgress, stage="answered")
            left = command.machine_message is not None
            self._end(placed, start + MACHINE_S + (MESSAGE_S if left else 0.0), "machine", 8.0,
                      taken_after_s=1.0, message_left=left)
            return
        at, after = TIMINGS[outcome]
        self._end(placed, start + at, outcome, 4.0 if outcome in ("fax", "notsure") else None,
                  taken_after_s=after)

    def _end(self, placed: Placed, at: float, result: str, decided_s: float | None, *,
             taken_after_s: float, message_left: bool = False) -> None:
        self._tell(placed, at, contract.DialEnded, result=result, decided_s=decided_s,
                   message_left=message_left)
        placed.freed_at = at + taken_after_s

    # ---- the test's side ----------------------------------------------------------------

    def next_at(self) -> float | None:
        """When the next event is due or a line frees, whichever first."""
        times = [due.at for due in self._due[:1]]
        times += [placed.freed_at for placed in self._taken.values()
                  if placed.freed_at is not None]
        return min(times) if times else None

    def deliver(self, tell: Callable[[contract.Event], object]) -> int:
        """Hand ``tell`` every event due by the clock, in order, and free the lines whose
        call is over; how many events."""
        now = self.clock()
        told = 0
        while self._due and self._due[0].at <= now:
            due = heapq.heappop(self._due)
            if isinstance(due.event, contract.DialEnded):
                due.placed.result = due.event.result
                due.placed.decided_at = due.at
            tell(due.event)
            told += 1
        for line, placed in list(self._taken.items()):
            if placed.freed_at is not None and placed.freed_at <= now:
                del self._taken[line]
                self.store.end_call(placed.call_id, "answered", placed.freed_at)
        return told

    def crash(self) -> list[Placed]:
        """The engine stops: the calls under way are cut, their results never told."""
        cut = [placed for placed in self._taken.values() if placed.result is None]
        for placed in cut:
            placed.outcome = "cut"
        self._due.clear()
        for placed in self._taken.values():
            self.store.end_call(placed.call_id, "answered", self.clock())
        self._taken.clear()
        return cut

    def undecided(self) -> int:
        """Calls under way whose result is not told yet."""
        return sum(placed.result is None for placed in self._taken.values())

"""Scenario files: the calls a simulated office makes and receives.

A scenario is a TOML file::

    country = "CN"          # the profile: ring cadence, tones, caller-ID standard
    lines = 4
    loop = true             # start again when the last call is over (the demo office)

    [[call]]
    line = 1
    at = 5.0                # seconds from the start of the scenario
    direction = "in"        # "in": the line rings; "out": a phone on it dials
    number = "13800138000"
    name = "ZHANG SAN"      # caller-ID name (MDMF); "" for none
    caller_id = "fsk"       # "fsk", "dtmf" or "none"; default: the profile's
    rings = 2               # ring bursts before a phone picks up
    answered = true         # false: nobody answers (inbound: missed; outbound: no answer)
    talk = 40.0             # seconds of conversation
    keys = [{after = 5.0, keys = "*1"}]   # keys pressed on the phone, seconds after the answer
    cue = true              # the line holds before this call, quiet, until the office is cued
                            # (``Office.cue``; ``linerec run``: SIGUSR1); then it comes

A call may be one the box acts on; its caller then hears the box and answers
it frame by frame (``firmware.simulation.callers``)::

    survey = "4"            # after the talk the operator presses the survey's code
                            # (``survey_code``, "*5") and hangs up; the caller presses 4
                            # ("none": the caller presses nothing)
    survey_hangs_up = true  # the caller hangs up during the survey's opening prompt
    voicemail = true        # nobody answers; the box does after ``rings`` rings, and the
    message_s = 12.0        # caller speaks this long after the beep, then hangs up
    ivr_keys = "2"          # the box answers with its menu; the caller presses these
                            # after the welcome prompt
    caller_keys = "1"       # keys the caller presses at the box's first prompt
    keys_when = "during"    # ... during it ("during") or after it ended ("after")
    keys_delay_s = 1.0      # ... this long into it, or after its end
    key_level_dbm0 = -10.0  # how loud the caller's keys reach the box
    hangs_up_after_s = 0.0  # the caller hangs up this long into the box's first prompt
    ivr_to = "survey"       # where the box's menu takes the caller's ivr_keys: "survey" (they
                            # rate with ``survey``), "announcement", "voicemail" (they speak
                            # ``message_s``), "ring_through" (a phone of the office picks up
                            # and they talk for ``talk``); "": they listen to the end
    firewall = "black"      # the caller's number is on the box's black list: the box answers
                            # and hangs up at once ("red": on the red list, it rings on)
    announced = true        # the line announces the call ("may be recorded") as it is
                            # answered (inbound) or connects (outbound)

The office's exchange answers the calls the box places itself
(``firmware.simulation.exchange``): dial tone once the box takes an idle line,
the digits it dials, then the callee the number reaches::

    length_s = 120.0        # the office plays at least this long (the box dials meanwhile)
    dead_lines = [4]        # lines whose exchange gives no dial tone

    [[callee]]
    number = "13812345678"
    answers = "human"       # "human" (hello, then silence), "machine" (a greeting, then a
                            # beep), "fax" (CED), "busy", "sit" (the special information
                            # tone and "not in service"), "no_answer" (ringback until the
                            # box gives up)
    after_rings = 2         # ringback cycles before a human, machine or fax answers

    [[operator]]            # click-to-dial: the operator of line 1 picks up their phone
    line = 1                # this long after the box dialled, talks, hangs up
    picks_up_s = 3.0
    talk_s = 20.0

A number no callee names answers from a mix drawn from the seed.

The box is expected to be set up for them: ``firmware.simulation.demo`` sets a
new box up from a scenario (the lines' voicemail and announcement, the menu, the
firewall's lists), and the checks below keep a scenario's calls consistent with
one such box (every answered call on a line that announces is announced, no
other call on a voicemail line rings as long as its voicemail calls ...).

Every key of a call but ``line``, ``at`` and ``direction`` has a default; an
unknown key, a call on a line the office does not have, or two calls
overlapping on one line are errors naming the call.
"""

from __future__ import annotations

import itertools
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from firmware.country.profiles import PROFILES
from firmware.errors import LinerecError
from firmware.schema import SchemaError, in_range, parse, setting

SCENARIO_DIR = Path(__file__).resolve().parent / "scenarios"
# How long the box's act may hold a call beyond its talk (for the overlap check).
ACT_BOUND_S = {"survey": 50.0, "voicemail": 40.0, "ivr": 60.0, "firewall": 10.0}
# A menu's call by where the caller's keys lead ("": anywhere).
IVR_BOUND_S = {"": 60.0, "survey": 50.0, "announcement": 25.0, "voicemail": 40.0,
               "ring_through": 35.0}
EXTRA_RINGS_S = 20.0  # a voicemail caller lets it ring a few more times than needed


class ScenarioError(LinerecError, ValueError):
    """A scenario file that cannot be played; the message says where and why."""


def _one_of_or_key(value: str, words: tuple[str, ...]) -> str | None:
    return None if value in words else _digits(value)


def _digits(value: str) -> str | None:
    allowed = set("0123456789*#ABCD")
    return None if value and set(value) <= allowed else f"{value!r} is not a string of DTMF digits"


@dataclass(frozen=True)
class KeyPresses:
    """Keys pressed on the line's phone during the call (the talk pauses for them)."""

    after: float = setting(check=in_range(0, 4 * 3600))  # seconds after the answer
    keys: str = setting(check=_digits)


@dataclass(frozen=True)
class CallScript:
    line: int = setting(check=in_range(1, 64))
    at: float = setting(check=in_range(0, 10**7))
    direction: Literal["in", "out"] = "in"
    number: str = setting("13800138000", check=_digits)
    name: str = ""
    caller_id: Literal["fsk", "dtmf", "none", "profile"] = "profile"
    private: Literal["", "O", "P"] = ""  # number withheld: out of area (O) or private (P)
    rings: int = setting(2, check=in_range(1, 20))
    answered: bool = True
    talk: float = setting(30.0, check=in_range(0.5, 4 * 3600))
    busy: bool = False  # outbound: the far end is busy
    keys: list[KeyPresses] = setting([])
    cue: bool = False  # the line holds before the call until the office is cued
    # The box acts on the call (``firmware.simulation.callers``).
    survey: str = setting("", check=lambda value: _one_of_or_key(value, ("", "none")))
    survey_hangs_up: bool = False
    voicemail: bool = False
    message_s: float = setting(10.0, check=in_range(0.5, 600))
    ivr_keys: str = setting("", check=lambda value: _one_of_or_key(value, ("",)))
    caller_keys: str = setting("", check=lambda value: _one_of_or_key(value, ("",)))
    keys_when: Literal["during", "after"] = "during"
    keys_delay_s: float = setting(1.0, check=in_range(0, 60))
    key_level_dbm0: float = setting(-10.0, check=in_range(-30, 0))
    hangs_up_after_s: float = setting(0.0, check=in_range(0, 600))
    ivr_to: Literal["", "survey", "announcement", "voicemail", "ring_through"] = ""
    firewall: Literal["", "black", "red"] = ""
    announced: bool = False

    @property
    def acted_on(self) -> str | None:
        """The act the box is to do in this call, if any."""
        if self.ivr_keys:
            return "ivr"  # its survey, if any, is the menu's
        if self.firewall == "black":
            return "firewall"
        if self.survey:
            return "survey"
        if self.voicemail:
            return "voicemail"
        if self.announced:
            return "announcement"
        return None

    @property
    def box_answers(self) -> bool:
        """The box, not the office, answers the ringing call."""
        return self.acted_on in ("voicemail", "ivr", "firewall")


CALLEE_ANSWERS = ("human", "machine", "fax", "busy", "sit", "no_answer")


@dataclass(frozen=True)
class CalleeScript:
    """Who a number the box dials reaches, and what they do."""

    number: str = setting(check=_digits)
    answers: Literal["human", "machine", "fax", "busy", "sit", "no_answer"] = "human"
    after_rings: int = setting(1, check=in_range(0, 10))
    hangs_up_s: float = setting(0.0, check=in_range(0, 600))  # after answering (0: never)


@dataclass(frozen=True)
class OperatorScript:
    """The operator of ``line`` who clicked Call: they pick up ``picks_up_s`` after the box
    dialled, talk ``talk_s`` with the far end, and hang up. With ``after_answer_s`` (a
    dialling task's operator, for whom the box holds the person who answers) they pick up
    that long after the far end answered instead, if it does."""

    line: int = setting(check=in_range(1, 64))
    picks_up_s: float = setting(3.0, check=in_range(0, 120))
    talk_s: float = setting(10.0, check=in_range(0.5, 4 * 3600))
    after_answer_s: float = setting(0.0, check=in_range(0, 120))


@dataclass(frozen=True)
class Scenario:
    country: Literal["CN", "US", "GB", "DE"] = "CN"
    lines: int = setting(4, check=in_range(1, 64))
    loop: bool = False
    seed: int = 1  # the speech and noise of the calls are drawn from this
    survey_code: str = setting("*5", check=_digits)  # the box's key code for the survey
    call: list[CallScript] = field(default_factory=list)
    # The exchange's side of the calls the box places (``firmware.simulation.exchange``).
    length_s: float = setting(0.0, check=in_range(0, 10**7))
    dead_lines: list[int] = field(default_factory=list)
    callee: list[CalleeScript] = field(default_factory=list)
    operator: list[OperatorScript] = field(default_factory=list)

    def callee_of(self, number: str) -> CalleeScript | None:
        return next((callee for callee in self.callee if callee.number == number), None)

    def operator_of(self, line: int) -> OperatorScript | None:
        return next((operator for operator in self.operator if operator.line == line), None)


def call_length(call: CallScript) -> float:
    """How long a call keeps its line busy, from ``at`` (a generous bound for overlap checks)."""
    cadence = PROFILES["GB"].ring_cadence_s  # the longest ring cycle of any profile is ~6 s
    ringing = call.rings * 6.0 + sum(cadence) if call.direction == "in" else 20.0
    # A call the box answers has talk only once a phone of the office takes it.
    talks = call.answered and (not call.box_answers or call.ivr_to == "ring_through")
    act = IVR_BOUND_S[call.ivr_to] if call.acted_on == "ivr" else ACT_BOUND_S.get(
        call.acted_on, 0.0)
    message = call.voicemail or call.ivr_to == "voicemail"
    return ringing + (call.talk if talks else 10.0) + 2.0 + act + (
        call.message_s + EXTRA_RINGS_S if message else 0.0)


def check_overlaps(scenario: Scenario) -> list[str]:
    problems = []
    by_line: dict[int, list[tuple[int, CallScript]]] = {}
    for index, call in enumerate(scenario.call):
        if call.line > scenario.lines:
            problems.append(f"call[{index}].line: {call.line}, but the office has {scenario.lines}")
        by_line.setdefault(call.line, []).append((index, call))
    for calls in by_line.values():
        calls.sort(key=lambda item: item[1].at)
        for (first_index, first), (second_index, second) in itertools.pairwise(calls):
            if second.at < first.at + call_length(first):
                problems.append(
                    f"call[{second_index}].at: {second.at} s starts while call[{first_index}] "
                    f"may still hold line {first.line} (until about "
                    f"{first.at + call_length(first):.0f} s)"
                )
    return problems


def check_keys(scenario: Scenario) -> list[str]:
    """Keys are pressed during the talk: from the answer to its end."""
    problems = []
    for index, call in enumerate(scenario.call):
        for number, presses in enumerate(call.keys):
            if presses.after + 0.5 * len(presses.keys) > call.talk:
                problems.append(
                    f"call[{index}].keys[{number}].after: {presses.after} s leaves no time to "
                    f"press {presses.keys!r} before the talk ends ({call.talk} s)"
                )
    return problems


def check_acts(scenario: Scenario) -> list[str]:
    """At most one act per call, on a call it can happen in."""
    problems = []
    for index, call in enumerate(scenario.call):
        in_menu = call.ivr_keys and call.ivr_to == "survey"  # the menu's survey
        acts = [name for name, on in (
            ("survey", call.survey and not in_menu), ("voicemail", call.voicemail),
            ("ivr_keys", call.ivr_keys), ("firewall", call.firewall == "black"),
            ("announced", call.announced)) if on]
        if len(acts) > 1:
            problems.append(f"call[{index}]: {' and '.join(acts)} in one call")
        if call.survey and not call.answered:
            problems.append(f"call[{index}].survey: the call must be answered for a survey")
        if (call.voicemail or call.ivr_keys or call.firewall) and call.direction != "in":
            problems.append(f"call[{index}]: {(acts or ['firewall'])[-1]} needs an inbound "
                            "call")
        if call.survey_hangs_up and not call.survey:
            problems.append(f"call[{index}].survey_hangs_up: the call has no survey")
        problems += _check_new_acts(index, call)
    return problems


def _check_new_acts(index: int, call: CallScript) -> list[str]:
    problems = []
    if call.ivr_to and not call.ivr_keys:
        problems.append(f"call[{index}].ivr_to: the call has no ivr_keys")
    if call.firewall == "black" and (call.private or call.caller_id == "none"):
        problems.append(f"call[{index}].firewall: a caller without caller ID is not on a list")
    if call.announced and not call.answered and call.direction == "in":
        problems.append(f"call[{index}].announced: the call must be answered")
    return problems


def _check_rings(line: int, calls: list[tuple[int, CallScript]]) -> list[str]:
    """No call on a line the box answers after some rings rings that long itself."""
    problems = []
    for kind, rings_of in (("voicemail", lambda c: c.voicemail),
                           ("ivr_keys", lambda c: bool(c.ivr_keys))):
        rings = {call.rings for _, call in calls if rings_of(call)}
        if len(rings) > 1:
            problems.append(f"line {line}: its {kind} calls ring {sorted(rings)} times: "
                            "the box answers after one number of rings")
        if not rings:
            continue
        answers_at = min(rings)  # voicemail as that ring begins, a menu once it ended
        for index, call in calls:
            if call.direction != "in" or call.box_answers:
                continue
            # (A phone picks up in the ring it answers in, as that ring ends: the box's
            # menu may take the call first.)
            if call.rings >= answers_at:
                problems.append(f"call[{index}].rings: {call.rings}, but the box answers "
                                f"line {line} after {answers_at} ({kind})")
    return problems


def check_box(scenario: Scenario) -> list[str]:
    """The calls expect one box: a line that announces announces every answered call of
    its directions; no other call on a voicemail or menu line rings long enough for the
    box to answer it; a number is on one list of the firewall for all its calls."""
    problems = []
    by_line: dict[int, list[tuple[int, CallScript]]] = {}
    for index, call in enumerate(scenario.call):
        by_line.setdefault(call.line, []).append((index, call))
    for line, calls in sorted(by_line.items()):
        announced = {call.direction for _, call in calls if call.announced}
        for index, call in calls:
            # An outbound call is announced once its dialling ended, answered or not.
            if (call.answered or call.direction == "out") and call.direction in announced \
                    and not call.acted_on:
                problems.append(f"call[{index}]: line {line} announces its "
                                f"{call.direction}bound calls: mark it announced")
        problems += _check_rings(line, calls)
    lists: dict[str, set[str]] = {}
    for call in scenario.call:
        if call.direction == "in" and not call.private:
            lists.setdefault(call.number, set()).add(call.firewall)
    for number, found in sorted(lists.items()):
        if len(found) > 1:
            names = ", ".join(repr(name or "none") for name in sorted(found))
            problems.append(f"number {number}: its calls name different lists ({names})")
    return problems


def check_exchange(scenario: Scenario) -> list[str]:
    """A callee per number, an operator per line, lines the office has."""
    problems = []
    numbers = [callee.number for callee in scenario.callee]
    for number in sorted({n for n in numbers if numbers.count(n) > 1}):
        problems.append(f"callee {number}: named twice")
    lines = [operator.line for operator in scenario.operator]
    for line in sorted({n for n in lines if lines.count(n) > 1}):
        problems.append(f"operator of line {line}: named twice")
    for line in sorted({*lines, *scenario.dead_lines}):
        if not 1 <= line <= scenario.lines:
            problems.append(f"line {line}: the office has lines 1 to {scenario.lines}")
    return problems


def load(source: str | Path) -> Scenario:
    """A scenario from a file path, or the name of one shipped with the box ("demo-office")."""
    path = Path(source)
    if not path.suffix:
        path = SCENARIO_DIR / f"{source}.toml"
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        shipped = ", ".join(sorted(p.stem for p in SCENARIO_DIR.glob("*.toml")))
        raise ScenarioError(f"{path}: no such scenario (shipped: {shipped})") from None
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise ScenarioError(f"{path}: {error}") from error
    return from_document(document, str(path))


def from_document(document: dict, origin: str = "scenario") -> Scenario:
    try:
        scenario = parse(Scenario, document)
    except SchemaError as error:
        raise ScenarioError(f"{origin}: " + "; ".join(error.problems)) from error
    problems = (check_overlaps(scenario) + check_keys(scenario) + check_acts(scenario)
                + check_box(scenario) + check_exchange(scenario))
    if problems:
        raise ScenarioError(f"{origin}: " + "; ".join(problems))
    return scenario

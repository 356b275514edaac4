"""Reading what a sidecar says, in either version, and the calls rebuilt from sidecars.

Version 2 keeps the recording's facts (line, start, end, encoding, length,
hash, state) apart from its call's (``call``), and once the recording is
compressed after the call, its stored file's (``stored``). Version 1 spread the call's
facts over the document, so its ``started_at`` is the call's start; the
recording's own start is then its end less its length, or the index row's,
or the time in its file name. ``CallRebuilder`` brings back the calls a
database lost: one per call id, under that id when it is free, ended when
its last recording ended, never left in progress.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from audio_format import SAMPLE_RATE
from firmware.store.db import Store
from firmware.store.recordings import RECORDING_KEYS, SidecarError

# The call-log columns a sidecar's call facts may fill, as text.
TEXT_FIELDS = ("number", "number_e164", "name", "cid_format", "cid_date", "location_zh",
               "location_en", "carrier_zh", "carrier_en")
ENDED_OUTCOMES = ("answered", "missed", "blocked", "unanswered", "busy", "failed")
SAME_CALL_S = 2.0  # a call in the index is the sidecar's if it started this close to it


@dataclass(frozen=True)
class SidecarFacts:
    """A sidecar, either version, as the recording's facts and its call's."""

    version: int
    line: int | None
    started_at: float | None  # the recording's own start, where the sidecar tells it
    ended_at: float | None
    encoding: str | None
    samples: int | None
    sha256: str | None
    state: str | None
    call: dict = field(default_factory=dict)
    call_started_at: float | None = None  # version 1: the start it holds, often the call's
    # Version 2, once compressed after the call: the stored file's facts
    # (firmware.store.stored_files.StoredFacts.from_document reads them).
    stored: dict | None = None
    # Version 2: where something the box did sounds in the audio (the announcement).
    marks: tuple[tuple[str, float, float], ...] = ()


def marks_of(value: object) -> tuple[tuple[str, float, float], ...]:
    """A sidecar's ``marks`` as (kind, start_s, end_s); what does not read as one is
    left out (a mark is a help to the listener, never a reason to refuse a recording)."""
    found = []
    for mark in value if isinstance(value, list) else []:
        if not isinstance(mark, dict) or not isinstance(mark.get("kind"), str):
            continue
        try:
            start, end = _number(mark.get("start_s")), _number(mark.get("end_s"))
        except ValueError:
            continue
        if start is not None and end is not None and 0 <= start <= end:
            found.append((mark["kind"], start, end))
    return tuple(found)


def restore_marks(store: Store, recording_id: int, facts: SidecarFacts | None) -> None:
    """The marks a sidecar lists, on the recording indexed again from it."""
    for kind, start, end in facts.marks if facts is not None else ():
        try:
            store.add_recording_mark(recording_id, kind, start, end)
        except ValueError:  # a kind this version does not know
            continue


def read_facts(document: dict, where: Path) -> SidecarFacts:
    """The facts of a sidecar document; SidecarError if it is not one."""
    version = document.get("version", 1)
    if version not in (1, 2):
        raise SidecarError(f"{where}: sidecar version {version!r} is not one this box knows (1, 2)")
    try:
        line = _integer(document.get("line"))
        samples = _integer(document.get("samples"))
        ended_at = _number(document.get("ended_at"))
        started_at = _number(document.get("started_at"))
    except (TypeError, ValueError) as error:
        raise SidecarError(f"{where}: not a sidecar ({error})") from error
    sha256 = document.get("sha256") if isinstance(document.get("sha256"), str) else None
    encoding = document.get("encoding") if isinstance(document.get("encoding"), str) else None
    state = document.get("state") if isinstance(document.get("state"), str) else None
    if version == 2:
        call = document.get("call") or {}
        if not isinstance(call, dict):
            raise SidecarError(f"{where}: not a sidecar (its call is a {type(call).__name__})")
        stored = document.get("stored")
        return SidecarFacts(2, line, started_at, ended_at, encoding, samples, sha256, state,
                            dict(call), stored=stored if isinstance(stored, dict) else None,
                            marks=marks_of(document.get("marks")))
    call = {key: value for key, value in document.items() if key not in RECORDING_KEYS}
    in_a_call = "call_id" in call or "direction" in call
    if in_a_call and started_at is not None:
        call["started_at"] = started_at
    own_start = None
    if ended_at is not None and samples is not None:
        own_start = ended_at - samples / SAMPLE_RATE
    elif not in_a_call:
        own_start = started_at  # a recording outside a call: nothing overwrote its start
    return SidecarFacts(1, line, own_start, ended_at, encoding, samples, sha256, state, call,
                        call_started_at=started_at)


def _number(value: object) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{value!r} is not a number")
    return float(value)


def _integer(value: object) -> int | None:
    number = _number(value)
    return None if number is None else int(number)


def start_from_name(name: str) -> float | None:
    """The start in a file name such as L3-20261123-101500-42.wav (local time), if any."""
    parts = name.split("-")
    if len(parts) < 3:
        return None
    try:
        return time.mktime(time.strptime(parts[1] + parts[2], "%Y%m%d%H%M%S"))
    except ValueError:
        return None


def line_from_name(name: str) -> int:
    """The line number from a file name such as L3-20261123-101500-42.wav (1 if unreadable)."""
    head = name.split("-", 1)[0]
    return int(head[1:]) if head.startswith("L") and head[1:].isdigit() else 1


class CallRebuilder:
    """Links recordings indexed again to their calls, bringing back the calls the
    database lost. One per reconcile pass: it remembers the calls it made."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.rebuilt = 0
        self._linked: dict[int, int] = {}  # the sidecar's call id -> the call's id in the index

    def link(self, call: dict, line: int, started_at: float, ended_at: float) -> int | None:
        """The index's id of the call of a recording on ``line`` from ``started_at`` to
        ``ended_at``, whose sidecar holds ``call``; None for a recording outside a call."""
        if not call:
            return None
        given = call.get("call_id")
        given = given if isinstance(given, int) and not isinstance(given, bool) else None
        call_started = _safe_number(call.get("started_at"))
        if given is not None and given in self._linked:
            return self._extend(self._linked[given], ended_at)
        if given is not None:
            known = self.store.call(given)
            if known is not None and known.line == line and (
                call_started is None or abs(known.started_at - call_started) <= SAME_CALL_S
            ):
                self._linked[given] = given
                return self._extend(given, ended_at)
        call_id = self._rebuild(call, given, line, call_started or started_at, ended_at)
        if given is not None:
            self._linked[given] = call_id
        return call_id

    def _rebuild(
        self, call: dict, given: int | None, line: int, started_at: float, ended_at: float
    ) -> int:
        direction = call.get("direction") if call.get("direction") in ("in", "out") else "in"
        answered_at = _safe_number(call.get("answered_at"))
        outcome = call.get("outcome")
        if answered_at is not None:
            outcome = "answered"
        elif outcome not in ENDED_OUTCOMES:
            outcome = "missed" if direction == "in" else "unanswered"
        ended_at = max(ended_at, started_at)
        details = {key: call[key] for key in TEXT_FIELDS if isinstance(call.get(key), str)}
        if call.get("reason_absent") in ("O", "P"):
            details["reason_absent"] = call["reason_absent"]
        self.rebuilt += 1
        return self.store.restore_call(
            given,
            line,
            direction,
            started_at,
            answered_at=answered_at,
            outcome=outcome,
            ended_at=ended_at,
            duration_s=max(0.0, ended_at - answered_at) if answered_at is not None else 0.0,
            **details,
        )

    def _extend(self, call_id: int, ended_at: float) -> int:
        """A call ends no earlier than its last recording (one rebuilt before this one's)."""
        known = self.store.call(call_id)
        ended = known is not None and known.outcome != "in_progress" and known.ended_at is not None
        if ended and ended_at > known.ended_at + SAME_CALL_S:
            answered = known.answered_at
            self.store.update_call(
                call_id,
                ended_at=ended_at,
                duration_s=max(0.0, ended_at - answered) if answered is not None else 0.0,
            )
        return call_id


def _safe_number(value: object) -> float | None:
    try:
        return _number(value)
    except ValueError:
        return None

"""What the receivers that report ON and OFF events (DTMF, tones) share.

A C receiver reports a signal's ON when it is confirmed and its OFF when it
has ended, both with sample positions; the public classes give the ended
ones as a list and the one still sounding apart.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TypeVar

from audio_format import SAMPLE_RATE

Heard = TypeVar("Heard")


def follow(
    events: Iterable, on_kind: int, heard: Callable[[object, int | None], Heard], sounding
) -> tuple[list[Heard], Heard | None]:
    """The events in order: the signals that ended, and the one sounding after
    them (``sounding`` when no event changes it). ``heard(event, end)`` makes
    the public object, with ``end`` None for one still sounding."""
    ended = []
    for event in events:
        if event.kind == on_kind:
            sounding = heard(event, None)
        else:
            ended.append(heard(event, int(event.end)))
            sounding = None
    return ended, sounding


def start_seconds(signal) -> float:
    """``start`` in seconds (a property of the event tuples)."""
    return signal.start / SAMPLE_RATE


def end_seconds(signal) -> float | None:
    """``end`` in seconds, None while still sounding."""
    return None if signal.end is None else signal.end / SAMPLE_RATE

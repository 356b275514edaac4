"""Caller ID over FSK: the kernels' character events assembled into messages.

``CallerIdReceiver`` is one line's receiver for one modulation (Bell 202 or
V.23): feed it audio blocks in order, get ``CallerId`` objects as messages
complete. A message starts with the first character after a mark run and
ends when its length byte says so; a burst that stops early gives a
``CallerId`` with ``problem == "truncated"`` and ``checksum_ok`` False.

A receiver can also be handed the FSK events of a demodulator it does not
own (``take_events``): the line engine's front end runs the line's FSK
receiver in the same C call as its other detectors.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from audio_format import SAMPLE_RATE
from dsp_ext.fsk import FskEvent, FskReceiver
from firmware.callerid.message import CallerId, parse_message

__all__ = ["SAMPLE_RATE", "CallerIdReceiver", "decode_fsk"]



class CallerIdReceiver:
    """FSK caller ID on one line; ``standard`` is "bell202" or "v23".

    ``demodulate=False``: no FSK receiver of its own; it is given the
    events of one (``take_events``) instead of audio.
    """

    def __init__(self, standard: str = "bell202", *, demodulate: bool = True) -> None:
        self.standard = standard
        self._fsk = FskReceiver(standard) if demodulate else None
        self._message: bytearray | None = None
        self._start = 0
        self._burst_start: int | None = None

    def reset(self) -> None:
        if self._fsk is not None:
            self._fsk.reset()
        self._message = None
        self._burst_start = None

    def _complete(self) -> bool:
        message = self._message
        return message is not None and len(message) >= 2 and len(message) >= 3 + message[1]

    def _finish(self) -> CallerId:
        message = bytes(self._message or b"")
        self._message = None
        return parse_message(message, self._start / SAMPLE_RATE, self.standard)

    def feed(self, samples: np.ndarray) -> list[CallerId]:
        """Demodulate int16 ``samples``; returns the messages they completed."""
        if self._fsk is None:
            raise RuntimeError("this receiver demodulates nothing: hand it events (take_events)")
        return self.take_events(self._fsk.process(samples))

    def take_events(self, events: Iterable[FskEvent]) -> list[CallerId]:
        """The messages completed by these FSK receiver events (of this standard, in order)."""
        found = []
        for event in events:
            if event.kind in ("seizure", "mark"):
                if self._burst_start is None or event.kind == "seizure":
                    self._burst_start = event.sample
                continue
            if event.kind == "end":
                if self._message:
                    found.append(self._finish())
                self._message = None
                self._burst_start = None
                continue
            if event.first:
                if self._message:
                    found.append(self._finish())
                self._message = bytearray()
                start = self._burst_start if self._burst_start is not None else event.sample
                self._start = start
                self._burst_start = None
            if self._message is None:
                continue  # characters outside a message: nothing to do with caller ID
            self._message.append(event.value)
            if self._complete():
                found.append(self._finish())
        return found

    def finish(self) -> list[CallerId]:
        """End of input: a message still being received is reported as truncated."""
        if self._message:
            return [self._finish()]
        return []


def decode_fsk(samples: np.ndarray, standard: str = "bell202") -> list[CallerId]:
    """Every FSK caller-ID message in ``samples`` (int16), in order."""
    receiver = CallerIdReceiver(standard)
    return receiver.feed(samples) + receiver.finish()

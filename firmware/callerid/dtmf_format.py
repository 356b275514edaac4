"""DTMF caller ID: the digit-string layouts, and a receiver over the DTMF detector.

Layouts (ETSI EN 300 659-1 annexes, and what exchanges in China send):

- ``A<number>C`` with optional ``D<redirecting number>`` and ``B<code>``
  fields before the ``C``; codes ``B00`` (number unavailable) and ``B10``
  (private);
- ``A<number>#``, with ``D1#`` (private), ``D2#`` (international) and
  ``D3#`` (unavailable) when there is no number;
- ``D<number>C`` (Taiwan, Kuwait);
- ``<number>#`` (Denmark, the Netherlands);
- China: any start character and any end character from {A, B, C, D, *, #}
  around the number.
"""

from __future__ import annotations

import re

import numpy as np

from audio_format import SAMPLE_RATE
from firmware.callerid.message import CallerId, CallerIdError

__all__ = ["DtmfCallerIdReceiver", "format_dtmf_cid", "parse_dtmf_cid"]

MARKERS = "ABCD*#"
CODE_REASONS = {"00": "O", "10": "P"}  # B-codes: unavailable, private
HASH_REASONS = {"1": "P", "2": "O", "3": "O"}  # D1# private, D2# international, D3# unavailable
_VARIANT1 = re.compile(r"A(?P<number>\d*)(?:D(?P<redirect>\d+))?(?:B(?P<code>\d\d))?C")
_ABSENT_HASH = re.compile(r"D(?P<code>[123])#")
_CODE_ONLY = re.compile(r"B(?P<code>\d\d)C")
_FRAMED = re.compile(r"(?P<start>[ABCD*#]?)(?P<number>\d+)(?P<end>[ABCD*#])")


def parse_dtmf_cid(digits: str, start_s: float | None = None) -> CallerId:
    """The ``CallerId`` in a DTMF digit string; ``problem`` says when it is not one."""
    text = "".join(c for c in str(digits).upper() if c.isdigit() or c in MARKERS)
    raw = text.encode("ascii")

    def result(**fields) -> CallerId:
        return CallerId("DTMF", raw=raw, start_s=start_s, carrier="dtmf", **fields)

    match = _ABSENT_HASH.fullmatch(text)
    if match:
        return result(reason_absent=HASH_REASONS[match["code"]])
    match = _CODE_ONLY.fullmatch(text) or _VARIANT1.fullmatch(text)
    if match:
        groups = match.groupdict()
        code = groups.get("code")
        if code is not None and code not in CODE_REASONS:
            return result(problem=f"unknown DTMF caller-ID code B{code}")
        number = groups.get("number") or None
        parameters = ((ord("D"), groups["redirect"].encode()),) if groups.get("redirect") else ()
        if number is None and code is None:
            return result(problem="DTMF caller ID without a number or a reason")
        return result(
            number=number,
            reason_absent=CODE_REASONS.get(code) if code else None,
            parameters=parameters,
        )
    match = _FRAMED.fullmatch(text)
    if match and (match["start"] or match["end"] == "#"):
        return result(number=match["number"])
    return result(problem=f"not a DTMF caller-ID layout: {text!r}")


def format_dtmf_cid(number: str, reason_absent: str = "", layout: str = "A_C") -> str:
    """The digits that send ``number`` (or the reason it is withheld) in ``layout``.

    ``layout`` is the start character, "_" for the number, then the end
    character: "A_C", "A_#", "D_C", "_#", or China's choices such as "*_#".
    """
    match = re.fullmatch(r"([ABCD*#]?)_([ABCD*#])", layout)
    if match is None:
        raise CallerIdError(
            f"layout must be a start character (or none), '_' and an end character "
            f"from {MARKERS}, e.g. 'A_C'; got {layout!r}"
        )
    start, end = match.groups()
    if reason_absent:
        if reason_absent not in ("O", "P"):
            raise CallerIdError(f"reason_absent must be 'O' or 'P', got {reason_absent!r}")
        if end == "#":
            return "D1#" if reason_absent == "P" else "D3#"
        return ("B10" if reason_absent == "P" else "B00") + end
    if not number or not number.isdigit():
        raise CallerIdError(f"a DTMF caller-ID number must be digits, got {number!r}")
    return f"{start}{number}{end}"


class DtmfCallerIdReceiver:
    """Groups the DTMF digits of one line into caller-ID strings.

    A string ends at its end character (C or #) or after ``gap_s`` without
    a digit; strings that fit no layout are dropped (dialled digits, say).

    Either the receiver runs a DTMF detector of its own (``feed`` samples),
    or it is shown what a detector the line already runs found
    (``take_digits``), so a line's audio is searched for digits only once.
    """

    def __init__(self, profile: str = "CN", gap_s: float = 0.5, detector=None) -> None:
        if detector is None:
            from dsp_ext.dtmf import DtmfDetector  # noqa: PLC0415 - the DTMF kernels, when used

            detector = DtmfDetector(profile)
        self._detector = detector
        self._gap = int(gap_s * SAMPLE_RATE)
        self._digits: list = []

    def _flush(self) -> list[CallerId]:
        digits, self._digits = self._digits, []
        if not digits:
            return []
        caller_id = parse_dtmf_cid("".join(d.digit for d in digits), digits[0].start / SAMPLE_RATE)
        return [caller_id] if not caller_id.problem else []

    def _take(self, digits: list) -> list[CallerId]:
        found = []
        for digit in digits:
            if self._digits and digit.start - self._digits[-1].end > self._gap:
                found += self._flush()
            self._digits.append(digit)
            if digit.digit in "C#":
                found += self._flush()
        return found

    @property
    def holding(self) -> bool:
        """Digits of a string not finished yet are held (so a quiet frame may still end one)."""
        return bool(self._digits)

    @property
    def ends_after(self) -> int | None:
        """The detector's sample count past which the string held ends without
        another digit (once no digit sounds); None when none is held."""
        return self._digits[-1].end + self._gap if self._digits else None

    def feed(self, samples: np.ndarray) -> list[CallerId]:
        """Run the receiver's detector over ``samples``; the caller-ID strings they completed."""
        return self.take_digits(self._detector.feed(samples))

    def take_digits(self, digits: list) -> list[CallerId]:
        """The digits the detector has just reported (whoever fed it); strings they completed."""
        found = self._take(digits)
        seen = self._detector.samples_seen
        if (
            self._digits
            and seen - self._digits[-1].end > self._gap
            and self._detector.sounding is None
        ):
            found += self._flush()
        return found

    def finish(self) -> list[CallerId]:
        return self._take(self._detector.finish()) + self._flush()

"""One harness for both DTMF receivers: test signals, the receivers, the sweeps.

Signals are built here with numpy from the tone frequencies themselves (not
with either generator under test), with random phases and positions from the
test's seeded ``rng``. Each receiver is a function ``samples -> [(digit,
start, end)]``; every sweep runs the same signals through ``ours`` and
``spandsp`` and returns one row per receiver, so the tables printed by the
tests and those in docs/dtmf.md come from the same code.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from dsp_ext.dtmf import DtmfDetector

RATE = 8000
DBM0_PEAK = 22776.0  # peak of a 0 dBm0 sine (A-law reference, DSP_SPEC.md)
ROWS = (697.0, 770.0, 852.0, 941.0)
COLS = (1209.0, 1336.0, 1477.0, 1633.0)
KEYPAD = "123A456B789C*0#D"
ALL_DIGITS = "0123456789*#ABCD"

Detection = tuple[str, int, int]
Receiver = Callable[[np.ndarray], list[Detection]]


def tones_of(digit: str) -> tuple[float, float]:
    index = KEYPAD.index(digit)
    return ROWS[index // 4], COLS[index % 4]


def amplitude(dbm0: float) -> float:
    return DBM0_PEAK * 10.0 ** (dbm0 / 20.0)


def to_int16(signal: np.ndarray) -> np.ndarray:
    return np.clip(np.round(signal), -32768, 32767).astype(np.int16)


def tone(freq: float, dbm0: float, n: int, rng: np.random.Generator) -> np.ndarray:
    phase = rng.uniform(0, 2 * np.pi)
    return amplitude(dbm0) * np.sin(2 * np.pi * freq * np.arange(n) / RATE + phase)


def dual_tone(
    digit: str,
    n: int,
    rng: np.random.Generator,
    *,
    low_dbm0: float = -10.0,
    high_dbm0: float | None = None,
    low_offset: float = 0.0,
    high_offset: float = 0.0,
) -> np.ndarray:
    """One digit's two tones (float), offsets as fractions of the frequency."""
    low, high = tones_of(digit)
    high_level = low_dbm0 if high_dbm0 is None else high_dbm0
    return tone(low * (1 + low_offset), low_dbm0, n, rng) + tone(
        high * (1 + high_offset), high_level, n, rng
    )


@dataclass
class Train:
    """A test signal: float samples and where each digit really is."""

    samples: np.ndarray
    digits: list[Detection] = field(default_factory=list)


def train(
    parts: Sequence[tuple[str | None, np.ndarray]], rng: np.random.Generator, lead_ms: int = 30
) -> Train:
    """Concatenate (digit or None, float burst) parts after a random lead-in of silence."""
    lead = int(rng.integers(lead_ms * 8, lead_ms * 8 + 26))
    chunks = [np.zeros(lead)]
    truth = []
    at = lead
    for digit, burst in parts:
        if digit is not None:
            truth.append((digit, at, at + burst.size))
        chunks.append(burst)
        at += burst.size
    chunks.append(np.zeros(800))
    return Train(np.concatenate(chunks), truth)


def ours(samples: np.ndarray, profile: str = "CN") -> list[Detection]:
    detector = DtmfDetector(profile)
    return [(d.digit, d.start, d.end) for d in detector.detect(samples)]


def make_spandsp(peer, filter_dialtone: int = -1, chunk: int = 8) -> Receiver:
    ffi, lib = peer

    def spandsp(samples: np.ndarray) -> list[Detection]:
        samples = np.ascontiguousarray(samples, dtype=np.int16)
        limit = samples.size // 400 + 16
        digits = ffi.new("char[]", limit)
        starts = ffi.new("int[]", limit)
        ends = ffi.new("int[]", limit)
        count = lib.peer_spandsp_dtmf_detect(
            ffi.from_buffer("int16_t[]", samples),
            samples.size,
            chunk,
            filter_dialtone,
            digits,
            starts,
            ends,
            limit,
        )
        assert count >= 0, "spandsp's dtmf_rx_init failed"
        # spandsp reports two 102-sample blocks after the event.
        return [
            (digits[i].decode(), starts[i] - 204, (ends[i] - 204) if ends[i] >= 0 else -1)
            for i in range(count)
        ]

    return spandsp


def receivers(peer) -> dict[str, Receiver]:
    return {"linerec": ours, "spandsp": make_spandsp(peer)}


# ---------------------------------------------------------------------------
# Scoring


def matches(found: list[Detection], truth: list[Detection]) -> tuple[int, int]:
    """(correct, false): a found digit is correct when it is the true digit whose
    span it overlaps, each true digit counted once; every other one is false."""
    used = set()
    correct = 0
    for digit, start, found_end in found:
        end = found_end if found_end >= 0 else start + 1
        hit = None
        for i, (true_digit, true_start, true_end) in enumerate(truth):
            if (
                i not in used
                and true_digit == digit
                and start < true_end + 400
                and end > true_start - 400
            ):
                hit = i
                break
        if hit is None:
            continue
        used.add(hit)
        correct += 1
    return correct, len(found) - correct


def edge_accept(points: Sequence[float], ok: Sequence[bool]) -> float | None:
    """The last point of the leading run of passing points (None if the first fails)."""
    last = None
    for point, good in zip(points, ok, strict=True):
        if not good:
            break
        last = point
    return last


def edge_reject(points: Sequence[float], none: Sequence[bool]) -> float | None:
    """The first point from which every later point detects nothing (None if never)."""
    first = None
    for point, silent in zip(points, none, strict=True):
        if silent:
            if first is None:
                first = point
        else:
            first = None
    return first


def table(title: str, header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    cells = [list(map(str, header))] + [[str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    lines = [title, "  ".join(h.ljust(w) for h, w in zip(cells[0], widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in cells[1:]]
    return "\n".join(lines)


def fmt(value: float | None, unit: str = "") -> str:
    return "never" if value is None else f"{value:g}{unit}"


# ---------------------------------------------------------------------------
# Sweeps. Each returns {receiver name: result} for the same signals.


def frequency_sweep(
    peer, rng: np.random.Generator, tone_index: int, sign: int, offsets_pct: Sequence[float]
) -> dict[str, tuple[float | None, float | None]]:
    """Shift one tone by each offset (both tones of its 4 digits at -10 dBm0, 50 ms
    on/off); return (accept edge %, reject edge %) per receiver."""
    freq = (ROWS + COLS)[tone_index]
    digits = [d for d in KEYPAD if freq in tones_of(d)]
    is_low = tone_index < 4
    results = {name: ([], []) for name in receivers(peer)}
    for offset in offsets_pct:
        delta = sign * offset / 100.0
        parts = []
        for digit in digits:
            burst = dual_tone(
                digit,
                400,
                rng,
                low_offset=delta if is_low else 0.0,
                high_offset=0.0 if is_low else delta,
            )
            parts += [(digit, burst), (None, np.zeros(400))]
        signal = train(parts, rng)
        samples = to_int16(signal.samples)
        for name, receiver in receivers(peer).items():
            found = receiver(samples)
            correct, _ = matches(found, signal.digits)
            results[name][0].append(correct == len(digits) and len(found) == len(digits))
            results[name][1].append(len(found) == 0)
    return {
        name: (edge_accept(offsets_pct, ok), edge_reject(offsets_pct, none))
        for name, (ok, none) in results.items()
    }


def level_pair_sweep(
    peer, rng: np.random.Generator, pairs: Sequence[tuple[float, float]], repeats: int = 1
) -> dict[str, list[int]]:
    """For each (low dBm0, high dBm0), the 16 digits (x repeats), 60 ms on / 60 off:
    number correct per point per receiver."""
    counts: dict[str, list[int]] = {name: [] for name in receivers(peer)}
    for low, high in pairs:
        parts = []
        for _ in range(repeats):
            for digit in ALL_DIGITS:
                parts += [(digit, dual_tone(digit, 480, rng, low_dbm0=low, high_dbm0=high))]
                parts += [(None, np.zeros(480))]
        signal = train(parts, rng)
        samples = to_int16(signal.samples)
        for name, receiver in receivers(peer).items():
            found = receiver(samples)
            correct, false = matches(found, signal.digits)
            counts[name].append(correct - false)
    return counts


def duration_sweep(
    peer, rng: np.random.Generator, durations_ms: Sequence[int], repeats: int = 1
) -> dict[str, list[int]]:
    """16 digits (x repeats) of each duration, -10 dBm0, 80 ms apart: digits found."""
    counts: dict[str, list[int]] = {name: [] for name in receivers(peer)}
    for ms in durations_ms:
        parts = []
        for _ in range(repeats):
            for digit in ALL_DIGITS:
                parts += [(digit, dual_tone(digit, ms * 8, rng))]
                parts += [(None, np.zeros(640 + int(rng.integers(0, 26))))]
        signal = train(parts, rng)
        samples = to_int16(signal.samples)
        for name, receiver in receivers(peer).items():
            counts[name].append(len(receiver(samples)))
    return counts


def gap_sweep(
    peer, rng: np.random.Generator, gaps_ms: Sequence[int], repeats: int = 1
) -> dict[str, list[int]]:
    """Each digit as 60 ms tone, a gap, 60 ms tone (16 digits x repeats, 100 ms
    apart): digits found (16 x repeats = bridged, twice that = split)."""
    counts: dict[str, list[int]] = {name: [] for name in receivers(peer)}
    for ms in gaps_ms:
        parts = []
        for _ in range(repeats):
            for digit in ALL_DIGITS:
                burst = dual_tone(digit, 480 * 2 + ms * 8, rng)
                burst[480 : 480 + ms * 8] = 0.0
                parts += [(digit, burst), (None, np.zeros(800 + int(rng.integers(0, 26))))]
        signal = train(parts, rng)
        samples = to_int16(signal.samples)
        for name, receiver in receivers(peer).items():
            counts[name].append(len(receiver(samples)))
    return counts


def noise_sweep(
    peer, rng: np.random.Generator, snrs_db: Sequence[float], digits_per_step: int
) -> dict[str, list[tuple[int, int]]]:
    """Digits at -20 dBm0 per tone, 50 ms on / 50 off, in white noise at each S/N
    (two-tone power over noise power in 0-4 kHz): (correct, false) per step."""
    results: dict[str, list[tuple[int, int]]] = {name: [] for name in receivers(peer)}
    for snr in snrs_db:
        parts = []
        for i in range(digits_per_step):
            digit = ALL_DIGITS[i % 16]
            parts += [(digit, dual_tone(digit, 400, rng, low_dbm0=-20.0))]
            parts += [(None, np.zeros(400))]
        signal = train(parts, rng)
        signal_power = amplitude(-20.0) ** 2  # two tones of A^2/2 each
        noise = rng.normal(0.0, np.sqrt(signal_power / 10 ** (snr / 10)), signal.samples.size)
        samples = to_int16(signal.samples + noise)
        for name, receiver in receivers(peer).items():
            results[name].append(matches(receiver(samples), signal.digits))
    return results


def dial_tone_run(
    peer, rng: np.random.Generator, dial: Sequence[float], under_db: float, repeats: int
) -> dict[str, tuple[int, int, int]]:
    """Digits at -10 dBm0 per tone over continuous dial tone (each component
    `under_db` below a digit tone): (correct, false, total) per receiver."""
    parts = []
    for _ in range(repeats):
        for digit in ALL_DIGITS:
            parts += [(digit, dual_tone(digit, 400, rng)), (None, np.zeros(400))]
    signal = train(parts, rng)
    background = sum(tone(f, -10.0 - under_db, signal.samples.size, rng) for f in dial)
    samples = to_int16(signal.samples + background)
    out = {}
    for name, receiver in receivers(peer).items():
        correct, false = matches(receiver(samples), signal.digits)
        out[name] = (correct, false, len(signal.digits))
    return out

"""DTMF receiver: ours against spandsp's dtmf_rx, one line and eight lines.

The signal is 30 s of digits (50 ms on, 150 ms off, -20 dBm0 per tone) in
white noise at 20 dB S/N, the same buffer for both. Single line: the whole
buffer in one call. Eight lines, in 1 s blocks and in 20 ms frames (as the
line engine gets them), line after line: ours through DtmfDetectorBank from
Python (one call per block for all lines, Python's overhead included),
spandsp's loop in C. The target is at least 2x spandsp's rate.
"""

from __future__ import annotations

import numpy as np

from bench.harness import OURS, Bench
from dsp_ext.dtmf import DtmfDetector, DtmfDetectorBank, dtmf_generate

SECONDS = 30
LINES = 8
FRAME = 160
SEED = 1633  # fixed, so every run times the same buffer


def test_signal(samples: int, seed: int = SEED) -> np.ndarray:
    rng = np.random.default_rng(seed)
    digits = "".join(rng.choice(list("0123456789*#ABCD"), size=samples // 1600 + 1))
    tones = dtmf_generate(digits, level_dbm0=-20.0, on_ms=50, off_ms=150)[:samples]
    # Two tones at -20 dBm0 have the power of one sine of peak 2 * 2278 / sqrt(2).
    noise = rng.normal(0.0, 2278.0 * 10 ** (-20 / 20), samples)
    return np.clip(tones + noise, -32768, 32767).astype(np.int16)


def run(bench: Bench) -> None:
    samples = SECONDS * 8000
    signal = test_signal(samples)
    lines = np.stack([np.roll(signal, 977 * line) for line in range(LINES)])
    peer_ffi, peer = bench.peers_or_note("spandsp DTMF")

    kernel = "DTMF rx, 1 line"
    expected = len(DtmfDetector().detect(signal))
    bench.measure(kernel, OURS, lambda: DtmfDetector().detect(signal), samples, "one call")
    if peer is not None:
        pointer = peer_ffi.from_buffer("int16_t[]", signal)
        bench.measure(
            kernel,
            "spandsp",
            lambda: peer.peer_spandsp_dtmf_run(pointer, samples),
            samples,
            "one call",
        )
        bench.fact(
            "DTMF digits in the 1-line signal",
            f"linerec {expected}, spandsp {peer.peer_spandsp_dtmf_run(pointer, samples)}",
        )

    flat = np.ascontiguousarray(lines)
    for frame, label in ((8000, "1 s"), (FRAME, "20 ms")):
        kernel = f"DTMF rx, {LINES} lines, {label}"
        blocks = [
            np.ascontiguousarray(lines[:, at : at + frame]) for at in range(0, samples, frame)
        ]

        def ours_lines(blocks=blocks):
            bank = DtmfDetectorBank(LINES)
            for block in blocks:
                bank.feed(block)

        bench.measure(kernel, OURS, ours_lines, samples * LINES, "one call per block, from Python")
        if peer is not None:
            pointer = peer_ffi.from_buffer("int16_t[]", flat)
            bench.measure(
                kernel,
                "spandsp",
                lambda pointer=pointer, frame=frame: peer.peer_spandsp_dtmf_run_lines(
                    pointer, LINES, samples, frame
                ),
                samples * LINES,
                "loop in C",
            )

"""Line echo canceller: ours against speexdsp's, at 32, 64 and 128 ms tails.

The line is 10 s of a speech-like far end (band-limited noise in syllable
bursts at -15 dBm0) returned by a synthetic hybrid (ERL 9 dB, 10 ms bulk
delay) with a little noise, both directions through A-law; the same buffers
for both. speexdsp runs as DSP_SPEC.md's peer figures were taken: frame 160,
sampling rate 8000, its loop in C. Ours runs the whole buffer in one call,
and again in 20 ms frames from Python as the line engine feeds it (that row
includes Python's cost per call). The target is at least 2x speexdsp's rate
at the same tail.
"""

from __future__ import annotations

import numpy as np

from bench.harness import OURS, Bench
from dsp_ext import g711
from dsp_ext.echo import TAILS_MS, EchoCanceller

SECONDS = 10
FRAME = 160
SEED = 1920  # fixed, so every run times the same buffers


def bench_line(seconds: int = SECONDS, seed: int = SEED) -> tuple[np.ndarray, np.ndarray]:
    """(far, near) int16 of a line with echo, as a canceller would get them."""
    rng = np.random.default_rng(seed)
    n = seconds * 8000
    spectrum = np.fft.rfft(rng.standard_normal(n))
    freqs = np.fft.rfftfreq(n, 1 / 8000)
    spectrum[(freqs < 300) | (freqs > 3400)] = 0
    voice = np.fft.irfft(spectrum, n)
    syllables = np.repeat(rng.uniform(0, 1, n // 1600 + 1) > 0.3, 1600)[:n]
    envelope = np.convolve(syllables.astype(float), np.hanning(400) / 200, "same")
    far = voice * envelope
    far *= 16096 * 10 ** (-15 / 20) / np.sqrt(np.mean(far[envelope > 0.5] ** 2))
    far = g711.alaw_decode(g711.alaw_encode(np.clip(far, -32768, 32767).astype(np.int16)))
    taps = np.arange(96)
    hybrid = np.exp(-taps / 20) * np.cos(2 * np.pi * 0.11 * taps) - 0.5 * np.exp(-taps / 5)
    echo = np.convolve(far.astype(float), hybrid)[:n]
    echo = np.concatenate([np.zeros(80), echo])[:n]
    echo *= np.sqrt(np.mean(far.astype(float) ** 2) / np.mean(echo**2) * 10 ** (-9 / 10))
    near = echo + rng.normal(0, 5, n)
    near = g711.alaw_decode(g711.alaw_encode(np.clip(near, -32768, 32767).astype(np.int16)))
    return far, near


def state_bytes() -> int:
    from dsp_ext._binding import lib  # noqa: PLC0415 - a size, not an interface

    return int(lib.lr_echo_state_size())


def run(bench: Bench) -> None:
    far, near = bench_line()
    samples = far.size
    peer_ffi, peer = bench.peers_or_note("speexdsp echo")
    out = np.empty_like(near)
    frames = [(far[at : at + FRAME], near[at : at + FRAME]) for at in range(0, samples, FRAME)]

    for tail_ms in TAILS_MS:
        kernel = f"echo canceller, {tail_ms} ms"
        bench.measure(
            kernel,
            OURS,
            lambda tail_ms=tail_ms: EchoCanceller(tail_ms).process(far, near),
            samples,
            "one call",
        )

        def in_frames(tail_ms=tail_ms):
            canceller = EchoCanceller(tail_ms)
            for far_frame, near_frame in frames:
                canceller.process(far_frame, near_frame)

        bench.measure(kernel, f"{OURS} 20 ms", in_frames, samples, "frames from Python")
        if peer is not None:
            far_p = peer_ffi.from_buffer("int16_t[]", far)
            near_p = peer_ffi.from_buffer("int16_t[]", near)
            out_p = peer_ffi.from_buffer("int16_t[]", out)
            bench.measure(
                kernel,
                "speexdsp",
                lambda tail_ms=tail_ms, far_p=far_p, near_p=near_p, out_p=out_p: (
                    peer.peer_speex_echo_run(far_p, near_p, out_p, samples, FRAME, tail_ms * 8)
                ),
                samples,
                "frame 160, loop in C",
            )
    bench.fact("echo canceller state per line", f"{state_bytes()} bytes")
    cleaned = EchoCanceller(64).process(far, near)
    tail = slice(samples // 2, None)
    erle = 10 * np.log10(
        np.sum(near[tail].astype(float) ** 2) / np.sum(cleaned[tail].astype(float) ** 2)
    )
    bench.fact("echo canceller ERLE on the bench line (64 ms, second half)", f"{erle:.1f} dB")

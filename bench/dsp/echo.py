"""Line echo canceller: ours against speexdsp's, at 32, 64 and 128 ms tails.

Quality, from the echo corpus (bench/corpora/echo.py: G.168 echo paths,
G.711 both ways, the CSS and espeak-ng announcements in English and
Mandarin; near-end talk in either language or keys pressed during the
prompt), both cancellers on the same samples, 64 ms tail, one row per line:
steady ERLE (last 4 s of 20 s), early ERLE (over [1, 1.25) s), and in double
talk (the near end talking from 4 to 8 s of 12) what is left with the talk,
in dB under it, and the ERLE over the 2 s after it; each as ours / speexdsp's
and their difference.

Speed: the line is 10 s of a speech-like far end (band-limited noise in syllable
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


# (far end, law, echo path, near end's talk in double talk)
QUALITY_LINES = [
    ("css", "alaw", (2, 6, 0), "speech"),
    ("css", "ulaw", (5, 12, 30), "keys"),
    ("speech", "alaw", (2, 6, 0), "speech"),
    ("speech", "ulaw", (5, 12, 30), "keys"),
    ("speech", "alaw", (8, 9, 15), "speech-zh"),
    ("speech", "ulaw", (9, 6, 20), "speech"),
    ("speech-zh", "alaw", (3, 9, 5), "speech-zh"),
    ("speech-zh", "ulaw", (5, 6, 10), "keys"),
    ("speech-zh", "alaw", (7, 12, 10), "speech"),
    ("speech-zh", "ulaw", (8, 12, 30), "speech-zh"),
]
QUALITY_TAIL_MS = 64


def quality(bench: Bench, peer) -> None:
    """Ours against speexdsp's on the corpus lines, as facts."""
    from bench.corpora import echo as corpus  # noqa: PLC0415 - only with the peer

    run_both = corpus.cancellers(peer)
    sums = {"steady": [], "early": [], "talk": [], "after": []}
    for kind, law, (model, erl, delay), near in QUALITY_LINES:
        path = corpus.EchoPath(model, erl, delay)
        try:
            line = corpus.line_case(peer, corpus.far_signal(kind, 20.0, peer), path, law)
            talk = corpus.double_talk_case(peer, kind, path, law, near=near)
        except corpus.SpeechToolsMissingError as error:
            bench.fact("echo canceller quality", f"not measured: {error}")
            return
        conv = {
            name: corpus.convergence(line, canceller(line.far, line.near, QUALITY_TAIL_MS))
            for name, canceller in run_both.items()
        }
        dt = {
            name: corpus.double_talk(talk, canceller(talk.far, talk.near, QUALITY_TAIL_MS))
            for name, canceller in run_both.items()
        }
        figures = {
            "steady": (conv[OURS].steady, conv["speexdsp"].steady),
            "early": (conv[OURS].erle_1, conv["speexdsp"].erle_1),
            "talk": (dt[OURS].distortion, dt["speexdsp"].distortion),
            "after": (dt[OURS].after, dt["speexdsp"].after),
        }
        for key, pair in figures.items():
            sums[key].append(pair[0] - pair[1])
        text = "; ".join(
            f"{label} {ours:.1f} / {theirs:.1f} ({ours - theirs:+.1f})"
            for label, (ours, theirs) in zip(
                ("steady", "after 1 s", f"left with {near} talk", "after the talk"),
                figures.values(),
                strict=True,
            )
        )
        bench.fact(f"echo {kind} {law} {path}", f"dB, linerec / speexdsp: {text}")
    bench.fact(
        "echo quality, linerec - speexdsp",
        "dB, worst / mean over the lines: "
        + "; ".join(
            f"{label} {min(values):+.1f} / {sum(values) / len(values):+.1f}"
            for label, values in zip(
                ("steady", "after 1 s", "left with the talk", "after the talk"),
                sums.values(),
                strict=True,
            )
        ),
    )


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
    for tail_ms in TAILS_MS:
        kernel = f"echo canceller, {tail_ms} ms"
        rows = {m.implementation: m for m in bench.measurements if m.kernel == kernel}
        if "speexdsp" in rows and f"{OURS} 20 ms" in rows:
            ratio = rows["speexdsp"].seconds / rows[f"{OURS} 20 ms"].seconds
            bench.fact(
                f"echo {tail_ms} ms in 20 ms frames from Python",
                f"{ratio:.2f}x speexdsp's speed (its loop in C), "
                f"{rows['speexdsp'].seconds / rows[OURS].seconds:.2f}x in one call",
            )
    bench.fact("echo canceller state per line", f"{state_bytes()} bytes")
    cleaned = EchoCanceller(64).process(far, near)
    tail = slice(samples // 2, None)
    erle = 10 * np.log10(
        np.sum(near[tail].astype(float) ** 2) / np.sum(cleaned[tail].astype(float) ** 2)
    )
    bench.fact("echo canceller ERLE on the bench line (64 ms, second half)", f"{erle:.1f} dB")
    if peer is not None:
        quality(bench, (peer_ffi, peer))

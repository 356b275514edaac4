"""Call-progress and fax tone detector: ours against spandsp, and our tone generator.

The signal is 90 s of a line playing every tone of the plan in turn (dial,
ringback, busy, congestion, SIT, fax CNG and CED, -20 dBm0) in white noise
20 dB under them, the same buffer for every detector, one C call each.

- The whole detector (its country plan, SIT and the fax tones in one pass)
  against spandsp doing the same job: super_tone_rx with the same plan for
  the call-progress tones and SIT, plus modem_connect_tones_rx for CNG and
  for CED/ANSam, three passes over the buffer. China's plan listens to 6
  frequencies, the US plan to 9.
- Fax CNG alone and CED/ANSam alone: ours with a one-tone plan against
  modem_connect_tones_rx (DSP_SPEC's peer figure: CNG about 22 000x real
  time). The target is at least 20 000x real time for the whole detector.
- Ours in 20 ms frames from Python, as the line engine feeds it.
- The generator (a dual tone with its cadence) against the numpy code the
  simulator used before.

The plans are the firmware's own country plans (``firmware.country.tones``).
"""

from __future__ import annotations

import math
import sys

import numpy as np

from bench import peers
from bench.harness import OURS, Bench, run_benchmarks
from bench.peers.spandsp_tones import SPANDSP_ANSAM_PR, SPANDSP_CNG, super_tone_elements
from dsp_ext import levels
from dsp_ext.tonegen import ToneGenerator, cadence_segments
from dsp_ext.tones import ToneDetector, TonePlan
from firmware.country.profiles import (
    FAX_ANSWER_TONE_ANSAM,
    FAX_CALLING_TONE,
    SPECIAL_INFORMATION_TONE,
    profile,
)
from firmware.country.tones import tone_generator, tone_plan

SECONDS = 90
FRAME = 160
SEED = 425  # fixed, so every run times the same buffer
TONES_IN_TURN = ("dial", "ringback", "busy", "congestion", "sit", "fax_cng", "fax_ced")


def test_signal(country: str, samples: int, seed: int = SEED) -> np.ndarray:
    """Every tone of ``country``'s plan in turn, 8-14 s each, in white noise 20 dB under."""

    tones = {
        **profile(country).tones,
        "sit": SPECIAL_INFORMATION_TONE,
        "fax_cng": FAX_CALLING_TONE,
        "fax_ced": FAX_ANSWER_TONE_ANSAM,
    }
    rng = np.random.default_rng(seed)
    line = np.zeros(samples)
    at = 0
    while at < samples:
        for name in TONES_IN_TURN:
            length = int(rng.uniform(8.0, 14.0) * 8000)
            part = tone_generator(tones[name], -20.0).generate(length).astype(float)
            end = min(samples, at + length)
            line[at:end] = part[: end - at]
            at = end + 4000
            if at >= samples:
                break
    line += rng.normal(0.0, levels.reference_rms() * 10 ** (-40.0 / 20), samples)
    return np.clip(np.round(line), -32768, 32767).astype(np.int16)


def _numpy_tone(frequencies, cadence_s, level_dbm0, samples):
    """The simulator's former tone source: sines by numpy, gated by the cadence."""
    t = np.arange(samples) / 8000
    amplitude = levels.sine_amplitude(level_dbm0)
    signal = sum(np.sin(2 * math.pi * f * t) for f in frequencies) * amplitude
    edges = np.concatenate([[0.0], np.cumsum(cadence_s)])
    segment = np.searchsorted(edges, np.mod(t, sum(cadence_s)), side="right") - 1
    return np.where(segment % 2 == 0, signal, 0.0)


def run(bench: Bench) -> None:
    samples = SECONDS * 8000
    peer_ffi, peer = bench.peers_or_note("spandsp tones")

    for country in ("CN", "US"):
        signal = test_signal(country, samples)
        plan = tone_plan(country)
        kernel = f"tones, {country} plan ({len(plan.frequencies())} freqs)"
        found = ToneDetector(plan).detect(signal)
        bench.measure(
            kernel,
            OURS,
            lambda plan=plan, signal=signal: ToneDetector(plan).detect(signal),
            samples,
            "whole plan, one pass",
        )
        bench.fact(f"tones found in the {country} signal, linerec", " ".join(t.tone for t in found))
        if peer is None:
            continue
        pointer = peer_ffi.from_buffer("int16_t[]", signal)
        cp = [name for name in plan.names() if not name.startswith("fax_")]
        arrays = super_tone_elements(peer_ffi, plan, cp)

        def spandsp_all(pointer=pointer, arrays=arrays, cp=cp):
            return (
                peer.peer_spandsp_super_tone_run(pointer, samples, len(cp), *arrays),
                peer.peer_spandsp_connect_tones_run(pointer, samples, SPANDSP_CNG),
                peer.peer_spandsp_connect_tones_run(pointer, samples, SPANDSP_ANSAM_PR),
            )

        bench.measure(kernel, "spandsp", spandsp_all, samples, "super_tone_rx + 2 connect_tones")
        bench.measure(
            kernel,
            "spandsp super",
            lambda pointer=pointer, arrays=arrays, cp=cp: peer.peer_spandsp_super_tone_run(
                pointer, samples, len(cp), *arrays
            ),
            samples,
            "super_tone_rx alone (call progress + SIT)",
        )

    signal = test_signal("CN", samples)
    plan = tone_plan("CN")
    for name, spandsp_type in (("fax_cng", SPANDSP_CNG), ("fax_ced", SPANDSP_ANSAM_PR)):
        kernel = f"tones, {name} alone"
        single = TonePlan(tuple(p for p in plan.patterns if p.name == name))
        bench.measure(
            kernel,
            OURS,
            lambda single=single: ToneDetector(single).detect(signal),
            samples,
            "one-tone plan",
        )
        if peer is not None:
            pointer = peer_ffi.from_buffer("int16_t[]", signal)
            bench.measure(
                kernel,
                "spandsp",
                lambda pointer=pointer, t=spandsp_type: peer.peer_spandsp_connect_tones_run(
                    pointer, samples, t
                ),
                samples,
                "modem_connect_tones_rx",
            )

    frames = [signal[at : at + FRAME] for at in range(0, samples, FRAME)]

    def ours_frames():
        detector = ToneDetector(plan)
        for frame in frames:
            detector.feed(frame)

    bench.measure(
        "tones, CN plan, 20 ms frames", OURS, ours_frames, samples, "one Python call per frame"
    )

    kernel = "tonegen, dual + cadence"
    segments = cadence_segments((480.0, 620.0), -16.0, (0.5, 0.5))
    bench.measure(kernel, OURS, lambda: ToneGenerator(segments).generate(samples), samples)
    bench.measure(
        kernel,
        "numpy",
        lambda: _numpy_tone((480.0, 620.0), (0.5, 0.5), -19.0, samples),
        samples,
        "the simulator's former code",
    )


def run_once(country: str, implementation: str) -> None:
    """One pass of one detector over the benchmark signal (720 000 samples),
    for instruction counts under valgrind: ``linerec`` (the whole plan),
    ``super`` (spandsp's super_tone_rx), ``cng`` or ``ansam`` (spandsp's
    modem_connect_tones_rx)."""

    samples = SECONDS * 8000
    signal = test_signal(country, samples)
    plan = tone_plan(country)
    if implementation == "linerec":
        ToneDetector(plan).detect(signal)
        return
    peer_ffi, peer = peers.load()
    pointer = peer_ffi.from_buffer("int16_t[]", signal)
    if implementation == "super":
        cp = [name for name in plan.names() if not name.startswith("fax_")]
        arrays = super_tone_elements(peer_ffi, plan, cp)
        peer.peer_spandsp_super_tone_run(pointer, samples, len(cp), *arrays)
    else:
        kind = {"cng": SPANDSP_CNG, "ansam": SPANDSP_ANSAM_PR}[implementation]
        peer.peer_spandsp_connect_tones_run(pointer, samples, kind)


def main(argv: list[str]) -> int:
    """``python -m bench.tones``: the benchmark; ``... COUNTRY IMPLEMENTATION``: one pass."""
    if argv:
        run_once(*argv[:2])
        return 0
    return run_benchmarks([run])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

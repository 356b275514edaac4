"""The line engine's per-frame detector path: the front end against the old path and spandsp.

``python -m bench.front`` feeds 8 lines 20 ms frame by frame, from Python,
as the engine's line workers do, through:

- ``LineDetectors.feed`` (the engine's own path: one C call per line per
  frame, ``lr_front_feed`` given the frame's bytes, then the events made
  from what it found);
- ``LineFrontBank`` (one C call per tick for all 8 lines, the findings
  only, the FSK characters as caller-ID messages as the engine takes them:
  what a tick-driven engine would pay);
- ``SeparateDetectors`` (the old path, kept here as the reference: the
  DTMF receiver, the voice detector and the FSK caller-ID receiver each
  called on their own, the events made the same way);
- spandsp's equivalent loop in C: ``dtmf_rx``, a power meter over every
  sample (the level a voice detector starts from) and, while the line
  waits for caller ID, ``adsi_rx`` of the country's FSK standard.

Two line states are measured: in a call (DTMF and voice) and idle (DTMF,
voice and FSK caller ID, as while a line waits for a call). The audio is
10 s of DTMF digits in noise per line, the lines shifted against each
other. The contenders take turns, call by call, and each keeps its best
call of ROUNDS. The target: the engine's path at least 2x spandsp's rate.

A line's frame costs the engine's path a Python call into ``feed``, a cffi
call and the C (about half of it, in a call); spandsp's loop pays only
for its C. The bank shares the Python part among the lines of a tick,
which the engine, a worker thread per line, cannot.
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np

from audio_format import SAMPLE_RATE
from bench.dsp.dtmf import test_signal
from bench.harness import OURS, Bench, Measurement, pin_to_one_core
from dsp_ext.dtmf import DtmfDetector
from dsp_ext.front import LineFront, LineFrontBank
from dsp_ext.vad import VoiceDetector
from firmware.engine import state as machine
from firmware.engine.detectors import (
    CALLER_ID_PHASES,
    LineCallerId,
    LineDetectors,
    ModemCallerId,
    PulseDialDecoder,
    fsk_standard,
)

LINES = 8
FRAME = 160
SECONDS = 10
ROUNDS = 9  # each contender's best of this many calls
COUNTRY = "CN"
PHASES = {"in a call": machine.Phase.IN_CALL, "idle": machine.Phase.IDLE}


class SeparateDetectors:
    """The old per-frame path: each detector called from Python on its own.

    Gives the events ``LineDetectors.feed`` gives for the same frames: the
    tests hold the two to that.
    """

    def __init__(
        self,
        country: str,
        vox_threshold_dbm0: float = -45.0,
        vox_hangover_ms: int = 3000,
        *,
        caller_id: bool = True,
    ) -> None:
        self.dtmf = DtmfDetector(country)
        self.voice = VoiceDetector(threshold_dbm0=vox_threshold_dbm0, hangover_ms=vox_hangover_ms)
        self.caller_id = LineCallerId(country, self.dtmf) if caller_id else None
        self.modem_caller_id = ModemCallerId()
        self.pulses = PulseDialDecoder()
        self.samples = 0

    def feed(self, frame: np.ndarray, at: float, phase: machine.Phase) -> list[machine.Event]:
        start = self.samples
        self.samples += frame.size
        events: list[machine.Event] = []

        def time_of(sample: int) -> float:
            return at + (sample - start) / SAMPLE_RATE

        digits = self.dtmf.feed(frame)
        if self.caller_id is not None and phase in CALLER_ID_PHASES:
            for found in self.caller_id.feed(frame, digits):
                events.append(machine.CallerIdReceived(at, found.caller_id, found.number))
        if phase not in CALLER_ID_PHASES:
            events.extend(machine.Digit(time_of(d.start), d.digit) for d in digits)
        for change in self.voice.process(frame):
            kind = machine.VoiceStarted if change.kind == "start" else machine.VoiceStopped
            events.append(kind(time_of(change.sample)))
        events.extend(self.pulses.flush(at))
        events.extend(
            machine.CallerIdReceived(at, f.caller_id, f.number)
            for f in self.modem_caller_id.poll(at)
        )
        return events


def line_audio(seconds: int = SECONDS) -> np.ndarray:
    """(LINES, samples) int16: the DTMF benchmark's signal, shifted on each line."""
    signal = test_signal(seconds * SAMPLE_RATE)
    return np.stack([np.roll(signal, 977 * line) for line in range(LINES)])


def ticks(lines: np.ndarray) -> list[np.ndarray]:
    """The frames of each tick: (LINES, FRAME) arrays, and each line's frame a view of one."""
    return [
        np.ascontiguousarray(lines[:, at : at + FRAME]) for at in range(0, lines.shape[1], FRAME)
    ]


def measure_in_turn(bench: Bench, kernel: str, contenders: list, samples: int) -> None:
    """Each contender's best call, the contenders taking turns: on a machine
    shared with other work, a burst of load then hits them all alike."""
    best = {name: float("inf") for name, _, _ in contenders}
    for _, function, _ in contenders:
        function()  # warm up
    for _ in range(ROUNDS):
        for name, function, _ in contenders:
            started = time.perf_counter()
            function()
            best[name] = min(best[name], time.perf_counter() - started)
    for name, _, note in contenders:
        bench.measurements.append(Measurement(kernel, name, samples, best[name], note))


def run(bench: Bench) -> None:
    lines = line_audio()
    samples = lines.size
    blocks = ticks(lines)
    per_line = [[block[line] for block in blocks] for line in range(LINES)]
    peer_ffi, peer = bench.peers_or_note("spandsp line front end")
    flat = np.ascontiguousarray(lines)
    standard = 1 if fsk_standard(COUNTRY) == "bell202" else 2

    for label, phase in PHASES.items():
        kernel = f"8 lines, 20 ms, {label}"
        listening = phase in CALLER_ID_PHASES

        def engine_path(phase=phase) -> None:
            detectors = [LineDetectors(COUNTRY) for _ in range(LINES)]
            for index in range(len(blocks)):
                at = index * 0.02
                for line in range(LINES):
                    detectors[line].feed(per_line[line][index], at, phase)

        def old_path(phase=phase) -> None:
            detectors = [SeparateDetectors(COUNTRY) for _ in range(LINES)]
            for index in range(len(blocks)):
                at = index * 0.02
                for line in range(LINES):
                    detectors[line].feed(per_line[line][index], at, phase)

        def bank_path(listening=listening) -> None:
            standard_name = fsk_standard(COUNTRY)
            bank = LineFrontBank(
                [LineFront(COUNTRY, fsk_standard=standard_name) for _ in range(LINES)],
                messages=True,
            )
            flags = (listening,) * LINES
            for block in blocks:
                bank.process(block, flags)

        contenders = [
            (OURS, engine_path, "LineDetectors.feed, a call per line"),
            ("linerec old path", old_path, "a call per detector"),
            ("linerec bank", bank_path, "one call per tick, findings"),
        ]
        if peer is not None:
            pointer = peer_ffi.from_buffer("int16_t[]", flat)
            contenders.append(
                (
                    "spandsp",
                    lambda pointer=pointer, listening=listening: peer.peer_spandsp_front_run_lines(
                        pointer, LINES, lines.shape[1], FRAME, standard if listening else 0
                    ),
                    "loop in C",
                )
            )
        measure_in_turn(bench, kernel, contenders, samples)

    for label in PHASES:
        kernel = f"8 lines, 20 ms, {label}"
        rows = {m.implementation: m for m in bench.measurements if m.kernel == kernel}
        ours = rows[OURS]
        old = rows["linerec old path"]
        bench.fact(
            f"{kernel}: engine path",
            f"{old.seconds / ours.seconds:.2f}x the old path's rate",
        )
        if "spandsp" in rows:
            ratio = bench.ratio(rows["spandsp"])
            old_ratio = rows["spandsp"].seconds / old.seconds
            verdict = "met" if ratio >= 2 else "NOT MET"
            bench.fact(
                f"{kernel}: target (>= 2x spandsp)",
                f"{ratio:.2f}x, {verdict} (old path {old_ratio:.2f}x, "
                f"bank {rows['spandsp'].seconds / rows['linerec bank'].seconds:.2f}x)",
            )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.front", description=__doc__)
    parser.parse_args(argv)
    pin_to_one_core()
    bench = Bench()
    run(bench)
    sys.stdout.write(bench.report())
    return 0


if __name__ == "__main__":
    sys.exit(main())

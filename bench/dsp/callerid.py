"""Caller-ID FSK receiver: ours against spandsp's adsi_rx (Bell 202 and V.23).

The signal is 30 s of a line carrying a caller-ID burst (seizure, mark, a
36-byte MDMF message at -20 dBm0) every 1.5 s, in white noise 30 dB under
the bursts, the same buffer for both receivers, in one C call each (ours
through its C API, as spandsp's). Ours also through its Python API, and in
20 ms frames from Python as the line engine feeds it. The target is at
least 2x spandsp's rate.

``python -m bench.dsp.callerid [bell202|v23]`` runs each receiver once over
the signal, for counting instructions under callgrind.
"""

from __future__ import annotations

import math
import sys

import numpy as np

from bench import peers
from bench.harness import OURS, Bench
from dsp_ext import levels
from dsp_ext.fsk import FskModulator, FskReceiver, char_bits

SECONDS = 30
FRAME = 160
SEED = 2024  # fixed, so every run times the same buffer
SPANDSP_STANDARD = {"bell202": 1, "v23": 2}
# A typical MDMF caller ID: date, 11-digit number, 8-letter name, checksum.
MESSAGE = bytes.fromhex(
    "802101083131323331303432020b3133383030313338303030" "07085a48414e4753414e2a"
)


def test_signal(standard: str, samples: int, seed: int = SEED) -> np.ndarray:
    rng = np.random.default_rng(seed)
    amplitude = levels.sine_amplitude(-20.0)
    bits = np.concatenate([
        np.tile(np.array([0, 1], np.uint8), 150), np.ones(180, np.uint8),
        char_bits(MESSAGE), np.ones(4, np.uint8),
    ])
    burst = FskModulator(standard, amplitude).modulate(bits).astype(np.float64)
    line = np.zeros(samples)
    for start in range(4000, samples - burst.size, 12000):
        line[start : start + burst.size] = burst
    noise = rng.normal(0.0, amplitude / math.sqrt(2) * 10 ** (-30 / 20), samples)
    return np.clip(np.round(line + noise), -32768, 32767).astype(np.int16)


def _ours_messages(signal: np.ndarray, standard: str) -> int:
    chars = [e.value for e in FskReceiver(standard).process(signal) if e.kind == "char"]
    return bytes(chars).count(MESSAGE)


def _kernel_run(signal: np.ndarray, standard: str):
    """Our receiver over the whole buffer in one C call, state set up each time."""
    from dsp_ext._binding import ffi, lib  # noqa: PLC0415 - the C API, below the Python one

    code = {"bell202": lib.LR_FSK_BELL202, "v23": lib.LR_FSK_V23}[standard]
    memory = ffi.new("uint8_t[]", lib.lr_fsk_rx_state_size())
    state = ffi.cast("struct lr_fsk_rx *", memory)
    capacity = lib.lr_fsk_rx_events_needed(signal.size)
    events = ffi.new("struct lr_fsk_event[]", capacity)
    count = ffi.new("size_t *")
    pointer = ffi.from_buffer("int16_t[]", signal)

    # ffi.cast does not own the memory: the default argument keeps it alive with the closure
    def run_once(memory=memory):
        lib.lr_fsk_rx_init(state, code)
        lib.lr_fsk_rx_process(state, pointer, signal.size, events, capacity, count)

    return run_once


def _spandsp_run(peer_ffi, peer, signal: np.ndarray, standard: str):
    """spandsp's adsi_rx over the whole buffer in one call; returns the messages found."""
    pointer = peer_ffi.from_buffer("int16_t[]", signal)
    out = peer_ffi.new("uint8_t[]", 65536)
    lengths = peer_ffi.new("int[]", 256)
    code = SPANDSP_STANDARD[standard]

    def run_once():
        return peer.peer_adsi_rx(code, pointer, signal.size, out, 65536, lengths, 256)

    return run_once


def run(bench: Bench) -> None:
    samples = SECONDS * 8000
    peer_ffi, peer = bench.peers_or_note("spandsp adsi")

    for standard in ("bell202", "v23"):
        signal = test_signal(standard, samples)
        kernel = f"caller ID rx, {standard}"
        bench.measure(kernel, OURS, _kernel_run(signal, standard), samples,
                      "one C call, as spandsp's")
        if peer is not None:
            spandsp_rx = _spandsp_run(peer_ffi, peer, signal, standard)
            bench.measure(kernel, "spandsp", spandsp_rx, samples, "one call")
            found = spandsp_rx()
            bench.fact(
                f"messages found in the {standard} signal",
                f"linerec {_ours_messages(signal, standard)}, spandsp {found}",
            )
        bench.measure(f"caller ID rx, {standard}, Python", OURS,
                      lambda s=signal, std=standard: FskReceiver(std).process(s), samples,
                      "FskReceiver.process, event objects included")
        frames = [signal[at : at + FRAME] for at in range(0, samples, FRAME)]

        def ours_frames(frames=frames, standard=standard):
            receiver = FskReceiver(standard)
            for frame in frames:
                receiver.process(frame)

        bench.measure(f"caller ID rx, {standard}, 20 ms", OURS, ours_frames, samples,
                      "one call per frame, from Python")

    from dsp_ext._binding import lib  # noqa: PLC0415 - a size, not a kernel call

    bench.fact("FSK receiver state", f"{lib.lr_fsk_rx_state_size()} bytes per line")


def main(argv: list[str]) -> int:
    """One pass of each receiver over the bench signal, for counting instructions:

    valgrind --tool=callgrind python -m bench.dsp.callerid [bell202|v23]
    """
    standard = argv[0] if argv else "bell202"
    if standard not in SPANDSP_STANDARD:
        print(f"usage: python -m bench.dsp.callerid [{'|'.join(SPANDSP_STANDARD)}]",
              file=sys.stderr)
        return 2
    signal = test_signal(standard, SECONDS * 8000)
    _kernel_run(signal, standard)()
    peer_ffi, peer = peers.load()
    _spandsp_run(peer_ffi, peer, signal, standard)()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""The FSK receiver at the edges of bursts: a carrier that drops into noise, digital silence,
tones that only look like a mark run."""

from __future__ import annotations

import numpy as np
import pytest

from bench.dsp.dtmf import test_signal as dtmf_test_signal
from dsp_ext.fsk import FskModulator, FskReceiver, char_bits
from tests.support.blocks import random_blocks, same_in_any_blocks

BIT = 8000 / 1200  # input samples per bit


def _burst(data: bytes, standard: str, amplitude: float) -> np.ndarray:
    bits = np.concatenate([
        np.tile(np.array([0, 1], np.uint8), 150), np.ones(180, np.uint8),
        char_bits(data), np.ones(2, np.uint8),
    ])
    return FskModulator(standard, amplitude).modulate(bits).astype(np.float64)


def _line(parts: list[np.ndarray], rng, sigma: float) -> np.ndarray:
    signal = np.concatenate(parts)
    return np.clip(np.round(signal + rng.normal(0, sigma, signal.size)), -32768, 32767).astype(
        np.int16
    )


@pytest.mark.parametrize("standard", ["bell202", "v23"])
def test_burst_ends_where_its_carrier_drops_into_the_noise(standard, rng):
    """Noise about 27 dB under the burst goes on after it: the burst ends within a few bits
    of its last one, with no characters read from the noise."""
    data = b"\x80" + bytes(rng.integers(0, 256, 12, dtype=np.uint8))
    burst = _burst(data, standard, 3000)
    audio = _line([np.zeros(400), burst, np.zeros(16000)], rng, 100)
    events = FskReceiver(standard).process(audio)
    chars = [e for e in events if e.kind == "char"]
    assert bytes(e.value for e in chars) == data
    assert events[-1].kind == "end"
    end_of_burst = 400 + burst.size
    assert end_of_burst <= events[-1].sample <= end_of_burst + 4 * BIT
    assert all(e.sample < end_of_burst for e in chars)


@pytest.mark.parametrize("standard", ["bell202", "v23"])
def test_a_burst_that_fades_by_6_db_is_read_to_its_end(standard, rng):
    """The level check is for a carrier that is gone, not for one that weakens: the second
    half of the message 6 dB under the mark run still comes out whole."""
    data = b"\x80" + bytes(rng.integers(0, 256, 12, dtype=np.uint8))
    burst = _burst(data, standard, 3000)
    half = int((480 + 5 * 10) * BIT)  # the mark run and five characters at full level
    burst[half:] *= 0.5
    audio = _line([np.zeros(400), burst, np.zeros(800)], rng, 30)
    events = FskReceiver(standard).process(audio)
    assert bytes(e.value for e in events if e.kind == "char") == data


@pytest.mark.parametrize("standard", ["bell202", "v23"])
def test_digital_silence_around_and_inside_a_burst(standard, rng):
    """Zeros (a line sending digital silence) take a shortcut through the front end once 32
    have come in a row: runs just under, at and over that before the burst and in its mark
    run change nothing read, fed whole, sample by sample or in random blocks."""
    data = b"\x80" + bytes(rng.integers(0, 256, 12, dtype=np.uint8))
    burst = _burst(data, standard, 3000)
    mark_run = int(300 * BIT)
    for run in (31, 32, 33, 200):
        burst[mark_run + 200 : mark_run + 200 + run] = 0  # a dropout early in the mark run
    lead = np.concatenate([np.zeros(1000), rng.normal(0, 30, 300), np.zeros(33)])
    audio = np.clip(np.round(np.concatenate([lead, burst, np.zeros(500)])), -32768, 32767)
    audio = audio.astype(np.int16)
    whole = same_in_any_blocks(lambda: FskReceiver(standard), audio, rng)
    assert bytes(e.value for e in whole if e.kind == "char") == data


@pytest.mark.parametrize("standard", ["bell202", "v23"])
def test_dtmf_in_noise_gives_the_same_events_in_any_blocks(standard, rng):
    """DTMF digits whose column tone sits on the mark tone read as mark runs, and their beat
    keeps re-arming the start-bit search, which holds the bit windows back. Such a run is
    dropped before the windows fall behind the tones the front end keeps, so nothing reads
    past them and the events do not depend on how the line is cut into blocks."""
    signal = dtmf_test_signal(8000 * 10)
    for line in range(8):
        audio = np.roll(signal, 977 * line)
        whole = FskReceiver(standard).process(audio)
        framed = FskReceiver(standard)
        frames = [audio[at : at + 160] for at in range(0, audio.size, 160)]
        assert [e for frame in frames for e in framed.process(frame)] == whole
        in_blocks = FskReceiver(standard)
        found = [e for block in random_blocks(audio, rng, 300) for e in in_blocks.process(block)]
        assert found == whole

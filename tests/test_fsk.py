"""The FSK and DT-AS kernels through their Python API: contracts, framing, detection."""

from __future__ import annotations

import numpy as np
import pytest

from dsp_ext import levels
from dsp_ext.dtas import DtasDetector, dtas_generate
from dsp_ext.errors import DspInputError
from dsp_ext.fsk import FskModulator, FskReceiver, char_bits
from tests.support.blocks import same_in_any_blocks


def _burst_bits(data: bytes, seizure: int = 300, mark: int = 180) -> np.ndarray:
    return np.concatenate([
        np.tile(np.array([0, 1], np.uint8), seizure // 2), np.ones(mark, np.uint8),
        char_bits(data), np.ones(30, np.uint8),
    ])


def test_char_bits_is_8n1_lsb_first():
    assert char_bits(b"\x01").tolist() == [0, 1, 0, 0, 0, 0, 0, 0, 0, 1]
    assert char_bits(b"\x80", stop_bits=2).tolist() == [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1]
    with pytest.raises(DspInputError):
        char_bits(b"x", stop_bits=0)


@pytest.mark.parametrize("standard", ["bell202", "v23"])
def test_events_of_a_burst(standard):
    data = bytes(range(0, 256, 7))
    audio = FskModulator(standard, 4000).modulate(_burst_bits(data))
    events = FskReceiver(standard).process(audio)
    kinds = [e.kind for e in events]
    assert kinds[0] == "seizure" and "mark" in kinds and kinds[-1] == "end"
    chars = [e for e in events if e.kind == "char"]
    assert bytes(e.value for e in chars) == data
    assert chars[0].first and not any(e.first for e in chars[1:])
    assert not any(e.framing_error for e in chars)
    # each character starts where its start bit was sent (within one sample)
    for index, event in enumerate(chars):
        assert abs(event.sample - (480 + 10 * index) * 8000 / 1200) <= 1.0


def test_modulator_is_phase_continuous_and_sized():
    bits = np.array([1, 0] * 600, np.uint8)
    modulator = FskModulator("bell202", 10000)
    whole = modulator.modulate(bits)
    assert whole.size == 8000  # 1200 bits at 1200 baud
    split = FskModulator("bell202", 10000)
    parts = np.concatenate([split.modulate(bits[:333]), split.modulate(bits[333:])])
    assert np.array_equal(whole, parts)
    # a phase jump would show as a sample-to-sample step far above the sine's slope
    assert np.abs(np.diff(whole.astype(int))).max() <= 10000 * 2 * np.pi * 2200 / 8000 + 2


def test_modulator_and_receiver_refuse_bad_arguments():
    with pytest.raises(DspInputError, match="standard"):
        FskReceiver("v21")
    with pytest.raises(DspInputError):
        FskModulator("bell202", 40000)
    with pytest.raises(DspInputError):
        FskModulator("bell202", 1000, freq_offset=0.2)
    with pytest.raises(DspInputError):
        FskModulator("bell202", 1000).modulate(np.array([0, 2], np.uint8))
    with pytest.raises(DspInputError, match="int16"):
        FskReceiver().process(np.zeros(10, np.float32))


def test_receiver_reset_starts_counting_again():
    audio = FskModulator("bell202", 4000).modulate(_burst_bits(b"\x04\x00\xfc"))
    receiver = FskReceiver()
    first = receiver.process(audio)
    receiver.reset()
    assert receiver.process(audio) == first


@pytest.mark.parametrize("standard", ["bell202", "v23"])
def test_receiver_events_do_not_depend_on_block_size(standard, rng):
    """The bit clock runs from event to event within each block of input: a
    noisy burst at an offset bit rate gives the very same events fed whole,
    sample by sample, or in random blocks."""
    # a message type first: a first 0xFF is dropped as a space error in the mark run
    data = b"\x80" + bytes(rng.integers(0, 256, 12, dtype=np.uint8))
    clean = FskModulator(standard, 3000, baud_offset=0.01).modulate(_burst_bits(data))
    lead = rng.normal(0, 300, int(rng.integers(100, 900)))
    noisy = np.concatenate([lead, clean]) + rng.normal(0, 300, lead.size + clean.size)
    audio = np.clip(np.round(noisy), -32768, 32767).astype(np.int16)
    whole = same_in_any_blocks(lambda: FskReceiver(standard), audio, rng)
    assert bytes(e.value for e in whole if e.kind == "char") == data


def test_silence_and_dc_give_no_events():
    receiver = FskReceiver()
    assert receiver.process(np.zeros(80000, np.int16)) == []
    assert receiver.process(np.full(80000, 1000, np.int16)) == []


@pytest.mark.parametrize("level", [-4.0, -20.0, -40.0])
@pytest.mark.parametrize("duration_ms", [60, 100, 300])
def test_dtas_is_detected(level, duration_ms, rng):
    amplitude = levels.sine_amplitude(level)
    lead = int(rng.integers(0, 800))
    tone = dtas_generate(duration_ms * 8, amplitude, amplitude)
    audio = np.concatenate([np.zeros(lead, np.int16), tone, np.zeros(800, np.int16)])
    tones = DtasDetector().process(audio)
    assert len(tones) == 1
    assert abs(tones[0].start - lead) <= 80
    assert abs(tones[0].end - (lead + tone.size)) <= 80


def test_dtas_twist_short_tones_and_lookalikes(rng):
    detector = DtasDetector(min_ms=40)
    twisted = dtas_generate(800, 4000, 2000)  # 6 dB twist
    assert len(detector.process(np.concatenate([twisted, np.zeros(400, np.int16)]))) == 1
    short = dtas_generate(200, 4000, 4000)  # 25 ms
    assert detector.process(np.concatenate([short, np.zeros(400, np.int16)])) == []
    one_tone = dtas_generate(1600, 4000, 0)
    assert detector.process(np.concatenate([one_tone, np.zeros(400, np.int16)])) == []
    fsk = FskModulator("v23", 8000).modulate(rng.integers(0, 2, 2400).astype(np.uint8))
    noise = rng.normal(0, 4000, 80000).astype(np.int16)
    assert detector.process(fsk) == [] and detector.process(noise) == []
    with pytest.raises(DspInputError):
        DtasDetector(min_ms=5)

"""dsp_ext.dtmf: API contract, generator, timing accuracy, bad input, fuzzing."""

from __future__ import annotations

import json

import dtmf_harness as h
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from dsp_ext.dtmf import (
    DIGITS,
    DtmfDetector,
    DtmfDetectorBank,
    DtmfProfile,
    dtmf_generate,
)
from dsp_ext.errors import DspError, DspInputError
from tests.support.bad_buffers import BAD_SAMPLE_BUFFERS
from tests.support.blocks import random_blocks


def _digits(found):
    return "".join(d.digit for d in found)


def test_generated_digits_round_trip():
    tones = dtmf_generate(DIGITS, level_dbm0=-20.0, on_ms=50, off_ms=50)
    assert tones.dtype == np.int16 and tones.size == 16 * 800
    assert _digits(DtmfDetector().detect(tones)) == DIGITS


def test_lower_case_letters_are_accepted():
    assert _digits(DtmfDetector().detect(dtmf_generate("abcd"))) == "ABCD"


def test_start_and_end_accuracy(rng):
    parts, truth_digits = [], []
    for digit in rng.choice(list(DIGITS), size=100):
        on = int(rng.integers(45, 120)) * 8
        parts += [(str(digit), h.dual_tone(str(digit), on, rng, low_dbm0=-25.0))]
        parts += [(None, np.zeros(int(rng.integers(400, 1200))))]
        truth_digits.append(str(digit))
    signal = h.train(parts, rng)
    found = DtmfDetector().detect(h.to_int16(signal.samples))
    assert [d.digit for d in found] == truth_digits
    errors = [(f.start - t[1], f.end - t[2]) for f, t in zip(found, signal.digits, strict=True)]
    magnitudes = np.abs(np.array(errors))
    worst, typical = int(magnitudes.max()), float(np.percentile(magnitudes, 90))
    print(f"\nstart/end error: 90 % within {typical:.0f} samples, worst {worst} samples")
    assert typical <= 8, "start and end within 1 ms for 90 % of digits"
    assert worst <= 40, "and within 5 ms for all"


def test_block_size_does_not_change_the_result(rng):
    tones = dtmf_generate("159#", level_dbm0=-15.0, on_ms=60, off_ms=60)
    whole = DtmfDetector().detect(tones)
    detector = DtmfDetector()
    pieces = [digit for block in random_blocks(tones, rng, 300) for digit in detector.feed(block)]
    assert pieces + detector.finish() == whole


def test_sounding_and_finish():
    detector = DtmfDetector()
    assert detector.feed(dtmf_generate("7", on_ms=200, off_ms=0)) == []
    assert detector.sounding is not None and detector.sounding.digit == "7"
    assert detector.sounding.end is None
    ended = detector.finish()
    assert _digits(ended) == "7" and ended[0].end == 1600
    assert detector.sounding is None


def test_reset_restarts_positions():
    detector = DtmfDetector()
    detector.feed(dtmf_generate("1"))
    detector.reset()
    assert detector.samples_seen == 0
    found = detector.detect(dtmf_generate("2"))
    assert _digits(found) == "2" and found[0].start < 40


def test_many_digits_in_one_buffer_need_several_calls():
    """More events than the binding's buffer holds: the C layer stops and resumes."""
    tones = dtmf_generate("0123456789" * 10, on_ms=40, off_ms=40)
    assert _digits(DtmfDetector().detect(tones)) == "0123456789" * 10


def test_bank_matches_single_detectors(rng):
    lines = [
        dtmf_generate("".join(rng.choice(list(DIGITS), 6)), on_ms=60, off_ms=70) for _ in range(3)
    ]
    length = min(line.size for line in lines)
    frames = np.stack([line[:length] for line in lines])
    bank = DtmfDetectorBank(3)
    per_line = [[] for _ in range(3)]
    for at in range(0, length, 160):
        for line, found in enumerate(bank.feed(np.ascontiguousarray(frames[:, at : at + 160]))):
            per_line[line] += found
    for line in range(3):
        single = DtmfDetector().feed(frames[line].copy())
        assert per_line[line] == single


def test_generator_spectrum_is_clean():
    tones = dtmf_generate("5", level_dbm0=-10.0, on_ms=1000, off_ms=0)
    spectrum = np.abs(np.fft.rfft(tones * np.blackman(tones.size)))
    freqs = np.fft.rfftfreq(tones.size, 1 / 8000)
    near = (np.abs(freqs - 770) < 15) | (np.abs(freqs - 1336) < 15)
    peak = spectrum[near].max()
    others = spectrum[~near].max()
    print(f"\nstrongest component outside the two tones: {20 * np.log10(others / peak):.1f} dB")
    assert 20 * np.log10(others / peak) < -40


def test_generator_level_and_twist():
    tones = dtmf_generate("1", level_dbm0=-13.0, twist_db=-3.0, on_ms=1000, off_ms=0, ramp_ms=0)
    spectrum = np.abs(np.fft.rfft(tones)) * 2 / tones.size
    low = spectrum[697]  # 1 Hz bins over one second
    high = spectrum[1209]
    assert 20 * np.log10(low / h.amplitude(0.0)) == pytest.approx(-13.0, abs=0.1)
    assert 20 * np.log10(high / low) == pytest.approx(-3.0, abs=0.1)


def test_generated_digits_pass_spandsp(spandsp):
    tones = dtmf_generate(DIGITS, level_dbm0=-10.0, on_ms=50, off_ms=50)
    assert "".join(d for d, _, _ in h.make_spandsp(spandsp)(tones)) == DIGITS


def test_spandsp_generated_digits_pass_ours(spandsp):
    ffi, lib = spandsp
    out = np.zeros(16 * 1000, dtype=np.int16)
    count = lib.peer_spandsp_dtmf_generate(
        DIGITS.encode(), -10, 0, 50, 55, ffi.from_buffer("int16_t[]", out), out.size
    )
    assert _digits(DtmfDetector().detect(out[:count])) == DIGITS


@pytest.mark.parametrize("bad", BAD_SAMPLE_BUFFERS)
def test_feed_rejects_bad_buffers(bad):
    with pytest.raises(DspInputError):
        DtmfDetector().feed(bad)


def test_huge_buffer():
    samples = np.zeros(30_000_000, dtype=np.int16)
    samples[:8000] = dtmf_generate("9", on_ms=500, off_ms=500)
    assert _digits(DtmfDetector().detect(samples)) == "9"


@pytest.mark.parametrize(
    "profile",
    [
        "XX",
        DtmfProfile(normal_twist_db=-1.0),
        DtmfProfile(min_on_ms=5.0),
        DtmfProfile(min_level_dbm0=float("nan")),
        3,
    ],
)
def test_bad_profiles(profile):
    with pytest.raises(DspInputError):
        DtmfDetector(profile)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"digits": ""},
        {"digits": "12x"},
        {"digits": "1", "level_dbm0": 5.0},
        {"digits": "1", "on_ms": 0.0},
        {"digits": "1", "twist_db": float("nan")},
        {"digits": "1", "on_ms": 10.0, "ramp_ms": 6.0},
        {"digits": b"1"},
    ],
)
def test_generate_rejects_bad_arguments(kwargs):
    digits = kwargs.pop("digits")
    with pytest.raises(DspInputError):
        dtmf_generate(digits, **kwargs)


def test_bank_rejects_bad_frames():
    bank = DtmfDetectorBank(2)
    with pytest.raises(DspInputError):
        bank.feed(np.zeros((3, 160), dtype=np.int16))
    with pytest.raises(DspInputError):
        bank.feed(np.zeros((2, 160), dtype=np.float64))
    with pytest.raises(DspInputError):
        DtmfDetectorBank(0)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(arrays(np.int16, st.integers(1, 4000)), st.integers(1, 500))
def test_fuzz_feed_never_crashes(samples, block):
    detector = DtmfDetector()
    found = []
    for at in range(0, samples.size, block):
        found += detector.feed(samples[at : at + block])
    found += detector.finish()
    for digit in found:
        assert digit.digit in DIGITS and 0 <= digit.start < digit.end <= samples.size + 26


@settings(max_examples=200, deadline=None)
@given(
    st.text(alphabet=DIGITS + "abcdxyz ,", min_size=0, max_size=12),
    st.one_of(st.floats(-70, 10), st.just(float("nan"))),
    st.floats(-25, 25),
    st.floats(-5, 300),
    st.floats(-5, 300),
)
def test_fuzz_generate(digits, level, twist, on_ms, off_ms):
    try:
        tones = dtmf_generate(digits, level_dbm0=level, twist_db=twist, on_ms=on_ms, off_ms=off_ms)
    except DspError:
        return
    assert tones.dtype == np.int16
    assert tones.size == len(digits) * (round(on_ms * 8) + round(off_ms * 8))


def test_cli_digits_and_json(tmp_path, capsys):
    from firmware.cli.commands import main  # noqa: PLC0415
    from firmware.tools.wavfile import write_wav  # noqa: PLC0415

    path = tmp_path / "dialled.wav"
    write_wav(path, dtmf_generate("4008*#", level_dbm0=-15.0, on_ms=70, off_ms=60), "ulaw")
    assert main(["dsp", "dtmf", str(path)]) == 0
    assert capsys.readouterr().out == "4008*#\n"
    assert main(["dsp", "dtmf", "--json", str(path)]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["digit"] for line in lines] == list("4008*#")
    assert lines[1]["start_s"] == pytest.approx(0.130, abs=0.002)
    assert lines[1]["end_s"] == pytest.approx(0.200, abs=0.002)


def test_cli_bad_wav_is_one_line_and_exit_2(tmp_path, capsys):
    from firmware.cli.commands import main  # noqa: PLC0415

    path = tmp_path / "bad.wav"
    path.write_bytes(b"not a wav file")
    assert main(["dsp", "dtmf", str(path)]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and str(path) in error

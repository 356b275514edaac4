"""dsp_ext.tones and dsp_ext.tonegen: API contract, tone tests, generator accuracy, bad input.

The country plans, cadence and noise sweeps and the talk-off corpus are in
test_tones_plans.py.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from dsp_ext import levels
from dsp_ext.dtmf import DIGITS, dtmf_generate
from dsp_ext.errors import DspError, DspInputError
from dsp_ext.tonegen import ToneGenerator, ToneSegment, cadence_segments, tone
from dsp_ext.tones import ToneDetector, ToneEvent, TonePattern, TonePlan, ToneStep
from firmware.country.profiles import FAX_ANSWER_TONE_ANSAM, PROFILES
from firmware.country.tones import detector as country_detector
from firmware.country.tones import tone_generator
from tests.support.bad_buffers import BAD_SAMPLE_BUFFERS
from tests.support.blocks import random_blocks

RATE = 8000
BUSY = TonePattern.cadence("busy", (450.0,), (0.35, 0.35))
DIAL = TonePattern.cadence("dial", (350.0, 440.0), (), continuous_min_s=0.5)


def _names(found):
    return [t.tone for t in found]


def _silence(seconds: float) -> np.ndarray:
    return np.zeros(int(seconds * RATE), dtype=np.int16)


def test_a_busy_tone_is_found_with_its_start_and_end():
    audio = np.concatenate(
        [_silence(0.5), tone((450.0,), 3.5, cadence_s=(0.35, 0.35)), _silence(1)]
    )
    found = ToneDetector(TonePlan((BUSY,))).detect(audio)
    assert len(found) == 1 and found[0].tone == "busy"
    # The last burst ends at 0.5 + 3.15 s; the last 0.35 s of the tone is a pause.
    assert found[0].start == pytest.approx(4000, abs=40)
    assert found[0].end == pytest.approx(4000 + 3.15 * RATE, abs=40)
    assert found[0].start_s == found[0].start / RATE


def test_block_size_does_not_change_the_result(rng):
    audio = np.concatenate(
        [
            _silence(0.3),
            tone((350.0, 440.0), 2.0),
            _silence(0.5),
            tone((450.0,), 3.0, cadence_s=(0.35, 0.35)),
        ]
    )
    plan = TonePlan((DIAL, BUSY))
    whole = ToneDetector(plan).detect(audio)
    assert _names(whole) == ["dial", "busy"]
    detector = ToneDetector(plan)
    pieces = [tone for block in random_blocks(audio, rng, 700) for tone in detector.feed(block)]
    assert pieces + detector.finish() == whole


def test_sounding_and_finish():
    detector = ToneDetector(TonePlan((DIAL,)))
    assert detector.feed(tone((350.0, 440.0), 1.5)) == []
    assert detector.sounding == ToneEvent("dial", 0, None)
    assert detector.heard == (350.0, 440.0)
    ended = detector.finish()
    assert ended == [ToneEvent("dial", 0, 12000)]
    assert detector.sounding is None
    assert detector.finish() == []


def test_reset_restarts_positions():
    detector = ToneDetector(TonePlan((DIAL,)))
    detector.feed(tone((350.0, 440.0), 1.0))
    detector.reset()
    found = detector.detect(np.concatenate([_silence(0.25), tone((350.0, 440.0), 1.0)]))
    assert found == [ToneEvent("dial", pytest.approx(2000, abs=40), 10000)]


def test_a_continuous_tone_shorter_than_its_minimum_is_not_reported():
    plan = TonePlan((DIAL,))
    assert ToneDetector(plan).detect(tone((350.0, 440.0), 0.45)) == []
    assert _names(ToneDetector(plan).detect(tone((350.0, 440.0), 0.55))) == ["dial"]


@pytest.mark.parametrize(
    ("offset_hz", "found"), [(0.0, True), (5.0, True), (-6.0, True), (25.0, False), (-40.0, False)]
)
def test_frequency_tolerance(offset_hz, found):
    audio = tone((450.0 + offset_hz,), 3.5, cadence_s=(0.35, 0.35), level_dbm0=-25.0)
    assert bool(ToneDetector(TonePlan((BUSY,))).detect(audio)) is found


@pytest.mark.parametrize(
    ("offset_hz", "found"), [(-38.0, True), (38.0, True), (-110.0, False), (120.0, False)]
)
def test_fax_calling_tone_takes_its_wider_tolerance(offset_hz, found):
    cng = TonePattern.cadence(
        "fax_cng", (1100.0,), (0.5, 3.0), tolerance=0.15, frequency_tolerance_hz=38.0
    )
    audio = tone((1100.0 + offset_hz,), 8.0, cadence_s=(0.5, 3.0), level_dbm0=-20.0)
    assert bool(ToneDetector(TonePlan((cng,))).detect(audio)) is found


@pytest.mark.parametrize(("level", "found"), [(-20.0, True), (-40.0, True), (-45.0, False)])
def test_level_threshold(level, found):
    audio = tone((450.0,), 3.5, cadence_s=(0.35, 0.35), level_dbm0=level)
    assert bool(ToneDetector(TonePlan((BUSY,), min_level_dbm0=-42.0)).detect(audio)) is found


@pytest.mark.parametrize(
    ("twist_db", "found"), [(0.0, True), (8.0, True), (-8.0, True), (13.0, False)]
)
def test_twist_between_the_two_tones(twist_db, found):
    low = tone((350.0,), 1.0, level_dbm0=-20.0).astype(int)
    high = tone((440.0,), 1.0, level_dbm0=-20.0 + twist_db).astype(int)
    audio = np.clip(low + high, -32768, 32767).astype(np.int16)
    assert bool(ToneDetector(TonePlan((DIAL,))).detect(audio)) is found


def test_a_dual_tone_is_not_one_of_its_tones_alone():
    plan = TonePlan(
        (
            TonePattern.cadence("one", (440.0,), (), continuous_min_s=0.5),
            TonePattern.cadence("pair", (440.0, 480.0), (), continuous_min_s=0.5),
        )
    )
    assert _names(ToneDetector(plan).detect(tone((440.0,), 1.0))) == ["one"]
    assert _names(ToneDetector(plan).detect(tone((440.0, 480.0), 1.0))) == ["pair"]
    assert _names(ToneDetector(plan).detect(tone((350.0, 440.0), 1.0))) == []


def test_a_short_dropout_does_not_split_a_tone_and_a_long_one_does():
    def with_gap(ms):
        audio = tone((350.0, 440.0), 3.0)
        at = int(1.5 * RATE)
        audio[at : at + int(ms * 8)] = 0
        return audio

    assert len(ToneDetector(TonePlan((DIAL,))).detect(with_gap(25))) == 1
    found = ToneDetector(TonePlan((DIAL,))).detect(with_gap(100))
    assert [(t.tone, round(t.end_s, 2)) for t in found] == [("dial", 1.5), ("dial", 3.0)]


def test_a_cadence_out_of_step_ends_the_tone():
    # Busy, then bursts twice as long: the tone ends with its last good burst.
    audio = np.concatenate(
        [tone((450.0,), 2.8, cadence_s=(0.35, 0.35)), tone((450.0,), 4.2, cadence_s=(0.7, 0.7))]
    )
    found = ToneDetector(TonePlan((BUSY,))).detect(audio)
    assert [(t.tone, round(t.start_s, 2), round(t.end_s, 2)) for t in found] == [
        ("busy", 0.0, 2.45)
    ]


def test_a_one_shot_pattern_ends_when_it_has_run_through():
    sweep = TonePattern.sequence(
        "sweep",
        [((950.0,), 0.33), ((1400.0,), 0.33), ((1800.0,), 0.33)],
        repeats=False,
        frequency_tolerance_hz=50.0,
    )
    steps = [ToneSegment(0.33, (f,), (-20.0,)) for f in (950.0, 1400.0, 1800.0)]
    audio = ToneGenerator([*steps, ToneSegment(1.0)], repeat=True).generate(4 * RATE)
    found = ToneDetector(TonePlan((sweep,))).detect(audio)
    assert [(t.tone, round(t.start_s, 2), round(t.end_s, 2)) for t in found] == [
        ("sweep", 0.0, 0.99),
        ("sweep", 1.99, 2.98),
    ]


def test_north_american_special_information_tones_are_sit_too():
    # Intercept and no-circuit: first and second tones low or high, 274 or 380 ms.
    for first, second, lengths in (
        (913.8, 1370.6, (0.274, 0.274, 0.380)),
        (985.2, 1428.5, (0.380, 0.380, 0.380)),
    ):
        steps = [
            ToneSegment(seconds, (hz,), (-24.0,))
            for hz, seconds in zip((first, second, 1776.7), lengths, strict=True)
        ]
        audio = ToneGenerator([*steps, ToneSegment(2.0)], repeat=False).generate(3 * RATE)
        assert _names(country_detector("US").detect(audio)) == ["sit"], (first, second)


def test_dtmf_digits_are_no_call_progress_tone(rng):
    digits = "".join(rng.choice(list(DIGITS), size=80))
    for country in PROFILES:
        for on_ms, off_ms in ((40, 40), (100, 60), (400, 100), (1500, 200)):
            audio = dtmf_generate(digits[:20], level_dbm0=-10.0, on_ms=on_ms, off_ms=off_ms)
            assert country_detector(country).detect(audio) == [], (country, on_ms)


@pytest.mark.parametrize("bad", BAD_SAMPLE_BUFFERS)
def test_feed_rejects_bad_buffers(bad):
    with pytest.raises(DspInputError):
        ToneDetector(TonePlan((BUSY,))).feed(bad)


def test_huge_buffer():
    samples = np.zeros(30_000_000, dtype=np.int16)
    samples[: 2 * RATE] = tone((350.0, 440.0), 2.0)
    assert _names(ToneDetector(TonePlan((DIAL,))).detect(samples)) == ["dial"]


def _pattern(**changes) -> TonePattern:
    fields = {"name": "x", "steps": (ToneStep((450.0,), 0.3, 0.4), ToneStep((), 0.3, 0.4))}
    fields.update(changes)
    return TonePattern(**fields)


@pytest.mark.parametrize(
    ("plan", "message"),
    [
        ("CN", "must be a TonePlan"),
        (TonePlan(()), "1 to 16 patterns"),
        (TonePlan((BUSY,) * 17), "1 to 16 patterns"),
        (TonePlan((_pattern(steps=(ToneStep((50.0,), 1.0),)),)), "100.0..3900.0"),
        (TonePlan((_pattern(frequency_tolerance_hz=100.0),)), "frequency_tolerance_hz"),
        (TonePlan((_pattern(steps=(ToneStep((), 1.0),)),)), "no step with a tone"),
        (TonePlan((_pattern(steps=(ToneStep((450.0,), 0.5),) * 9),)), "9 steps"),
        (TonePlan((_pattern(confirm_steps=0),)), "confirm_steps"),
        (
            TonePlan((_pattern(confirm_steps=3, repeats=False),)),
            "confirm_steps must be an int in 1..2",
        ),
        (TonePlan((_pattern(steps=(ToneStep((450.0,), 0.5, 0.2),)),)), "max_s"),
        (TonePlan((_pattern(steps=(ToneStep((450.0,), float("nan")),)),)), "min_s"),
        (TonePlan((BUSY,), min_purity=1.5), "min_purity"),
        (TonePlan((BUSY,), min_level_dbm0=-90.0), "min_level_dbm0"),
        (
            TonePlan(tuple(TonePattern.cadence(str(f), (f,), ()) for f in range(300, 2000, 100))),
            "1 to 16",
        ),
    ],
)
def test_bad_plans_are_refused_with_the_reason(plan, message):
    with pytest.raises(DspInputError, match=message.replace("(", r"\(").replace(".", r"\.")):
        ToneDetector(plan)


def test_bad_cadences_are_refused():
    with pytest.raises(DspInputError, match="even count"):
        TonePattern.cadence("odd", (450.0,), (0.35, 0.35, 0.35))
    with pytest.raises(DspInputError, match="positive number of seconds"):
        TonePattern.cadence("neg", (450.0,), (0.35, -0.35))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(arrays(np.int16, st.integers(1, 6000)), st.integers(1, 900))
def test_fuzz_feed_never_crashes(samples, block):
    detector = country_detector("US")
    found = []
    for at in range(0, samples.size, block):
        found += detector.feed(samples[at : at + block])
    found += detector.finish()
    for event in found:
        assert 0 <= event.start < event.end <= samples.size


# The generator.


def _spectrum_db(samples: np.ndarray, hz: float) -> float:
    """The level in dBm0 of the component at ``hz`` (1 Hz bins over whole seconds)."""
    spectrum = np.abs(np.fft.rfft(samples.astype(float))) * 2 / samples.size
    bin_ = round(hz * samples.size / RATE)
    return 20 * math.log10(spectrum[bin_] / levels.sine_amplitude(0.0))


def test_generator_levels_and_frequencies():
    audio = tone((480.0, 620.0), 1.0, level_dbm0=-24.0)
    assert _spectrum_db(audio, 480) == pytest.approx(-24.0, abs=0.05)
    assert _spectrum_db(audio, 620) == pytest.approx(-24.0, abs=0.05)
    assert levels.rms_dbm0(audio) == pytest.approx(-24.0 + 10 * math.log10(2), abs=0.05)


def test_generator_spectrum_is_clean():
    audio = tone((350.0, 440.0), 1.0, level_dbm0=-10.0)
    spectrum = np.abs(np.fft.rfft(audio * np.blackman(audio.size)))
    freqs = np.fft.rfftfreq(audio.size, 1 / RATE)
    near = (np.abs(freqs - 350) < 15) | (np.abs(freqs - 440) < 15)
    ratio = 20 * np.log10(spectrum[~near].max() / spectrum[near].max())
    print(f"\nstrongest component outside the two tones: {ratio:.1f} dB")
    assert ratio < -60


def test_generator_cadence_is_exact_to_the_sample():
    audio = tone((425.0,), 2.0, cadence_s=(0.48, 0.48), level_dbm0=-10.0)
    # Bursts [0, 3840) and [7680, 11520); 425 Hz from phase 0 crosses zero
    # exactly only every 160 samples.
    for start, end in ((0, 3840), (7680, 11520)):
        assert np.count_nonzero(audio[start:end]) == 3840 - 24
    assert not audio[3840:7680].any() and not audio[11520:15360].any()


def test_render_at_any_position_equals_one_long_run(rng):
    segments = cadence_segments((400.0, 450.0), -15.0, (0.4, 0.2, 0.4, 2.0))
    long = ToneGenerator(segments, ramp_ms=2.0).generate(5 * RATE)
    generator = ToneGenerator(segments, ramp_ms=2.0)
    for _ in range(20):
        start, count = int(rng.integers(0, 4 * RATE)), int(rng.integers(1, RATE))
        assert np.array_equal(generator.render(start, count), long[start : start + count])
    pieces = ToneGenerator(segments, ramp_ms=2.0)
    joined = np.concatenate([pieces.generate(int(n)) for n in rng.integers(0, 999, 60)])
    assert np.array_equal(joined, long[: joined.size])


def test_generator_once_then_silence_and_the_cycle_length():
    generator = ToneGenerator(cadence_segments((950.0,), -20.0, (0.33, 0.1)), repeat=False)
    assert generator.cycle_samples == 3440
    audio = generator.generate(RATE)
    assert audio[:2640].any() and not audio[2640:].any()
    assert generator.position == RATE


def test_ansam_turns_its_phase_every_450_ms_and_swings_20_percent():
    audio = tone_generator(FAX_ANSWER_TONE_ANSAM, -10.0).generate(3 * RATE).astype(float)
    n = np.arange(audio.size)
    reference = np.exp(-2j * np.pi * 2100 * n / RATE)
    # The phase of each 5 ms against a steady 2100 Hz: it jumps by 180 degrees at each reversal.
    blocks = (audio * reference).reshape(-1, 40).sum(axis=1)
    jumps = np.flatnonzero(np.abs(np.angle(blocks[1:] / blocks[:-1])) > np.pi / 2)
    assert list(jumps + 1) == pytest.approx([90 * k for k in range(1, 7)], abs=1)
    envelope = np.abs(blocks)
    assert envelope.max() / envelope.mean() == pytest.approx(1.2, abs=0.03)


def test_generated_tones_pass_spandsp(spandsp):
    import tones_harness as h  # noqa: PLC0415

    cng = tone((1100.0,), 8.0, cadence_s=(0.5, 3.0), level_dbm0=-20.0)
    assert {n for n, _, _ in h.spandsp_connect_tones(spandsp, h.SPANDSP_CNG, cng)} == {"fax_cng"}
    ansam = tone_generator(FAX_ANSWER_TONE_ANSAM, -20.0).generate(int(3.3 * RATE))
    found = h.spandsp_connect_tones(spandsp, h.SPANDSP_ANSAM_PR, ansam)
    assert [n for n, _, _ in found] == ["fax_ced"]


@pytest.mark.parametrize(
    ("segments", "options", "message"),
    [
        ([], {}, "1 to 16 segments"),
        ([ToneSegment(1.0)] * 17, {}, "1 to 16 segments"),
        ([ToneSegment(0.0)], {}, "seconds"),
        ([ToneSegment(1.0, (440.0,), ())], {}, "one level each"),
        ([ToneSegment(1.0, (440.0,) * 5, (-10.0,) * 5)], {}, "up to 4"),
        ([ToneSegment(1.0, (4500.0,), (-10.0,))], {}, "frequency"),
        ([ToneSegment(1.0, (440.0,), (6.0,))], {}, "level"),
        ([ToneSegment(0.01, (440.0,), (-10.0,))], {"ramp_ms": 6.0}, "more than half"),
        ([ToneSegment(1.0, (440.0,), (-10.0,))], {"phase_reversal_ms": 5.0}, "phase_reversal_ms"),
        ([ToneSegment(1.0, (440.0,), (-10.0,))], {"am_depth": 2.0}, "am_depth"),
        (["busy"], {}, "must be a ToneSegment"),
    ],
)
def test_bad_generator_settings_are_refused(segments, options, message):
    with pytest.raises(DspInputError, match=message):
        ToneGenerator(segments, **options)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.floats(-1, 3), st.lists(st.floats(-100, 4200), max_size=5), st.floats(-90, 10)
        ),
        min_size=0,
        max_size=18,
    ),
    st.floats(-5, 60),
    st.integers(0, 5000),
)
def test_fuzz_generator(parts, ramp_ms, count):
    segments = [ToneSegment(s, tuple(f), (level,) * len(f)) for s, f, level in parts]
    try:
        generator = ToneGenerator(segments, ramp_ms=ramp_ms)
    except DspError:
        return
    audio = generator.generate(count)
    assert audio.dtype == np.int16 and audio.size == count

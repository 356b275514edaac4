"""Voice activity detection: onsets, hangover, noise tracking, and a labelled speech corpus."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from bench.corpora.speech import utterance
from dsp_ext import levels
from dsp_ext.errors import DspInputError
from dsp_ext.vad import VoiceDetector
from tests.support.required_tools import require_speech_tools

RATE = 8000


def noise(rng, seconds: float, level_dbm0: float) -> np.ndarray:
    rms = levels.reference_rms() * 10 ** (level_dbm0 / 20)
    return rng.normal(0, rms, int(seconds * RATE))


def syllables(seconds: float, level_dbm0: float) -> np.ndarray:
    """Speech-like: a 180 Hz buzz with rich harmonics, syllable-modulated at 4 Hz."""
    t = np.arange(int(seconds * RATE)) / RATE
    buzz = sum(np.sin(2 * np.pi * 180 * k * t) / k for k in range(1, 12))
    envelope = 0.55 + 0.45 * np.sin(2 * np.pi * 4 * t)
    signal = buzz * envelope
    target = levels.reference_rms() * 10 ** (level_dbm0 / 20)
    return signal * target / np.sqrt(np.mean(signal**2))


def to_int16(signal: np.ndarray) -> np.ndarray:
    return np.clip(np.round(signal), -32768, 32767).astype(np.int16)


def test_speech_in_noise_starts_and_stops_where_it_should(rng):
    quiet = noise(rng, 6.0, -60)
    speech_at, speech_len = 3.0, 2.0
    start = int(speech_at * RATE)
    quiet[start : start + int(speech_len * RATE)] += syllables(speech_len, -20)
    detector = VoiceDetector(hangover_ms=500)
    events = detector.process(to_int16(quiet))
    assert [event.kind for event in events] == ["start", "stop"]
    assert abs(events[0].seconds - speech_at) <= 0.02
    # The stop comes when the hangover has run out after the speech ended.
    assert abs(events[1].seconds - (speech_at + speech_len + 0.5)) <= 0.05


def test_silence_and_low_noise_are_never_voice(rng):
    detector = VoiceDetector()
    assert detector.process(np.zeros(8000 * 5, dtype=np.int16)) == []
    assert detector.process(to_int16(noise(rng, 30, -50))) == []
    assert not detector.active
    assert detector.noise_dbm0 == pytest.approx(-52, abs=3)


def test_a_steady_noise_that_starts_stops_counting_as_voice(rng):
    # A fan switched on at 2 s: louder than the threshold, and steady.
    signal = np.concatenate([noise(rng, 2, -65), noise(rng, 20, -30)])
    events = VoiceDetector(hangover_ms=1000).process(to_int16(signal))
    assert [event.kind for event in events] == ["start", "stop"]
    assert events[1].seconds < 2 + 4.5 + 1.0 + 0.1  # floor memory, hangover, a block or two
    # and speech over that noise is voice again
    louder = noise(rng, 3, -30)
    louder[8000:16000] += syllables(1.0, -12)
    detector = VoiceDetector(hangover_ms=300)
    detector.process(to_int16(signal))
    assert [event.kind for event in detector.process(to_int16(louder))][:1] == ["start"]


def test_a_click_shorter_than_the_onset_time_is_not_voice(rng):
    signal = noise(rng, 2, -60)
    # 20 ms, tapered so the DC blocker rings no tail after it: three blocks at most
    signal[8040:8200] += syllables(0.02, -10) * np.hanning(160)
    assert VoiceDetector(min_on_ms=40).process(to_int16(signal)) == []
    signal[12000:12400] += syllables(0.05, -10)  # 50 ms is a word
    detector = VoiceDetector(min_on_ms=40, hangover_ms=200)
    assert [event.kind for event in detector.process(to_int16(signal))] == ["start", "stop"]


def test_any_split_of_the_stream_gives_the_same_events(rng):
    signal = noise(rng, 8, -60)
    signal[16000:32000] += syllables(2, -25)
    signal[44000:52000] += syllables(1, -25)
    pcm = to_int16(signal)
    whole = VoiceDetector(hangover_ms=400).process(pcm)
    split = VoiceDetector(hangover_ms=400)
    cuts = np.sort(rng.choice(np.arange(1, pcm.size), 40, replace=False))
    pieces = [split.process(piece) for piece in np.split(pcm, cuts)]
    assert [event for piece in pieces for event in piece] == whole
    assert len(whole) == 4


def test_reset_forgets_the_stream(rng):
    signal = noise(rng, 4, -60)
    signal[8000:16000] += syllables(1, -20)
    detector = VoiceDetector(hangover_ms=200)
    first = detector.process(to_int16(signal))
    detector.reset()
    assert detector.process(to_int16(signal)) == first


@pytest.mark.parametrize(
    "settings_",
    [
        {"threshold_dbm0": 5.0},
        {"snr_db": -1.0},
        {"min_on_ms": 5},
        {"hangover_ms": 70000},
    ],
)
def test_parameters_out_of_range_are_refused(settings_):
    with pytest.raises(DspInputError, match="out of range"):
        VoiceDetector(**settings_)


def test_bad_buffers_are_refused():
    detector = VoiceDetector()
    for bad in (np.zeros(10, np.float32), np.zeros(0, np.int16), [1, 2, 3]):
        with pytest.raises(DspInputError):
            detector.process(bad)


@settings(max_examples=100, deadline=None)
@given(hnp.arrays(np.int16, st.integers(1, 5000)))
def test_any_audio_gives_well_formed_events(samples):
    detector = VoiceDetector(hangover_ms=100)
    events = detector.process(samples) + detector.process(samples)
    kinds = [event.kind for event in events]
    assert all(a != b for a, b in itertools.pairwise(kinds))  # starts and stops alternate
    assert not kinds or kinds[0] == "start"
    positions = [event.sample for event in events]
    assert positions == sorted(positions)
    assert all(0 <= position <= 2 * samples.size for position in positions)


SENTENCES = [
    ("en-us", "Good morning, thank you for calling. How can I help you today?"),
    ("en-gb+f3", "I would like to check the status of my order, please."),
    ("cmn", "你好，请问王经理在吗？我想预约明天下午的会议。"),
    ("cmn+f2", "好的，没问题，我们下周一再联系。"),
    ("de", "Guten Tag, ich rufe wegen der Rechnung an."),
]


def test_labelled_speech_corpus_false_starts_and_clipped_speech(rng):
    """Utterances at known places in line noise: every one is found, nothing else is.

    The label of each utterance is where its clean signal is above -50 dBm0
    in 10 ms blocks; clipped speech is labelled speech outside the detected
    voice (the recorder's pre-roll then covers the onset).
    """
    require_speech_tools()
    pieces, labels, cursor = [], [], 0
    for voice, text in SENTENCES * 2:
        gap = int(rng.uniform(1.5, 4.0) * RATE)
        speech = utterance(text, voice).astype(np.float64)
        speech *= (
            levels.reference_rms()
            * 10 ** (rng.uniform(-30, -15) / 20)
            / np.sqrt(np.mean(speech**2))
        )
        blocks = speech[: speech.size // 80 * 80].reshape(-1, 80)
        power = np.mean(blocks**2, axis=1) / levels.reference_rms() ** 2
        block_level = 10 * np.log10(power + 1e-12)
        loud = np.flatnonzero(block_level > -50)
        labels.append((cursor + gap + loud[0] * 80, cursor + gap + (loud[-1] + 1) * 80))
        pieces += [np.zeros(gap), speech]
        cursor += gap + speech.size
    pieces.append(np.zeros(3 * RATE))
    clean = np.concatenate(pieces)
    for snr_name, noise_dbm0 in (("quiet line", -65), ("noisy line", -45)):
        line = to_int16(clean + noise(rng, clean.size / RATE, noise_dbm0))
        events = VoiceDetector(hangover_ms=1000, min_on_ms=30).process(line)
        spans = list(zip(events[::2], events[1::2], strict=False))
        covered = np.zeros(line.size, bool)
        for start, stop in spans:
            covered[start.sample : stop.sample] = True
        labelled = np.zeros(line.size, bool)
        for begin, end in labels:
            labelled[begin:end] = True
        false_starts = sum(not labelled[start.sample : stop.sample].any() for start, stop in spans)
        clipped = np.mean(~covered[labelled])
        missed = sum(not covered[begin:end].any() for begin, end in labels)
        print(
            f"{snr_name}: {len(labels)} utterances, {len(spans)} voice spans, "
            f"false starts {false_starts}, missed {missed}, clipped speech {clipped:.2%}"
        )
        assert missed == 0
        assert false_starts == 0
        assert clipped < 0.02

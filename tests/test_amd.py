"""firmware.tools.amd: answering-machine detection on outbound calls, against Asterisk's app_amd.

The corpus test prints both confusion matrices (run with ``-s``); its full
form is marked slow:

    .venv/bin/python -m pytest -s -m "slow or not slow" tests/test_amd.py
"""

from __future__ import annotations

import numpy as np
import pytest

from bench.corpora import amd as amd_corpus
from bench.corpora.speech import utterance
from bench.peers.asterisk_amd import asterisk_amd
from dsp_ext import levels
from dsp_ext.tonegen import tone
from firmware.country.profiles import (
    FAX_ANSWER_TONE,
    FAX_ANSWER_TONE_ANSAM,
    FAX_CALLING_TONE,
    PROFILES,
    SPECIAL_INFORMATION_TONE,
    AmdSettings,
    profile,
)
from firmware.country.tones import tone_generator
from firmware.tools.amd import AmdInputError, AnsweringMachineDetector, detect_answering_machine
from tests.support.blocks import random_blocks
from tests.support.required_tools import require_speech_tools

RATE = 8000


def _call(*parts, noise_dbm0: float = -65.0, seed: int = 1) -> np.ndarray:
    """Parts one after the other (a number is that many seconds of silence), over line noise."""
    pieces = [
        np.zeros(int(p * RATE)) if isinstance(p, float | int) else p.astype(float) for p in parts
    ]
    audio = np.concatenate(pieces)
    sigma = levels.reference_rms() * 10 ** (noise_dbm0 / 20)
    audio += np.random.default_rng(seed).normal(0.0, sigma, audio.size)
    return np.clip(np.round(audio), -32768, 32767).astype(np.int16)


def _tone(name_or_tone, seconds: float, country: str = "CN", level: float = -20.0) -> np.ndarray:
    chosen = profile(country).tones[name_or_tone] if isinstance(name_or_tone, str) else name_or_tone
    return tone_generator(chosen, level).generate(int(seconds * RATE))


def _speech(text: str, voice: str = "en-us", level: float = -18.0) -> np.ndarray:
    require_speech_tools()
    spoken = utterance(text, voice=voice).astype(float)
    loud = np.flatnonzero(np.abs(spoken) > 64)
    spoken = spoken[loud[0] : loud[-1] + 1]
    rms = np.sqrt(np.mean(spoken**2))
    return spoken * levels.reference_rms() * 10 ** (level / 20) / rms


@pytest.mark.parametrize("country", sorted(PROFILES))
@pytest.mark.parametrize("name", ["busy", "congestion"])
def test_busy_and_congestion_tones_are_busy(country, name):
    result = detect_answering_machine(_call(1.0, _tone(name, 6.0, country)), country)
    assert (result.status, result.cause) == ("BUSY", name)
    assert result.at_s < 1.0 + 2.5
    assert result.answered_at_s is None


def test_the_special_information_tone_is_sit():
    sit = tone_generator(SPECIAL_INFORMATION_TONE, -18.0, repeat=False).generate(RATE)
    result = detect_answering_machine(_call(0.8, sit, 3.0), "US")
    assert result.status == "SIT"


def test_ringback_for_no_answer_s_is_no_answer():
    settings = AmdSettings(no_answer_s=12.0)
    result = detect_answering_machine(_call(1.0, _tone("ringback", 20.0)), "CN", settings=settings)
    assert result.status == "NO_ANSWER"
    assert result.at_s == pytest.approx(1.0 + 12.0, abs=0.05)


def test_ringback_that_runs_out_with_the_audio_is_no_answer():
    assert detect_answering_machine(_call(1.0, _tone("ringback", 9.0)), "CN").status == "NO_ANSWER"


def test_the_answer_is_where_voice_starts_after_the_ringback():
    hello = _speech("Hello?")
    audio = _call(1.0, _tone("ringback", 6.6), 0.4, hello, 3.0)
    result = detect_answering_machine(audio, "CN")
    assert result.status == "HUMAN"
    assert result.answered_at_s == pytest.approx(8.0, abs=0.03)
    assert result.at_s == pytest.approx(8.0 + hello.size / RATE + 0.8, abs=0.1)


def test_a_silent_answer_after_the_ringback_is_nobody_there():
    result = detect_answering_machine(_call(1.0, _tone("ringback", 6.2), 8.0), "CN")
    assert (result.status, result.cause) == ("NOTSURE", "nobody spoke")


@pytest.mark.parametrize("fax_tone", [FAX_ANSWER_TONE, FAX_ANSWER_TONE_ANSAM, FAX_CALLING_TONE])
def test_fax_tones_are_fax(fax_tone):
    audio = _call(0.7, tone_generator(fax_tone, -25.0).generate(int(3.3 * RATE)), 3.0)
    result = detect_answering_machine(audio, "DE", answered=True)
    assert result.status == "FAX"


def test_silence_and_steady_noise_are_nobody_there(rng):
    assert detect_answering_machine(_call(6.0), answered=True).status == "NOTSURE"
    hiss = rng.normal(0.0, levels.reference_rms() * 10 ** (-30 / 20), 6 * RATE)
    hum = tone((50.0, 150.0, 250.0), 6.0, level_dbm0=-33.0)
    for noise in (hiss, hum):
        result = detect_answering_machine(_call(noise), answered=True)
        assert (result.status, result.cause) == ("NOTSURE", "nobody spoke")
        assert result.at_s == pytest.approx(2.5, abs=0.05)


def test_a_short_hello_is_a_person_and_a_long_greeting_a_machine():
    hello = _speech("喂，你好。", voice="cmn")
    human = detect_answering_machine(_call(0.6, hello, 4.0), answered=True)
    assert (human.status, human.cause) == ("HUMAN", "short greeting, then silence")
    greeting = _speech("Hi, you have reached John. Please leave a message after the tone.")
    machine = detect_answering_machine(_call(0.6, greeting, 2.0), answered=True)
    assert (machine.status, machine.cause) == ("MACHINE", "long greeting")
    assert 0.6 + 1.8 <= machine.at_s < 0.6 + 3.0  # 1.8 s of voice, pauses not counted


def test_a_beep_after_a_short_greeting_is_a_machine():
    greeting = _speech("Leave a message.")
    beep = tone((1000.0,), 0.4, level_dbm0=-15.0)
    result = detect_answering_machine(_call(0.5, greeting, 0.3, beep, 3.0), answered=True)
    assert (result.status, result.cause) == ("MACHINE", "beep")
    without = detect_answering_machine(_call(0.5, greeting, 3.5), answered=True)
    assert without.status == "HUMAN"


def test_the_settings_are_the_profiles_and_can_be_changed():
    greeting = _speech("Hello, this is the Acme office.")  # about 1.6 s of voice
    audio = _call(0.5, greeting, 3.0)
    short = AmdSettings(greeting_s=1.0)
    long = AmdSettings(greeting_s=3.0)
    assert detect_answering_machine(audio, answered=True, settings=short).status == "MACHINE"
    assert detect_answering_machine(audio, answered=True, settings=long).status == "HUMAN"
    assert AnsweringMachineDetector("GB").settings == profile("GB").amd


def test_answer_supervision_starts_the_clock():
    detector = AnsweringMachineDetector("US")
    assert detector.feed(_call(3.0)) is None
    detector.answer()
    result = detector.feed(_call(3.0, seed=2))
    assert (result.status, result.at_s, result.answered_at_s) == ("NOTSURE", 5.5, 3.0)


def test_block_size_does_not_change_the_decision(rng):
    audio = _call(1.0, _tone("ringback", 6.6), 0.4, _speech("Yes?"), 3.0)
    whole = detect_answering_machine(audio, "CN")
    detector = AnsweringMachineDetector("CN")
    result = None
    for block in random_blocks(audio, rng, 700):
        result = detector.feed(block)
        if result is not None:
            break
    assert result == whole
    assert detector.feed(audio[:10]) is result  # decided: further audio changes nothing


@pytest.mark.parametrize(
    "bad", [np.zeros(10, dtype=np.float32), np.zeros((2, 80), dtype=np.int16), [0, 1], None]
)
def test_bad_audio_is_refused(bad):
    with pytest.raises(AmdInputError, match="1-D numpy int16"):
        AnsweringMachineDetector().feed(bad)


def _run_corpus(spec):
    problem = amd_corpus.tools_missing()
    if problem:
        require_speech_tools()
    items = amd_corpus.build(spec)
    truth, ours, baseline = [], [], []
    for item in items:
        truth.append(item.label)
        ours.append(
            detect_answering_machine(item.samples, item.country, answered=item.from_answer).status
        )
        # app_amd starts at the answer; it is given the true one (it has no call progress).
        start = 0 if item.from_answer or item.answered_at is None else item.answered_at
        baseline.append(asterisk_amd(item.samples[start:])[0])
    return truth, ours, baseline


@pytest.mark.parametrize(
    "spec",
    [
        pytest.param(amd_corpus.SMALL, id="small"),
        pytest.param(amd_corpus.FULL, id="full", marks=pytest.mark.slow),
    ],
)
def test_corpus_confusion_matrices_against_asterisk(spec):
    truth, ours, baseline = _run_corpus(spec)
    print("\n" + amd_corpus.confusion_table("linerec AMD", truth, ours))
    print(amd_corpus.confusion_table("Asterisk app_amd (defaults)", truth, baseline))
    mine = amd_corpus.per_class_accuracy(truth, ours)
    theirs = amd_corpus.per_class_accuracy(truth, baseline)
    overall = sum(t == o for t, o in zip(truth, ours, strict=True)) / len(truth)
    yardstick = sum(t == b for t, b in zip(truth, baseline, strict=True)) / len(truth)
    assert overall > yardstick
    assert mine["HUMAN"] > theirs["HUMAN"]
    for label, accuracy in mine.items():
        assert accuracy >= 0.9, f"{label}: {accuracy:.0%}"
    if spec is amd_corpus.SMALL:
        for label in mine:
            assert mine[label] >= theirs[label], label

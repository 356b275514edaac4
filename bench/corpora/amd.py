"""A labelled corpus for answering-machine detection, made when a test or benchmark runs.

No recordings of real answering machines here, so the calls are built:
- HUMAN: a person picks up and says a short "hello?" / "喂？" / "你好，哪位？"
  (espeak-ng, English and Mandarin, several voices, pitches and speeds),
  then waits; some say it again two seconds later;
- MACHINE: a recorded greeting of 1.5 to 9 s ("You have reached ...",
  "您好，您拨打的用户...") in the same voices, often followed by a beep;
- FAX: a fax machine answering with CED or ANSam, or one sending CNG;
- NOTSURE: nobody there: the line's own hiss, or steady noise (white,
  pink, mains hum) at -45 to -30 dBm0;
- the call-progress outcomes, heard from the end of dialling: BUSY (busy or
  congestion tone), SIT (the special information tone, then a recorded
  announcement), NO_ANSWER (ringback until the detector gives up), and
  HUMAN / MACHINE answering after some ringback, where the detector has to
  find the answer itself.
Speech is placed at -30 to -12 dBm0 over line noise at -70 to -50 dBm0; a
third of the calls pass through A-law and a third through mu-law. Each
item has a seed of its own, so a spec always gives the same corpus.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from bench.corpora.speech import speech_tools_missing, utterance
from dsp_ext import g711, levels
from dsp_ext.tonegen import tone as make_tone
from firmware.country.profiles import (
    FAX_ANSWER_TONE,
    FAX_ANSWER_TONE_ANSAM,
    FAX_CALLING_TONE,
    PROFILES,
    SPECIAL_INFORMATION_TONE,
    profile,
)
from firmware.country.tones import tone_generator

RATE = 8000
ANSWER_ITEM_S = 6.0  # audio after the answer: more than the 5 s any detector listens
LABELS = ("HUMAN", "MACHINE", "FAX", "NOTSURE", "BUSY", "NO_ANSWER", "SIT")

VOICES = {
    "en": [
        ("en-us", 165),
        ("en-us+f3", 175),
        ("en-gb+m3", 150),
        ("en-gb-x-rp+f2", 160),
        ("en-us+m4", 185),
        ("en-gb+f4", 145),
    ],
    "zh": [("cmn", 165), ("cmn+f3", 170), ("cmn+m3", 150), ("cmn+f4", 175), ("cmn+m4", 185)],
}

ANSWERS = {
    "en": [
        "Hello?",
        "Hello.",
        "Yes?",
        "Hi.",
        "Hello, who's this?",
        "Yeah, hello?",
        "Speaking.",
        "Good morning.",
        "Hello, Mark speaking.",
        "Hi there.",
        "Hello, who is it?",
        "Yes, hello.",
    ],
    "zh": [
        "喂？",
        "喂，你好。",
        "你好，哪位？",
        "喂，请讲。",
        "喂？",
        "是我。",
        "你好。",
        "喂，哪位？",
        "您好，请问找谁？",
        "喂，说话。",
    ],
}

GREETINGS = {
    "en": [
        "Please leave a message.",
        "Hi, it's Anna. Leave a message.",
        "You have reached five five five, zero one three four.",
        "Hi, this is Tom. I can't take your call. Leave a message after the beep.",
        "Hello, you have reached the voicemail of David Chen. Please leave your name and number.",
        "Thank you for calling Acme Trading. Our office is now closed. Please call again "
        "during business hours, Monday to Friday, nine to six.",
        "Hi, you have reached John. I can't take your call right now. Please leave a message "
        "after the tone and I will get back to you as soon as I can.",
        "The person you are calling is not available. Please record your message after the "
        "tone. When you are finished, hang up.",
    ],
    "zh": [
        "请留言。",
        "你好，我是小王，请留言。",
        "您好，我现在不方便接电话，请在提示音后留言。",
        "您好，您拨打的用户暂时无法接通，请在提示音后留言，谢谢。",
        "您好，这里是华信贸易公司，我们的工作时间是周一至周五，上午九点到下午六点，请在工作时间来电。",
        "你好，我是李明，现在无法接听你的电话，请在嘀声后留下你的姓名和电话号码，我会尽快回复你。",
    ],
}

ANNOUNCEMENTS = {
    "en": "The number you have dialled is not in service. Please check the number and try again.",
    "zh": "您拨打的号码是空号，请查证后再拨。",
}


@dataclass(frozen=True)
class AmdItem:
    label: str  # the right answer, one of LABELS
    kind: str  # what the call is, e.g. "answer zh", "greeting 4.1 s + beep", "ansam"
    country: str
    samples: np.ndarray
    answered_at: int | None  # where the far end picked up (None: it never did)
    from_answer: bool  # True: the audio starts at the answer; False: at the end of dialling


@dataclass(frozen=True)
class AmdCorpusSpec:
    per_class: int  # items of each of HUMAN, MACHINE, FAX, NOTSURE heard from the answer
    call_progress: int  # items of each call-progress kind heard from the end of dialling
    seed: int


SMALL = AmdCorpusSpec(per_class=10, call_progress=3, seed=20240611)
FULL = AmdCorpusSpec(per_class=60, call_progress=12, seed=20240612)
# Made apart from both, for choosing the detector's settings.
DEVELOPMENT = AmdCorpusSpec(per_class=40, call_progress=6, seed=7)


def tools_missing() -> str | None:
    return speech_tools_missing()


def _rms_level(samples: np.ndarray) -> float:
    rms = float(np.sqrt(np.mean(samples.astype(np.float64) ** 2)))
    return 20 * math.log10(max(rms, 1e-9) / levels.reference_rms())


def _at_level(samples: np.ndarray, dbm0: float) -> np.ndarray:
    """``samples`` scaled so that their voiced part (over -50 dB of the peak) is at ``dbm0``."""
    values = samples.astype(np.float64)
    frames = values[: values.size // 80 * 80].reshape(-1, 80)
    energy = (frames**2).mean(axis=1)
    active = energy > energy.max() * 1e-5
    rms = math.sqrt(float(energy[active].mean())) if active.any() else 1.0
    return values * (levels.reference_rms() * 10 ** (dbm0 / 20) / rms)


def _speech(rng: np.random.Generator, language: str, text: str, level: float) -> np.ndarray:
    voice, speed = VOICES[language][int(rng.integers(len(VOICES[language])))]
    spoken = utterance(text, voice=voice, speed=int(speed + rng.integers(-15, 16)))
    # espeak-ng leaves silence before and after: trim it, the timing is ours.
    loud = np.flatnonzero(np.abs(spoken) > 64)
    spoken = spoken[loud[0] : loud[-1] + 1] if loud.size else spoken
    return _at_level(spoken, level)


def _line_noise(rng: np.random.Generator, count: int, dbm0: float) -> np.ndarray:
    white = rng.normal(0.0, 1.0, count)
    # A little low-pass, as a line's hiss is not flat.
    hiss = np.convolve(white, [0.5, 1.0, 0.5], mode="same")
    return hiss * (levels.reference_rms() * 10 ** (dbm0 / 20) / hiss.std())


def _finish(rng: np.random.Generator, signal: np.ndarray) -> np.ndarray:
    """Line noise under it all, then 16-bit, then maybe A-law or mu-law."""
    mixed = signal + _line_noise(rng, signal.size, float(rng.uniform(-70.0, -50.0)))
    samples = np.clip(np.round(mixed), -32768, 32767).astype(np.int16)
    coding = int(rng.integers(3))
    if coding == 1:
        return g711.alaw_decode(g711.alaw_encode(samples))
    if coding == 2:
        return g711.ulaw_decode(g711.ulaw_encode(samples))
    return samples


def _place(signal: np.ndarray, at_s: float, part: np.ndarray) -> float:
    """Add ``part`` at ``at_s`` (cut at the end of ``signal``); return where it ends."""
    at = round(at_s * RATE)
    end = min(signal.size, at + part.size)
    if at < end:
        signal[at:end] += part[: end - at]
    return (at + part.size) / RATE


def _language(rng: np.random.Generator, country: str) -> str:
    chinese = 0.8 if country == "CN" else 0.2
    return "zh" if rng.random() < chinese else "en"


def _human(rng: np.random.Generator, country: str, seconds: float, at_s: float):
    language = _language(rng, country)
    signal = np.zeros(int(seconds * RATE))
    level = float(rng.uniform(-30.0, -12.0))
    text = str(rng.choice(ANSWERS[language]))
    end = _place(signal, at_s + float(rng.uniform(0.2, 1.2)), _speech(rng, language, text, level))
    again = rng.random() < 0.3
    if again:  # nobody answers, so the person asks again
        repeat = "Hello?" if language == "en" else "喂？"
        _place(signal, end + float(rng.uniform(1.8, 2.6)), _speech(rng, language, repeat, level))
    return signal, f"answer {language}" + (" twice" if again else "")


def _machine(rng: np.random.Generator, country: str, seconds: float, at_s: float):
    language = _language(rng, country)
    signal = np.zeros(int(seconds * RATE))
    text = str(rng.choice(GREETINGS[language]))
    greeting = _speech(rng, language, text, float(rng.uniform(-28.0, -12.0)))
    end = _place(signal, at_s + float(rng.uniform(0.3, 1.5)), greeting)
    kind = f"greeting {language} {greeting.size / RATE:.1f} s"
    if rng.random() < 0.6:
        hz = float(rng.choice([440.0, 850.0, 1000.0, 1400.0]))
        beep = make_tone(
            (hz,), float(rng.uniform(0.25, 0.6)), level_dbm0=float(rng.uniform(-20, -10))
        )
        _place(signal, end + float(rng.uniform(0.2, 0.6)), beep.astype(float))
        kind += " + beep"
    return signal, kind


def _fax(rng: np.random.Generator, seconds: float, at_s: float):
    signal = np.zeros(int(seconds * RATE))
    level = float(rng.uniform(-30.0, -10.0))
    choice = rng.random()
    start = at_s + float(rng.uniform(0.2, 1.5))
    if choice < 0.4:
        kind, tone = "ced", FAX_ANSWER_TONE
    elif choice < 0.8:
        kind, tone = "ansam", FAX_ANSWER_TONE_ANSAM
    else:
        kind, tone = "cng", FAX_CALLING_TONE
    length = 8.0 if kind == "cng" else float(rng.uniform(2.6, 4.0))
    part = tone_generator(tone, level).generate(int(length * RATE)).astype(float)
    _place(signal, start, part)
    return signal, kind


def _nobody(rng: np.random.Generator, seconds: float):
    count = int(seconds * RATE)
    if rng.random() < 0.5:
        return np.zeros(count), "silence"
    level = float(rng.uniform(-45.0, -30.0))
    kind = str(rng.choice(["white", "pink", "hum"]))
    if kind == "white":
        noise = rng.normal(0.0, 1.0, count)
    elif kind == "pink":
        spectrum = np.fft.rfft(rng.normal(0.0, 1.0, count))
        noise = np.fft.irfft(
            spectrum / np.sqrt(np.maximum(np.fft.rfftfreq(count, 1 / RATE), 20.0)), count
        )
    else:
        t = np.arange(count) / RATE
        mains = float(rng.choice([50.0, 60.0]))
        noise = sum(
            np.sin(2 * math.pi * mains * k * t + rng.uniform(0, 6)) / k for k in range(1, 12)
        )
    noise = noise * (levels.reference_rms() * 10 ** (level / 20) / np.std(noise))
    return noise, f"{kind} noise {level:.0f} dBm0"


def _answered_item(label: str, rng: np.random.Generator, country: str) -> AmdItem:
    if label == "HUMAN":
        signal, kind = _human(rng, country, ANSWER_ITEM_S, 0.0)
    elif label == "MACHINE":
        signal, kind = _machine(rng, country, ANSWER_ITEM_S, 0.0)
    elif label == "FAX":
        signal, kind = _fax(rng, ANSWER_ITEM_S, 0.0)
    else:
        signal, kind = _nobody(rng, ANSWER_ITEM_S)
    return AmdItem(label, kind, country, _finish(rng, signal), 0, True)


def _tone_part(tone, seconds: float, rng: np.random.Generator) -> np.ndarray:
    level = float(rng.uniform(-30.0, -10.0))
    return tone_generator(tone, level).generate(int(seconds * RATE)).astype(float)


def _call_progress_item(label: str, rng: np.random.Generator, country: str) -> AmdItem:
    tones = profile(country).tones
    lead = float(rng.uniform(0.5, 2.0))  # the exchange connecting the call
    if label == "BUSY":
        which = str(rng.choice(["busy", "congestion"]))
        signal = np.zeros(int((lead + 8.0) * RATE))
        _place(signal, lead, _tone_part(tones[which], 8.0, rng))
        return AmdItem(label, which, country, _finish(rng, signal), None, False)
    if label == "SIT":
        language = _language(rng, country)
        signal = np.zeros(int((lead + 9.0) * RATE))
        sequence = tone_generator(
            SPECIAL_INFORMATION_TONE, float(rng.uniform(-24, -12)), repeat=False
        )
        end = _place(signal, lead, sequence.generate(int(1.0 * RATE)).astype(float))
        _place(signal, end + 0.1, _speech(rng, language, ANNOUNCEMENTS[language], -18.0))
        return AmdItem(
            label, f"sit + announcement {language}", country, _finish(rng, signal), None, False
        )
    ringback = tones["ringback"]
    cycle = sum(ringback.cadence_s)
    if label == "NO_ANSWER":
        seconds = profile(country).amd.no_answer_s + cycle
        signal = np.zeros(int((lead + seconds) * RATE))
        _place(signal, lead, _tone_part(ringback, seconds, rng))
        return AmdItem(label, "ringback", country, _finish(rng, signal), None, False)
    # Answered after some rings: the ringback stops where the far end picks up.
    answered = lead + cycle * float(rng.integers(1, 4)) + float(rng.uniform(0.0, cycle))
    signal = np.zeros(int((answered + ANSWER_ITEM_S) * RATE))
    _place(signal, lead, _tone_part(ringback, answered - lead, rng))
    maker = _human if label == "HUMAN" else _machine
    body, kind = maker(rng, country, ANSWER_ITEM_S, 0.0)
    _place(signal, answered, body)
    item_kind = f"ringback, then {kind}"
    return AmdItem(label, item_kind, country, _finish(rng, signal), int(answered * RATE), False)


def build(spec: AmdCorpusSpec) -> list[AmdItem]:
    """The corpus of ``spec``: the same items every time (espeak-ng's speech is cached)."""
    items = []
    countries = sorted(PROFILES)
    for index, label in enumerate(("HUMAN", "MACHINE", "FAX", "NOTSURE")):
        for number in range(spec.per_class):
            rng = np.random.default_rng([spec.seed, index, number])
            items.append(_answered_item(label, rng, countries[number % len(countries)]))
    for index, label in enumerate(("BUSY", "SIT", "NO_ANSWER", "HUMAN", "MACHINE")):
        for number in range(spec.call_progress):
            rng = np.random.default_rng([spec.seed, 10 + index, number])
            items.append(_call_progress_item(label, rng, countries[number % len(countries)]))
    return items


def confusion(truth: list[str], predicted: list[str]) -> dict[tuple[str, str], int]:
    counts: dict[tuple[str, str], int] = {}
    for true, guess in zip(truth, predicted, strict=True):
        counts[(true, guess)] = counts.get((true, guess), 0) + 1
    return counts


def confusion_table(title: str, truth: list[str], predicted: list[str]) -> str:
    """The confusion matrix (rows: the truth, columns: the answer) with each class's accuracy."""
    counts = confusion(truth, predicted)
    rows_labels = [label for label in LABELS if label in truth]
    columns = [label for label in LABELS if label in truth or label in predicted]
    width = max(len(label) for label in columns) + 1
    lines = [
        title,
        "truth \\ said".ljust(14) + "".join(c.rjust(width) for c in columns) + "  accuracy",
    ]
    for label in rows_labels:
        total = sum(counts.get((label, c), 0) for c in columns)
        right = counts.get((label, label), 0)
        lines.append(
            label.ljust(14)
            + "".join(str(counts.get((label, c), 0)).rjust(width) for c in columns)
            + f"  {right}/{total} {100 * right / total:.0f} %"
        )
    right = sum(1 for t, p in zip(truth, predicted, strict=True) if t == p)
    lines.append(
        f"{'all'.ljust(14)}{''.rjust(width * len(columns))}  {right}/{len(truth)} "
        f"{100 * right / len(truth):.0f} %"
    )
    return "\n".join(lines)


def per_class_accuracy(truth: list[str], predicted: list[str]) -> dict[str, float]:
    result = {}
    for label in dict.fromkeys(truth):
        picked = [p for t, p in zip(truth, predicted, strict=True) if t == label]
        result[label] = sum(1 for p in picked if p == label) / len(picked)
    return result

"""The talk-off corpus: speech, music-like and noise signals with no DTMF in them.

No Bellcore tapes here, so the corpus is made at test time:
- speech: espeak-ng (Debian) reading random English and Mandarin sentences
  in several voices, pitches and speeds, resampled to 8 kHz by sox, at
  levels from -30 to -8 dBm0; a third of it passed through A-law and a
  third through mu-law (our G.711, bit-exact with G.191);
- music-like: equal-tempered notes and chords (A4 = 440 Hz, which puts F5
  and F#6 within 0.2 % of 697 and 1477 Hz) with harmonic timbres, vibrato,
  envelopes and percussion;
- noise: white, pink and brown noise, mains hum with harmonics, clicks.

Everything is cached under build/dtmf_talkoff/, keyed by a hash of the
generation parameters, so it is made once per clean clone.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from dsp_ext import g711

RATE = 8000
DBM0_PEAK = 22776.0
CACHE = Path(__file__).resolve().parents[1] / "build" / "dtmf_talkoff"
VERSION = 1  # bump when the generation below changes

ENGLISH = tuple(
    (  # noqa: SIM905 - a word list reads best as text
        "the of and to in is you that it he was for on are as with his they at be this "
        "have from or one had by word but not what all were we when your can said there "
        "use an each which she do how their if will up other about out many then them "
        "these so some her would make like him into time has look two more write go see "
        "number no way could people my than first water been call who oil its now find "
        "long down day did get come made may part over new sound take only little work "
        "know place year live me back give most very after thing our just name good "
        "sentence man think say great where help through much before line right too mean "
        "old any same tell boy follow came want show also around form three small set "
        "put end does another well large must big even such because turn here why ask "
        "went men read need land different home us move try kind hand picture again "
        "change off play spell air away animal house point page letter mother answer "
        "found study still learn should america world nine seven zero hello thanks order "
        "account balance payment press option customer service please hold transfer "
    ).split()
)

MANDARIN = (
    "的一是不了人我在有他这中大来上国个到说们为子和你地出道也时年得就那要下以生会"
    "自着去之过家学对可她里后小么心多天而能好都然没日于起还发成事只作当想看文无开"
    "手十用主行方又如前所本见经头面公同三已老从动两长知民样现分将外但身些与高意进"
    "把法此实回二理美点月明其种声全工己话儿者向情部正名定女问力机给等几很业最间新"
    "什打便位因重被走电四第门相次东政海口使教西再平真听世气信北少关并内加化由却代"
    "军产入先山五太水万市眼体别处总才场师书比住员九笑性通目华报立马命张活难神数件"
    "安表原车白应路期叫死常提感金何更反合放做系计或司利受光王果亲界及今京务制解各"
    "任至清物台象记边共风战干接它许八特觉望直服毛林题建南度统色字请交爱让认算论百"
    "吃义科怎元社术结六功指思非流每青管夫连远资队跟带花快条院变联言权往展该领传近"
    "留红治决周保达办运武半候七必城父强步完革深区即求品士转量空甚众技轻程告江语英"
    "基派满式李息写呢识极令黄德收脸钱党倒未持取设始版双历越史商千片容研像找友孩站"
    "广改议形委早房音火际则首单据导影失拿网香似斯专石若兵弟谁校读志飞观争究包组造"
    "落视济喜离虽坐集编宝谈府拉黑且随格尽剑讲布杀微怕母调局根曾准团段终乐切级克精"
    "哪官示冷域查古"
)


@dataclass(frozen=True)
class CorpusSpec:
    speech_s: float  # total speech, seconds
    music_s: float
    noise_s: float
    seed: int = 20240601


VOICES = [
    # (espeak-ng voice, pitch 0-99, words per minute)
    ("en-us", 50, 165),
    ("en-us+f3", 75, 175),
    ("en-gb+m3", 35, 150),
    ("en-us+f4", 90, 180),
    ("en-gb-x-rp+f2", 65, 160),
    ("cmn", 50, 165),
    ("cmn+f3", 75, 170),
    ("cmn+m3", 35, 150),
    ("cmn+f4", 92, 175),
]

SHORT = CorpusSpec(speech_s=600.0, music_s=120.0, noise_s=60.0)
FULL = CorpusSpec(speech_s=2.0 * 3600 + 120.0, music_s=1200.0, noise_s=600.0)


def tools_missing() -> str | None:
    missing = [tool for tool in ("espeak-ng", "sox") if shutil.which(tool) is None]
    return (
        f"{' and '.join(missing)} not installed (apt-get install espeak-ng sox)"
        if missing
        else None
    )


def _key(spec: CorpusSpec) -> str:
    text = json.dumps({"version": VERSION, "voices": VOICES, **asdict(spec)}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _scale_to(samples: np.ndarray, dbm0: float) -> np.ndarray:
    rms = float(np.sqrt(np.mean(samples.astype(np.float64) ** 2))) or 1.0
    target = DBM0_PEAK / np.sqrt(2) * 10 ** (dbm0 / 20)
    return samples * (target / rms)


def _to_int16(signal: np.ndarray) -> np.ndarray:
    return np.clip(np.round(signal), -32768, 32767).astype(np.int16)


def _sentences(rng: np.random.Generator, mandarin: bool, count: int) -> str:
    out = []
    for _ in range(count):
        if mandarin:
            chars = rng.choice(list(MANDARIN), size=int(rng.integers(6, 20)))
            out.append("".join(chars) + str(rng.choice(["。", "？", "！", "，"])))
        else:
            words = list(rng.choice(ENGLISH, size=int(rng.integers(4, 16))))
            if rng.random() < 0.3:
                words.append(str(int(rng.integers(0, 100000))))
            out.append(" ".join(words).capitalize() + str(rng.choice([".", "?", "!", ","])))
    return " ".join(out)


def _speak(text: str, voice: str, pitch: int, speed: int, work: Path) -> np.ndarray:
    (work / "text.txt").write_text(text, encoding="utf-8")
    raw, low = work / "raw.wav", work / "low.raw"
    subprocess.run(
        [
            "espeak-ng",
            "-v",
            voice,
            "-p",
            str(pitch),
            "-s",
            str(speed),
            "-b",
            "1",
            "-f",
            str(work / "text.txt"),
            "-w",
            str(raw),
        ],
        check=True,
        capture_output=True,
    )
    subprocess.run(
        [
            "sox",
            str(raw),
            "-t",
            "raw",
            "-e",
            "signed-integer",
            "-b",
            "16",
            "-c",
            "1",
            "-r",
            str(RATE),
            str(low),
        ],
        check=True,
        capture_output=True,
    )
    return np.fromfile(low, dtype="<i2").astype(np.int16)


def _speech(spec: CorpusSpec, rng: np.random.Generator) -> np.ndarray:
    per_voice = spec.speech_s / len(VOICES)
    pieces = []
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        for index, (voice, pitch, speed) in enumerate(VOICES):
            made = 0.0
            while made < per_voice:
                text = _sentences(rng, voice.startswith("cmn"), 40)
                audio = _speak(text, voice, pitch, speed, work)
                # Cut into phrases of 2-10 s, each at its own level and coding.
                at = 0
                while at < audio.size and made < per_voice:
                    length = int(rng.integers(2 * RATE, 10 * RATE))
                    phrase = audio[at : at + length]
                    at += length
                    if phrase.size < RATE:
                        continue
                    phrase = _to_int16(_scale_to(phrase, float(rng.uniform(-30.0, -8.0))))
                    coding = (index + len(pieces)) % 3
                    if coding == 1:
                        phrase = g711.alaw_decode(g711.alaw_encode(phrase))
                    elif coding == 2:
                        phrase = g711.ulaw_decode(g711.ulaw_encode(phrase))
                    pieces.append(phrase)
                    made += phrase.size / RATE
    return np.concatenate(pieces)


TIMBRES = [
    # relative harmonic amplitudes (1st, 2nd, ...)
    [1.0, 0.32, 0.1],  # flute-like
    [1.0, 0.5, 0.33, 0.25, 0.2, 0.17, 0.14, 0.12],  # sawtooth-like (strings, brass)
    [1.0, 0.0, 0.33, 0.0, 0.2, 0.0, 0.14],  # clarinet-like (odd harmonics)
    [1.0, 0.7, 0.5, 0.2, 0.3, 0.1],  # reed / organ
    [1.0, 0.1, 0.05],  # near-sine (whistle, electronic)
]


def _music(spec: CorpusSpec, rng: np.random.Generator) -> np.ndarray:
    total = int(spec.music_s * RATE)
    out = np.zeros(total)
    at = 0
    while at < total:
        length = int(rng.integers(int(0.1 * RATE), int(0.8 * RATE)))
        n = np.arange(length)
        timbre = TIMBRES[int(rng.integers(len(TIMBRES)))]
        root = int(rng.integers(-21, 28))  # semitones from A4: C3 .. C#7
        chord = [root] + [
            root + int(i)
            for i in rng.choice([3, 4, 7, 12, 16, 19], size=int(rng.integers(0, 4)), replace=False)
        ]
        vibrato = rng.uniform(0, 0.006) * np.sin(2 * np.pi * rng.uniform(4, 7) * n / RATE)
        note = np.zeros(length)
        for semitone in chord:
            f0 = 440.0 * 2 ** (semitone / 12)
            for k, amp in enumerate(timbre, start=1):
                if amp and k * f0 < RATE / 2 - 100:
                    phase = 2 * np.pi * k * f0 * np.cumsum(1 + vibrato) / RATE
                    note += amp * np.sin(phase + rng.uniform(0, 2 * np.pi))
        attack = min(length, int(rng.integers(40, 400)))
        envelope = np.exp(-n / (length * rng.uniform(0.3, 3.0)))
        envelope[:attack] *= np.linspace(0, 1, attack)
        note *= envelope
        if rng.random() < 0.25:  # a drum hit
            hit = rng.normal(0, 1, length) * np.exp(-n / rng.uniform(200, 1500))
            note += hit * rng.uniform(0.2, 1.0) * np.abs(note).max()
        note = _scale_to(note, float(rng.uniform(-30.0, -10.0))) if note.any() else note
        end = min(total, at + length)
        out[at:end] += note[: end - at]
        at += int(length * rng.uniform(0.6, 1.0))  # notes overlap a little
    return _to_int16(out)


def _noise(spec: CorpusSpec, rng: np.random.Generator) -> np.ndarray:
    total = int(spec.noise_s * RATE)
    piece = total // 5
    white = rng.normal(0, 1, piece)
    spectrum = np.fft.rfft(rng.normal(0, 1, piece))
    freqs = np.maximum(np.fft.rfftfreq(piece, 1 / RATE), 1.0)
    pink = np.fft.irfft(spectrum / np.sqrt(freqs), piece)
    brown = np.fft.irfft(spectrum / freqs, piece)
    n = np.arange(piece)
    hum = sum(np.sin(2 * np.pi * 50 * k * n / RATE + rng.uniform(0, 6)) / k for k in range(1, 40))
    clicks = np.zeros(piece)
    positions = rng.integers(0, piece, size=piece // 800)
    clicks[positions] = rng.choice([-1.0, 1.0], size=positions.size)
    clicks = np.convolve(clicks, np.exp(-np.arange(40) / 6.0), mode="same")
    parts = [white, pink, brown, hum, clicks]
    return np.concatenate([_to_int16(_scale_to(p, float(rng.uniform(-30, -10)))) for p in parts])


def load(spec: CorpusSpec) -> dict[str, np.ndarray]:
    """{"speech", "music", "noise"}: int16 arrays, made on first use and cached."""
    folder = CACHE / _key(spec)
    names = ("speech", "music", "noise")
    if not all((folder / f"{name}.npy").exists() for name in names):
        rng = np.random.default_rng(spec.seed)
        made = {
            "speech": _speech(spec, rng),
            "music": _music(spec, rng),
            "noise": _noise(spec, rng),
        }
        folder.mkdir(parents=True, exist_ok=True)
        for name, samples in made.items():
            temp = folder / f"{name}.tmp.npy"
            np.save(temp, samples)
            temp.replace(folder / f"{name}.npy")
        (folder / "spec.json").write_text(json.dumps(asdict(spec)))
    return {name: np.load(folder / f"{name}.npy") for name in names}

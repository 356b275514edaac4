"""The echo test corpus: the line, the signals and the measures, one harness
for linerec's canceller and speexdsp's (tests/test_echo_lines.py and the echo
section of ``python -m bench.dsp``).

The line is built after ITU-T G.168: what the box sends (the far end) leaves
it through G.711; a hybrid, one of G.168's Annex D echo path models scaled
to the wanted echo return loss (ERL) behind a bulk delay, returns part of
it; the near end's own talk or noise, band-limited as a line delivers it,
is added; the sum comes back in through G.711 again. Every canceller gets
the very same far and near samples, and the harness knows what each part
of the near end was, so it can tell residual echo from near-end speech in
the output.

Far-end signals: G.168's composite source signal (CSS: voiced segment,
pseudo-noise, pause, polarity inverted every other period) and espeak-ng
speech, English and Mandarin (the box's two languages). Near-end talk in
double talk, as in G.168's double-talk tests: espeak-ng speech in either
language (other voices than the far end's), or keys pressed during the
prompt (DTMF digits, as a caller answering a menu before it ends). The
G.168 data (echo path models, the CSS voiced segment) come from spandsp's
g168models.h through the peer library.

Measures, on the cleaned output:
- ERLE over a window: the echo power in the near input over the residual
  echo power in the output, summed over the 10 ms frames in which the echo
  is active (within 25 dB of its mean power), so pauses count neither way;
- ``erle_after(t)``: ERLE over [t, t + 0.25 s), what the other party hears
  once the canceller has had t seconds of far end;
- the ERLE curve: 100 ms windows ending every 10 ms; the time to 20 dB is the
  end of the first window that reaches 20 dB;
- steady ERLE: over the last 4 s of a 20 s run (over the last 2 s of the
  12 s double-talk and path-change runs);
- loudest: the most the output was louder than the near input over any 100 ms
  window in which the near input was above -50 dBm0;
- near-end distortion in double talk: segmental SNR of the output against the
  near end's own talk, after the best fixed 8 ms filter from talk to output
  (which takes up each canceller's input high-pass or DC notch, a fixed
  linear filtering, not distortion), over the frames where the near end talks;
  and the same as one figure, ``talk_distortion_db``: what the canceller left
  in the near end's talk besides it (residual echo and distortion: the output
  minus the filtered talk), in dB below the talk, over those frames.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

import numpy as np

from dsp_ext import g711, levels
from dsp_ext.echo import EchoCanceller

RATE = 8000
FRAME = 80  # 10 ms measuring frames
MODELS = (2, 3, 4, 5, 6, 7, 8, 9)  # G.168 Annex D echo path models
LAWS = ("alaw", "ulaw")
TAILS_MS = (32, 64, 128)
FAR_KINDS = ("css", "speech", "speech-zh")  # speech: English; speech-zh: Mandarin
NEAR_KINDS = ("speech", "speech-zh", "keys")  # the near end's talk in double talk

Canceller = Callable[..., np.ndarray]  # (far, near, tail_ms) -> cleaned near


# ---------------------------------------------------------------------------
# Signals


def scale_to_dbm0(signal: np.ndarray, dbm0: float, law: str = "alaw") -> np.ndarray:
    """``signal`` scaled so that its active frames (not silent) are at ``dbm0``."""
    frames = signal[: signal.size // FRAME * FRAME].reshape(-1, FRAME)
    power = np.mean(frames * frames, axis=1)
    active = power > 1e-4 * power.max()
    rms = np.sqrt(np.mean(power[active]))
    return signal * (levels.reference_rms(law) * 10 ** (dbm0 / 20) / rms)


def telephone_band(signal: np.ndarray, low_hz: float = 300, high_hz: float = 3400) -> np.ndarray:
    """``signal`` limited to the band a line carries (zero-phase, by FFT)."""
    spectrum = np.fft.rfft(signal)
    freqs = np.fft.rfftfreq(signal.size, 1 / RATE)
    spectrum[(freqs < low_hz) | (freqs > high_hz)] = 0
    return np.fft.irfft(spectrum, signal.size)


def band_noise(n: int, rng: np.random.Generator, low_hz: float = 200, high_hz: float = 3400):
    """Gaussian noise limited to [low_hz, high_hz], unit RMS."""
    noise = telephone_band(rng.standard_normal(n), low_hz, high_hz)
    return noise / np.sqrt(np.mean(noise * noise))


CSS_NOISE_SEED = 0  # the CSS's pseudo-noise is one fixed sequence, as in G.168


def composite_source(seconds: float, dbm0: float, voiced: np.ndarray) -> np.ndarray:
    """G.168's composite source signal: 48.62 ms voiced, 200 ms pseudo-noise,
    101.38 ms pause, repeated with the polarity inverted every other period.
    ``voiced`` is G.168's Table C.1 segment, repeated to fill its 48.62 ms; the
    pseudo-noise is one fixed band-limited noise burst, the same in every period,
    so the CSS, like the speech, is the same signal in every run."""
    voiced_n, noise_n, pause_n = 389, 1600, 811  # 350 ms at 8 kHz
    voiced_part = np.resize(voiced.astype(np.float64), voiced_n)
    voiced_part /= np.sqrt(np.mean(voiced_part**2))
    noise = band_noise(noise_n, np.random.default_rng(CSS_NOISE_SEED))
    period = np.concatenate([voiced_part, noise, np.zeros(pause_n)])
    n = int(seconds * RATE)
    repeats = n // period.size + 1
    signs = np.where(np.arange(repeats) % 2, -1.0, 1.0)
    signal = (signs[:, None] * period[None, :]).ravel()[:n]
    return scale_to_dbm0(signal, dbm0)


FAR_TEXTS = (
    "Thank you for calling. Please hold while we connect your call to the next operator.",
    "Your call is important to us. For sales, press one. For service, press two.",
    "Please rate our service after the tone, from one for poor to five for excellent.",
    "The office is open from nine in the morning to six in the evening, Monday to Friday.",
)
NEAR_TEXTS = (
    "Hello, I would like to speak to someone about my order from last week.",
    "Yes, the number is one three eight, zero zero one three, eight zero zero zero.",
)
FAR_TEXTS_ZH = (
    "感谢您的来电，请稍候，我们正在为您转接下一位客服人员。",
    "您的来电对我们很重要。销售请按一，售后服务请按二。",
    "通话结束后，请为我们的服务评分，一分为差，五分为非常满意。",
    "我们的营业时间是周一至周五，上午九点到下午六点。",
)
NEAR_TEXTS_ZH = (
    "你好，我想问一下上个星期订的那批货。",
    "对，我的电话号码是一三八，零零一三，八零零零。",
)
VOICES = {
    ("far", "speech"): ("en-us", "en-us+f3"),
    ("near", "speech"): ("en-gb+m3", "en-us+f2"),
    ("far", "speech-zh"): ("cmn", "cmn+f3"),
    ("near", "speech-zh"): ("cmn+m3", "cmn+f2"),
}
TEXTS = {
    ("far", "speech"): FAR_TEXTS,
    ("near", "speech"): NEAR_TEXTS,
    ("far", "speech-zh"): FAR_TEXTS_ZH,
    ("near", "speech-zh"): NEAR_TEXTS_ZH,
}


class SpeechToolsMissingError(RuntimeError):
    """espeak-ng or sox is not installed: the speech corpus cannot be made."""


def _speech(seconds: float, dbm0: float, voices: tuple[str, ...], texts) -> np.ndarray:
    """espeak-ng sentences one after the other (with their own pauses), from the
    first sound on, looped to ``seconds``."""
    from bench.corpora.speech import speech_tools_missing, utterance  # noqa: PLC0415

    problem = speech_tools_missing()
    if problem:
        raise SpeechToolsMissingError(problem)
    parts = [
        utterance(text, voices[index % len(voices)]).astype(np.float64)
        for index, text in enumerate(texts)
    ]
    signal = np.concatenate(parts)
    loud = np.nonzero(np.abs(signal) > 0.05 * np.abs(signal).max())[0]
    signal = np.resize(signal[loud[0] :], int(seconds * RATE))
    return scale_to_dbm0(signal, dbm0)


def far_speech(seconds: float, dbm0: float = -15.0, kind: str = "speech") -> np.ndarray:
    """An announcement: two voices, four sentences, English or (``speech-zh``) Mandarin."""
    return _speech(seconds, dbm0, VOICES["far", kind], TEXTS["far", kind])


def near_speech(seconds: float, dbm0: float = -15.0, kind: str = "speech") -> np.ndarray:
    """The other party, as the line delivers it (telephone band): two other
    voices, English or (``speech-zh``) Mandarin."""
    return scale_to_dbm0(
        telephone_band(_speech(seconds, dbm0, VOICES["near", kind], TEXTS["near", kind])), dbm0
    )


DTMF_KEYS = {
    "1": (697, 1209), "2": (697, 1336), "3": (697, 1477),
    "4": (770, 1209), "5": (770, 1336), "6": (770, 1477),
    "7": (852, 1209), "8": (852, 1336), "9": (852, 1477),
    "*": (941, 1209), "0": (941, 1336), "#": (941, 1477),
}  # fmt: skip
KEYS_PRESSED = "2#138001380*0"


def near_keys(seconds: float, dbm0: float = -15.0) -> np.ndarray:
    """Keys pressed at the near end (a caller answering a menu, then keying a
    number during the prompt): DTMF digits of 100 to 180 ms, 120 to 400 ms
    apart, each of the two tones at ``dbm0`` + 3 dB (a telephone sends its
    digits a little louder than speech), each rising and falling over 3 ms,
    looped to ``seconds``."""
    from dsp_ext.tonegen import tone  # noqa: PLC0415

    n = int(seconds * RATE)
    signal = np.zeros(n)
    ramp = 0.5 - 0.5 * np.cos(np.pi * np.arange(24) / 24)  # 3 ms, raised cosine
    at = 0
    index = 0
    while at < n:
        key = KEYS_PRESSED[index % len(KEYS_PRESSED)]
        on = (100, 140, 180)[index % 3] * RATE // 1000
        off = (120, 400, 250, 160)[index % 4] * RATE // 1000
        digit = tone(DTMF_KEYS[key], on / RATE, level_dbm0=dbm0 + 3.0).astype(np.float64)
        digit[: ramp.size] *= ramp
        digit[-ramp.size :] *= ramp[::-1]
        take = min(digit.size, n - at)
        signal[at : at + take] = digit[:take]
        at += on + off
        index += 1
    return signal


def near_talk(kind: str, seconds: float, dbm0: float = -15.0) -> np.ndarray:
    """The near end's talk in double talk: ``speech``, ``speech-zh`` or ``keys``."""
    if kind == "keys":
        return near_keys(seconds, dbm0)
    return near_speech(seconds, dbm0, kind)


def far_signal(kind: str, seconds: float, peer) -> np.ndarray:
    """The far end: ``css`` at -10 dBm0, or ``speech`` / ``speech-zh`` at -15 dBm0."""
    if kind == "css":
        return composite_source(seconds, -10.0, css_voiced(peer))
    return far_speech(seconds, -15.0, kind)


# ---------------------------------------------------------------------------
# The line


@dataclass(frozen=True)
class EchoPath:
    model: int  # G.168 Annex D model, 2 to 9
    erl_db: float  # echo return loss, 6 to 12 dB on a line
    delay_ms: float  # bulk delay before the hybrid's response

    def __str__(self) -> str:
        return f"D.{self.model} {self.erl_db:g} dB {self.delay_ms:g} ms"


@cache
def g168_response(peer, model: int) -> np.ndarray:
    ffi, lib = peer
    taps = ffi.new("float[]", 256)
    count = lib.peer_g168_echo_path(model, taps, 256)
    assert count > 0, f"no G.168 model D.{model}"
    return np.frombuffer(ffi.buffer(taps, 4 * count), dtype=np.float32).astype(np.float64)


@cache
def css_voiced(peer) -> np.ndarray:
    ffi, lib = peer
    out = ffi.new("int16_t[]", 512)
    count = lib.peer_g168_css_voiced(out, 512)
    return np.frombuffer(ffi.buffer(out, 2 * count), dtype=np.int16).copy()


def g711_line(signal: np.ndarray, law: str) -> np.ndarray:
    """``signal`` (float) as it arrives after one pass through G.711 ``law``."""
    pcm = np.clip(np.round(signal), -32768, 32767).astype(np.int16)
    if law == "alaw":
        return g711.alaw_decode(g711.alaw_encode(pcm))
    return g711.ulaw_decode(g711.ulaw_encode(pcm))


def hybrid_echo(peer, far: np.ndarray, path: EchoPath) -> np.ndarray:
    """The echo of ``far`` (int16, as sent) through ``path``, float; the ERL is
    measured on ``far`` itself."""
    response = g168_response(peer, path.model)
    delay = round(path.delay_ms * RATE / 1000)
    echo = np.convolve(far.astype(np.float64), response)[: far.size]
    echo = np.concatenate([np.zeros(delay), echo])[: far.size]
    gain = np.mean(far.astype(np.float64) ** 2) / np.mean(echo**2) * 10 ** (-path.erl_db / 10)
    return echo * np.sqrt(gain)


@dataclass
class LineCase:
    """What a canceller gets (``far``, ``near``) and what the harness knows of ``near``."""

    far: np.ndarray  # int16: what the box sends, after G.711
    near: np.ndarray  # int16: what the box hears, after G.711
    echo: np.ndarray  # float: the echo part of near, before G.711
    talk: np.ndarray  # float: the near end's own speech or noise, before G.711
    label: str = ""

    @property
    def seconds(self) -> float:
        return self.far.size / RATE


def line_case(
    peer,
    far_signal: np.ndarray,
    path: EchoPath | list[tuple[float, EchoPath]],
    law: str,
    *,
    talk: np.ndarray | None = None,
    label: str = "",
) -> LineCase:
    """A line carrying ``far_signal`` back as echo through ``path`` (or through a
    list of (start second, path) when the path changes mid-call), with ``talk``
    added at the near end, both directions through G.711 ``law``."""
    far = g711_line(far_signal, law)
    if isinstance(path, EchoPath):
        echo = hybrid_echo(peer, far, path)
    else:
        echo = np.zeros(far.size)
        starts = [round(second * RATE) for second, _ in path] + [far.size]
        for index, (_, each) in enumerate(path):
            echo[starts[index] : starts[index + 1]] = hybrid_echo(peer, far, each)[
                starts[index] : starts[index + 1]
            ]
    own = np.zeros(far.size) if talk is None else talk[: far.size]
    near = g711_line(echo + own, law)
    return LineCase(far, near, echo, own, label or f"{law} {path}")


# ---------------------------------------------------------------------------
# The cancellers


def ours(far: np.ndarray, near: np.ndarray, tail_ms: int, *, nlp: bool = False) -> np.ndarray:
    """linerec's canceller, fed 20 ms frames as the line engine feeds it."""
    canceller = EchoCanceller(tail_ms, nlp=nlp)
    return np.concatenate(
        [
            canceller.process(far[at : at + 160], near[at : at + 160])
            for at in range(0, far.size, 160)
        ]
    )


def make_speex(peer, frame: int = 160) -> Canceller:
    """speexdsp's MDF canceller (frame 160, sampling rate 8000), through the peer library."""
    ffi, lib = peer

    def speexdsp(far: np.ndarray, near: np.ndarray, tail_ms: int) -> np.ndarray:
        far = np.ascontiguousarray(far, dtype=np.int16)
        near = np.ascontiguousarray(near, dtype=np.int16)
        out = np.empty_like(near)
        done = lib.peer_speex_echo_run(
            ffi.from_buffer("int16_t[]", far),
            ffi.from_buffer("int16_t[]", near),
            ffi.from_buffer("int16_t[]", out),
            near.size,
            frame,
            tail_ms * 8,
        )
        assert done >= 0, "speexdsp's echo canceller did not start"
        return out

    return speexdsp


def cancellers(peer) -> dict[str, Canceller]:
    return {"linerec": ours, "speexdsp": make_speex(peer)}


# ---------------------------------------------------------------------------
# Measures


def frame_powers(signal: np.ndarray) -> np.ndarray:
    usable = signal.size // FRAME * FRAME
    frames = np.asarray(signal[:usable], dtype=np.float64).reshape(-1, FRAME)
    return np.sum(frames * frames, axis=1)


def _frame(seconds: float) -> int:
    return round(seconds * RATE / FRAME)


@dataclass
class EchoMeasure:
    """Per-frame powers of one run: the echo that came in, what is left of it,
    near in, output out, and the near end's own talk."""

    case: LineCase
    output: np.ndarray
    echo_in: np.ndarray
    residual: np.ndarray
    near_in: np.ndarray
    out: np.ndarray
    talk: np.ndarray
    active: np.ndarray  # frames where the echo is active

    @classmethod
    def of(cls, case: LineCase, output: np.ndarray) -> EchoMeasure:
        near = case.near.astype(np.float64)
        clean_echo = frame_powers(case.echo)
        active = clean_echo > 10 ** (-2.5) * np.mean(clean_echo[clean_echo > 0])
        return cls(
            case,
            output,
            frame_powers(near - case.talk),
            frame_powers(output.astype(np.float64) - case.talk),
            frame_powers(near),
            frame_powers(output),
            frame_powers(case.talk),
            active,
        )

    @property
    def seconds(self) -> float:
        return self.active.size * FRAME / RATE

    def erle(self, start_s: float, end_s: float) -> float | None:
        """ERLE (dB) over [start_s, end_s), echo-active frames only; None if under 3."""
        a, b = _frame(start_s), _frame(end_s)
        mask = self.active[a:b]
        if mask.sum() < 3:
            return None
        echo = self.echo_in[a:b][mask].sum()
        residual = self.residual[a:b][mask].sum()
        return float(10 * np.log10(echo / max(residual, 1e-9)))

    def erle_after(self, seconds: float, window_s: float = 0.25) -> float | None:
        return self.erle(seconds, seconds + window_s)

    def steady(self, window_s: float = 2.0) -> float | None:
        return self.erle(self.seconds - window_s, self.seconds)

    def curve(self, start_s: float = 0.0, window_s: float = 0.1) -> list[tuple[float, float]]:
        """(end of window, ERLE) for windows ending every 10 ms from start_s."""
        frames = _frame(window_s)
        mask = self.active
        echo = np.cumsum(np.concatenate([[0.0], np.where(mask, self.echo_in, 0.0)]))
        residual = np.cumsum(np.concatenate([[0.0], np.where(mask, self.residual, 0.0)]))
        count = np.cumsum(np.concatenate([[0], mask.astype(int)]))
        points = []
        for end in range(_frame(start_s) + frames, mask.size + 1):
            if count[end] - count[end - frames] >= 3:
                value = (echo[end] - echo[end - frames]) / max(
                    residual[end] - residual[end - frames], 1e-9
                )
                points.append((end * FRAME / RATE, float(10 * np.log10(value))))
        return points

    def time_to(self, erle_db: float, start_s: float = 0.0) -> float | None:
        """Seconds from start_s until a 100 ms window first reaches ``erle_db``."""
        for end, value in self.curve(start_s):
            if value >= erle_db:
                return end - start_s
        return None

    def loudest_gain_db(self, window_s: float = 0.1, floor_dbm0: float = -50.0) -> float:
        """The most the output was louder than the near input over any 100 ms window
        in which the near input was above ``floor_dbm0`` (quieter than that, under
        the noise of a line, a few dB either way are not heard)."""
        frames = _frame(window_s)
        kernel = np.ones(frames)
        near = np.convolve(self.near_in, kernel, "valid")
        out = np.convolve(self.out, kernel, "valid")
        floor = FRAME * frames * (levels.reference_rms("alaw") * 10 ** (floor_dbm0 / 20)) ** 2
        audible = near > floor
        if not audible.any():
            return float("-inf")
        return float(np.max(10 * np.log10(np.maximum(out[audible], 1e-9) / near[audible])))

    def _talk_parts(self, start_s: float, end_s: float, fit_taps: int = 64):
        """Per 10 ms frame over [start_s, end_s): the power of the near end's talk
        in the output (the talk through the best fixed ``fit_taps`` filter), of
        everything else there, and which frames the talk is within 30 dB of
        its loudest frame."""
        a, b = round(start_s * RATE), round(end_s * RATE)
        talk = self.case.talk[a - fit_taps : b]
        out = self.output[a:b].astype(np.float64)
        lagged = np.stack([talk[fit_taps - lag : talk.size - lag] for lag in range(fit_taps)], 1)
        weights, *_ = np.linalg.lstsq(lagged, out, rcond=None)
        fitted = lagged @ weights
        wanted = frame_powers(fitted)
        other = frame_powers(out - fitted)
        return wanted, other, wanted > 1e-3 * wanted.max()

    def talk_snr_db(self, start_s: float, end_s: float, fit_taps: int = 64) -> float:
        """Segmental SNR (dB) of the near end's talk in the output over [start_s,
        end_s): the talk through the best fixed ``fit_taps`` filter against what
        else is in the output, over the frames where the talk is within 30 dB of
        its loudest frame, each frame held within [-10, 40] dB."""
        wanted, other, speaking = self._talk_parts(start_s, end_s, fit_taps)
        snr = 10 * np.log10(wanted[speaking] / np.maximum(other[speaking], 1e-9))
        return float(np.mean(np.clip(snr, -10, 40)))

    def talk_distortion_db(self, start_s: float, end_s: float, fit_taps: int = 64) -> float:
        """How far (dB) under the near end's talk is what the canceller left with
        it (residual echo and distortion: the output minus the filtered talk),
        summed over the frames where the talk is within 30 dB of its loudest."""
        wanted, other, speaking = self._talk_parts(start_s, end_s, fit_taps)
        return float(10 * np.log10(wanted[speaking].sum() / max(other[speaking].sum(), 1e-9)))


# ---------------------------------------------------------------------------
# Scenarios: the same signals for every canceller, one figure row per canceller


def db(value: float | None, width: int = 5) -> str:
    return "-".rjust(width) if value is None else f"{value:{width}.1f}"


def seconds_text(value: float | None) -> str:
    return "never" if value is None else f"{value:.2f} s"


@dataclass
class Convergence:
    erle_05: float | None
    erle_1: float | None
    steady: float | None
    time_to_20: float | None

    def row(self) -> str:
        return (
            f"{db(self.erle_05)} {db(self.erle_1)} {db(self.steady)} "
            f"{seconds_text(self.time_to_20):>8}"
        )


def convergence(case: LineCase, output: np.ndarray) -> Convergence:
    m = EchoMeasure.of(case, output)
    return Convergence(m.erle_after(0.5), m.erle_after(1.0), m.steady(4.0), m.time_to(20.0))


def convergence_cases(peer, kind: str, paths, law: str, seconds: float = 20.0):
    far = far_signal(kind, seconds, peer)
    return [line_case(peer, far, path, law, label=f"{kind} {law} {path}") for path in paths]


@dataclass
class DoubleTalk:
    before: float  # ERLE over the 2 s before the near end talks
    talk_snr: float  # near-end distortion while it talks (segmental SNR, dB)
    after: float  # ERLE over the 2 s after it stopped
    loudest: float  # the most the output was louder than the input (dB)
    distortion: float = 0.0  # what was left with the talk, dB under it

    def row(self) -> str:
        return (
            f"{db(self.before)} {db(self.talk_snr)} {db(self.distortion)} {db(self.after)} "
            f"{db(self.loudest)}"
        )


TALK_START, TALK_END = 4.0, 8.0


def double_talk_case(
    peer,
    kind: str,
    path: EchoPath,
    law: str,
    *,
    talk_dbm0: float = -15.0,
    near: str = "speech",
):
    """12 s of far end ``kind``; the near end talks (``near``: speech in
    English or Mandarin, or keys pressed) from 4 s to 8 s."""
    far = far_signal(kind, 12.0, peer)
    talk = np.zeros(far.size)
    a, b = round(TALK_START * RATE), round(TALK_END * RATE)
    talk[a:b] = near_talk(near, TALK_END - TALK_START, talk_dbm0)[: b - a]
    # The talk starts and stops over 10 ms, not at a step: a step of loud speech
    # through any canceller's input high-pass or DC notch leaves a transient in
    # the first quiet frame that no talker makes.
    ramp = 0.5 - 0.5 * np.cos(np.pi * np.arange(80) / 80)
    talk[a : a + ramp.size] *= ramp
    talk[b - ramp.size : b] *= ramp[::-1]
    label = f"{kind} {law} {path}" + ("" if near == "speech" else f", near end {near}")
    return line_case(peer, far, path, law, talk=talk, label=label)


def double_talk(case: LineCase, output: np.ndarray) -> DoubleTalk:
    m = EchoMeasure.of(case, output)
    return DoubleTalk(
        m.erle(TALK_START - 2, TALK_START),
        m.talk_snr_db(TALK_START, TALK_END),
        m.erle(TALK_END + 0.5, TALK_END + 2.5),
        m.loudest_gain_db(),
        m.talk_distortion_db(TALK_START, TALK_END),
    )


@dataclass
class PathChange:
    before: float  # ERLE over the 2 s before the change
    reconverge: float | None  # seconds after the change until a 100 ms window reaches 20 dB
    after_1: float | None  # ERLE over [change + 1 s, change + 1.25 s)
    steady: float  # ERLE over the last 2 s
    loudest: float

    def row(self) -> str:
        return (
            f"{db(self.before)} {seconds_text(self.reconverge):>8} {db(self.after_1)} "
            f"{db(self.steady)} {db(self.loudest)}"
        )


CHANGE_AT = 5.0


def path_change_case(peer, kind: str, first: EchoPath, second: EchoPath, law: str):
    """12 s of far end; the echo path changes from ``first`` to ``second`` at 5 s
    (a call transferred to another extension)."""
    far = far_signal(kind, 12.0, peer)
    return line_case(
        peer,
        far,
        [(0.0, first), (CHANGE_AT, second)],
        law,
        label=f"{kind} {law} {first} -> {second}",
    )


def path_change(case: LineCase, output: np.ndarray) -> PathChange:
    m = EchoMeasure.of(case, output)
    return PathChange(
        m.erle(CHANGE_AT - 2, CHANGE_AT),
        m.time_to(20.0, CHANGE_AT),
        m.erle_after(CHANGE_AT + 1.0),
        m.steady(),
        m.loudest_gain_db(),
    )

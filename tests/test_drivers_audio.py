"""Line audio drivers: URLs, the wav:, sim: and null: backends, pacing, errors."""

from __future__ import annotations

import gc
import re
import subprocess
import sys
import threading
import wave

import numpy as np
import pytest

from audio_format import FRAME_SAMPLES
from drivers import errors
from drivers.opening import open_capture, open_playback
from drivers.pacing import FramePacer
from drivers.simline import sim_line


def frames_of(samples: np.ndarray) -> list[np.ndarray]:
    padded = np.zeros(-(-samples.size // FRAME_SAMPLES) * FRAME_SAMPLES, dtype=np.int16)
    padded[: samples.size] = samples
    return list(padded.reshape(-1, FRAME_SAMPLES))


def write_wav(path, samples: np.ndarray, rate=8000, channels=1, width=2) -> None:
    with wave.open(str(path), "wb") as writer:
        writer.setnchannels(channels)
        writer.setsampwidth(width)
        writer.setframerate(rate)
        writer.writeframes(samples.astype("<i2").tobytes())


def random_frame(rng) -> np.ndarray:
    return rng.integers(-32768, 32768, FRAME_SAMPLES).astype(np.int16)


# ---- package rules ---------------------------------------------------------------


def test_drivers_import_neither_dsp_ext_firmware_nor_webui():
    modules = [
        "drivers",
        "drivers.audio",
        "drivers.audio_alsa",
        "drivers.audio_wav",
        "drivers.audio_null",
        "drivers.simline",
        "drivers.signals",
        "drivers.signals_gpio",
        "drivers.gpio_pins",
        "drivers.debounce",
        "drivers.modem",
        "drivers.modem_serial",
        "drivers.voice_codecs",
    ]
    script = (
        "import importlib, sys\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('dsp_ext', 'firmware', 'webui', 'alsaaudio', 'RPi', 'gpiozero', 'lgpio'))\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == ""


def test_error_tree_subclasses_the_fitting_builtins():
    assert issubclass(errors.DriverURLError, ValueError)
    assert issubclass(errors.DeviceError, OSError)
    assert issubclass(errors.ModemTimeoutError, TimeoutError)
    assert issubclass(errors.ModemGoneError, errors.DeviceError)
    assert issubclass(errors.BackendUnavailableError, RuntimeError)
    for name in dir(errors):
        item = getattr(errors, name)
        if isinstance(item, type) and issubclass(item, Exception):
            assert issubclass(item, errors.DriverError)


# ---- URLs ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("pulse:default", "unknown scheme 'pulse'"),
        ("hw:1,0x", "unknown scheme 'hw'"),
        ("default", "no scheme"),
        ("", "no scheme"),
        ("wav:x.wav?speed=2", "unknown option 'speed'"),
        ("wav:x.wav?pace=maybe", "pace='maybe' is not a yes/no value"),
        ("wav:x.wav?pace", "malformed options"),
        ("sim:1?depth=0", "depth='0' is not a number >= 1"),
        ("wav:", "no file path"),
    ],
)
def test_bad_audio_urls_name_the_url_and_the_accepted_forms(url, problem):
    with pytest.raises(errors.DriverURLError) as caught:
        open_capture(url)
    message = str(caught.value)
    assert problem in message
    assert repr(url) in message
    assert "alsa:<ALSA PCM name>" in message and "null:" in message


def test_playback_urls_are_checked_the_same_way():
    with pytest.raises(ValueError, match="unknown scheme 'file'"):
        open_playback("file:/tmp/x")


# ---- wav: ------------------------------------------------------------------------


def test_wav_capture_gives_the_file_in_frames_then_none(tmp_path, rng):
    samples = rng.integers(-32768, 32768, 5 * FRAME_SAMPLES + 37).astype(np.int16)
    write_wav(tmp_path / "in.wav", samples)
    with open_capture(f"wav:{tmp_path / 'in.wav'}") as capture:
        got = list(capture)
        assert capture.read() is None
        assert capture.overruns == 0
    assert len(got) == 6
    assert all(frame.dtype == np.int16 and frame.shape == (FRAME_SAMPLES,) for frame in got)
    np.testing.assert_array_equal(np.concatenate(got), np.concatenate(frames_of(samples)))


def test_paced_wav_capture_reads_every_frame(tmp_path, rng):
    samples = rng.integers(-1000, 1000, 3 * FRAME_SAMPLES).astype(np.int16)
    write_wav(tmp_path / "in.wav", samples)
    with open_capture(f"wav:{tmp_path / 'in.wav'}?pace=1") as capture:
        np.testing.assert_array_equal(np.concatenate(list(capture)), samples)


@pytest.mark.parametrize(
    ("rate", "channels", "width", "problem"),
    [(16000, 1, 2, "16000 Hz"), (8000, 2, 2, "2 channel(s)"), (8000, 1, 1, "8-bit")],
)
def test_wav_capture_refuses_other_formats_with_a_fix(tmp_path, rate, channels, width, problem):
    path = tmp_path / "other.wav"
    write_wav(path, np.zeros(320, dtype=np.int16 if width == 2 else np.int8), rate, channels, width)
    with pytest.raises(errors.AudioFormatError, match=re.escape(problem)) as caught:
        open_capture(f"wav:{path}")
    assert "sox" in str(caught.value) and str(path) in str(caught.value)


def test_wav_capture_errors_for_missing_and_non_wav_files(tmp_path):
    with pytest.raises(errors.DeviceError, match="no such WAV file"):
        open_capture(f"wav:{tmp_path / 'missing.wav'}")
    (tmp_path / "text.wav").write_text("not audio")
    with pytest.raises(errors.AudioFormatError, match="not a 16-bit linear WAV"):
        open_capture(f"wav:{tmp_path / 'text.wav'}")


def test_wav_playback_writes_exactly_the_frames(tmp_path, rng):
    frames = [random_frame(rng) for _ in range(7)]
    path = tmp_path / "out.wav"
    with open_playback(f"wav:{path}") as playback:
        for frame in frames:
            playback.write(frame)
    with wave.open(str(path), "rb") as reader:
        assert (reader.getnchannels(), reader.getsampwidth(), reader.getframerate()) == (1, 2, 8000)
        got = np.frombuffer(reader.readframes(reader.getnframes()), dtype="<i2")
    np.testing.assert_array_equal(got, np.concatenate(frames))


@pytest.mark.parametrize(
    "frame",
    [
        np.zeros(FRAME_SAMPLES, dtype=np.float32),
        np.zeros(FRAME_SAMPLES + 1, dtype=np.int16),
        np.zeros((2, FRAME_SAMPLES), dtype=np.int16),
        [0] * FRAME_SAMPLES,
    ],
)
def test_playback_refuses_anything_but_one_int16_frame(frame):
    with open_playback("null:") as playback, pytest.raises(errors.AudioFormatError, match="160"):
        playback.write(frame)


def test_write_after_close_is_an_error():
    playback = open_playback("null:")
    playback.close()
    playback.close()  # twice is fine
    with pytest.raises(errors.DriverClosedError, match="closed playback stream 'null:'"):
        playback.write(np.zeros(FRAME_SAMPLES, dtype=np.int16))


# ---- null: and pacing ------------------------------------------------------------


def test_null_capture_gives_silence_until_closed():
    capture = open_capture("null:")
    frames = [capture.read() for _ in range(3)]
    assert all(np.array_equal(f, np.zeros(FRAME_SAMPLES, np.int16)) for f in frames)
    capture.close()
    assert capture.read() is None
    assert "closed" in repr(capture)


class FakeTime:
    """A clock and a stop-event stand-in whose wait() moves the clock on."""

    def __init__(self) -> None:
        self.now = 100.0
        self.waits: list[float] = []

    def clock(self) -> float:
        return self.now

    def wait(self, delay: float) -> bool:
        self.waits.append(delay)
        self.now += delay
        return False


def test_pacer_hands_out_frames_every_20_ms():
    fake = FakeTime()
    pacer = FramePacer(fake, fake.clock)
    assert [pacer.wait() for _ in range(5)] == [0] * 5
    assert fake.waits == pytest.approx([0.02] * 4)  # the first frame is due at once
    assert fake.now == pytest.approx(100.08)


def test_pacer_counts_a_reader_that_fell_behind_as_an_overrun_and_resyncs():
    fake = FakeTime()
    pacer = FramePacer(fake, fake.clock, slack=4)
    pacer.wait()
    fake.now += 0.05  # 2.5 frames late: within the slack, caught up without loss
    assert [pacer.wait() for _ in range(3)] == [0, 0, 0]
    fake.now += 0.5  # 25 frames late: the "buffer" overflowed
    assert pacer.wait() > 4
    fake.waits.clear()
    assert pacer.wait() == 0
    assert fake.waits == pytest.approx([0.02])


# ---- sim: ------------------------------------------------------------------------


def test_sim_capture_reads_what_the_simulator_pushes(rng):
    frames = [random_frame(rng) for _ in range(10)]
    with open_capture("sim:") as capture:
        line = capture.line

        def simulator():
            for frame in frames:
                line.push_audio(frame)
            line.end_audio()

        pusher = threading.Thread(target=simulator, name="test-simulator")
        pusher.start()
        got = list(capture)
        pusher.join(5)
    assert len(got) == len(frames)
    for mine, theirs in zip(got, frames, strict=True):
        np.testing.assert_array_equal(mine, theirs)


def test_sim_capture_read_returns_none_when_closed_from_another_thread():
    capture = open_capture("sim:")
    result = []
    reader = threading.Thread(target=lambda: result.append(capture.read()), name="test-reader")
    reader.start()
    capture.close()
    reader.join(5)
    assert not reader.is_alive()
    assert result == [None]


def test_sim_line_backpressure_and_overruns(rng):
    line = sim_line("overruns", depth=3)
    frames = [random_frame(rng) for _ in range(5)]
    for frame in frames[:3]:
        assert line.push_audio(frame)
    assert not line.push_audio(frames[3], timeout=0.01)  # full: a blocking push times out
    line.push_audio(frames[3], block=False)  # drops the oldest frame
    line.push_audio(frames[4], block=False)
    assert line.overruns == 2
    with open_capture("sim:overruns") as capture:
        line.end_audio()
        got = list(capture)
        assert capture.overruns == 2
    assert [f.tolist() for f in got] == [f.tolist() for f in frames[2:]]


def test_blocked_push_resumes_when_the_engine_reads(rng):
    with open_capture("sim:?depth=1") as capture:
        capture.line.push_audio(random_frame(rng))
        pushed = threading.Event()

        def push_second():
            capture.line.push_audio(random_frame(rng))
            pushed.set()

        pusher = threading.Thread(target=push_second, name="test-pusher")
        pusher.start()
        assert capture.read() is not None
        assert pushed.wait(5)
        pusher.join(5)


def test_named_sim_lines_are_shared_and_forgotten_when_nobody_holds_them(rng):
    frame = random_frame(rng)
    line = sim_line("office-3")
    with open_capture("sim:office-3") as capture, open_playback("sim:office-3") as playback:
        assert capture.line is line and playback.line is line
        line.push_audio(frame)
        np.testing.assert_array_equal(capture.read(), frame)
        playback.write(frame)
        np.testing.assert_array_equal(line.take_played(timeout=1), frame)
        assert line.take_played() is None
    del line, capture, playback
    gc.collect()
    assert sim_line("office-3").take_played() is None  # a fresh line


def test_sim_line_needs_a_sane_name():
    with pytest.raises(errors.DriverURLError, match="not a line name"):
        open_capture("sim:a/b")

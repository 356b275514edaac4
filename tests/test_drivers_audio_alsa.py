"""The ALSA audio backend: the real libasound + pyalsaaudio path through ALSA's file plugin,
and the backend's own logic (re-cutting periods, overruns, failures) against a fake module.

ALSA reads its configuration once per process, so the file-plugin tests run
in a child process started with ALSA_CONFIG_PATH set.
"""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
import types
from pathlib import Path

import numpy as np
import pytest

from audio_format import FRAME_SAMPLES
from drivers import errors
from drivers.opening import open_capture, open_playback

PROJECT = Path(__file__).resolve().parents[1]

CHILD = """
import json, sys
import numpy as np
from drivers import errors
from drivers.opening import open_capture, open_playback

frame_count, captured_path, to_play_path = int(sys.argv[1]), sys.argv[2], sys.argv[3]
report = {}
with open_capture("alsa:linecap") as capture:
    frames = [capture.read() for _ in range(frame_count)]
    report["overruns"] = capture.overruns
np.save(captured_path, np.stack(frames))
with open_playback("alsa:lineplay") as playback:
    for frame in np.load(to_play_path):
        playback.write(frame)
try:
    open_capture("alsa:no_such_pcm")
except errors.DeviceError as error:
    report["missing_pcm_error"] = str(error)
print(json.dumps(report))
"""


def alsaaudio_or_skip():
    try:
        import alsaaudio  # noqa: F401, PLC0415
    except ImportError as error:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"pyalsaaudio not installed ({error}); `make` installs it")


def test_capture_and_playback_through_the_real_alsa_file_plugin(tmp_path, rng):
    alsaaudio_or_skip()
    frame_count = 40
    heard = rng.integers(-32768, 32768, frame_count * FRAME_SAMPLES).astype("<i2")
    (tmp_path / "IN.raw").write_bytes(heard.tobytes())
    to_play = rng.integers(-32768, 32768, (25, FRAME_SAMPLES)).astype(np.int16)
    np.save(tmp_path / "to_play.npy", to_play)
    config = tmp_path / "linerec-test.conf"
    config.write_text(
        f'pcm.linecap {{ type file; slave.pcm "null"; file "{tmp_path}/CAPTURED.raw"; '
        f'infile "{tmp_path}/IN.raw"; format "raw" }}\n'
        f'pcm.lineplay {{ type file; slave.pcm "null"; file "{tmp_path}/OUT.raw"; '
        f'format "raw" }}\n'
    )
    env = {
        **os.environ,
        "ALSA_CONFIG_PATH": f"/usr/share/alsa/alsa.conf:{config}",
        "PYTHONPATH": str(PROJECT),
    }
    child = subprocess.run(
        [sys.executable, "-c", CHILD, str(frame_count), str(tmp_path / "got.npy"),
         str(tmp_path / "to_play.npy")],
        capture_output=True, text=True, env=env, timeout=60, check=False,
    )  # fmt: skip
    assert child.returncode == 0, child.stderr
    report = json.loads(child.stdout.strip().splitlines()[-1])

    # Only the file's length is read: past its end the plugin repeats stale data.
    got = np.load(tmp_path / "got.npy")
    assert got.dtype == np.int16 and got.shape == (frame_count, FRAME_SAMPLES)
    np.testing.assert_array_equal(got.reshape(-1), heard)
    assert report["overruns"] == 0

    played = np.frombuffer((tmp_path / "OUT.raw").read_bytes(), dtype="<i2")
    np.testing.assert_array_equal(played, to_play.reshape(-1))

    message = report["missing_pcm_error"]
    assert "'no_such_pcm'" in message and "linecap" in message and "arecord -l" in message


# ---- the backend's logic against a fake pyalsaaudio ----------------------------------


class FakeAlsaError(Exception):
    pass


class FakePcm:
    """Hands out scripted reads: bytes, or an int (a negative status with no data)."""

    def __init__(self, script, info_rate=8000):
        self.script = list(script)
        self.info_rate = info_rate
        self.written: list[bytes] = []
        self.write_failures: list[Exception] = []
        self.closed = False

    def info(self):
        return {"rate": self.info_rate, "channels": 1, "format_name": "S16_LE"}

    def read(self):
        step = self.script.pop(0)
        if isinstance(step, Exception):
            raise step
        if isinstance(step, int):
            return step, b""
        return len(step) // 2, step

    def write(self, data):
        if self.write_failures:
            raise self.write_failures.pop(0)
        self.written.append(data)
        return len(data) // 2

    def drain(self):
        pass

    def close(self):
        self.closed = True


def fake_alsaaudio(pcm: FakePcm | None, open_error: str | None = None):
    module = types.ModuleType("alsaaudio")
    module.ALSAAudioError = FakeAlsaError
    module.PCM_CAPTURE, module.PCM_PLAYBACK, module.PCM_NORMAL = 1, 0, 0
    module.PCM_FORMAT_S16_LE = 2
    module.opened = []

    def pcm_factory(kind, mode, **settings):
        if open_error:
            raise FakeAlsaError(open_error)
        module.opened.append((kind, mode, settings))
        return pcm

    module.PCM = pcm_factory
    module.pcms = lambda kind=0: ["null", "default", "hw:CARD=Device,DEV=0"]
    return module


def test_alsa_capture_asks_for_8khz_mono_s16_in_20ms_periods(monkeypatch):
    pcm = FakePcm([bytes(320)])
    module = fake_alsaaudio(pcm)
    monkeypatch.setitem(sys.modules, "alsaaudio", module)
    with open_capture("alsa:hw:1,0") as capture:
        capture.read()
    (kind, _, settings), = module.opened  # fmt: skip
    assert kind == module.PCM_CAPTURE
    assert settings["device"] == "hw:1,0"
    assert (settings["rate"], settings["channels"], settings["periodsize"]) == (8000, 1, 160)
    assert settings["format"] == module.PCM_FORMAT_S16_LE
    assert pcm.closed


def test_alsa_capture_recuts_other_period_sizes_and_counts_overruns(monkeypatch, rng):
    samples = rng.integers(-32768, 32768, 1000).astype("<i2")
    chunks = [samples[i : i + 256].tobytes() for i in range(0, 1000, 256)]
    script = [chunks[0], -errno.EPIPE, *chunks[1:]]
    monkeypatch.setitem(sys.modules, "alsaaudio", fake_alsaaudio(FakePcm(script)))
    with open_capture("alsa:hw:1,0") as capture:
        frames = [capture.read() for _ in range(1000 // FRAME_SAMPLES)]
        assert capture.overruns == 1
    np.testing.assert_array_equal(np.concatenate(frames), samples[:960])


def test_alsa_capture_failure_is_a_device_error(monkeypatch):
    script = [FakeAlsaError("No such device [hw:1,0]")]
    monkeypatch.setitem(sys.modules, "alsaaudio", fake_alsaaudio(FakePcm(script)))
    with (
        open_capture("alsa:hw:1,0") as capture,
        pytest.raises(errors.DeviceError, match="unplugged") as caught,
    ):
        capture.read()
    assert isinstance(caught.value, OSError)


def test_alsa_open_failure_lists_the_pcms_alsa_knows(monkeypatch):
    module = fake_alsaaudio(None, open_error="No such file or directory [hw:7,0]")
    monkeypatch.setitem(sys.modules, "alsaaudio", module)
    with pytest.raises(errors.DeviceError, match=r"'hw:7,0' for playback.*hw:CARD=Device"):
        open_playback("alsa:hw:7,0")


def test_alsa_device_that_will_not_do_8khz_is_refused_with_the_plug_hint(monkeypatch):
    pcm = FakePcm([], info_rate=48000)
    monkeypatch.setitem(sys.modules, "alsaaudio", fake_alsaaudio(pcm))
    with pytest.raises(errors.DeviceError, match=r"48000 Hz.*alsa:plughw:1,0"):
        open_capture("alsa:hw:1,0")
    assert pcm.closed


def test_alsa_playback_rides_over_one_underrun(monkeypatch, rng):
    pcm = FakePcm([])
    pcm.write_failures = [FakeAlsaError("Broken pipe [default]")]
    monkeypatch.setitem(sys.modules, "alsaaudio", fake_alsaaudio(pcm))
    frame = rng.integers(-32768, 32768, FRAME_SAMPLES).astype(np.int16)
    with open_playback("alsa:default") as playback:
        playback.write(frame)
        assert playback.underruns == 1
    assert pcm.written == [frame.astype("<i2").tobytes()]


def test_alsa_without_pyalsaaudio_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "alsaaudio", None)  # makes `import alsaaudio` fail
    with pytest.raises(errors.BackendUnavailableError, match="libasound2-dev"):
        open_capture("alsa:default")


def test_alsa_needs_a_pcm_name(monkeypatch):
    monkeypatch.setitem(sys.modules, "alsaaudio", fake_alsaaudio(FakePcm([])))
    with pytest.raises(errors.DriverURLError, match="no ALSA PCM name"):
        open_capture("alsa:")

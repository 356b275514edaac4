"""``linerec hw-test`` on simulated lines and on gpiozero's MockFactory: the real drivers,
with a thread playing the installer at the line."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from gpiozero.pins.mock import MockFactory

from firmware.cli.commands import main
from firmware.config import ConfigStore, Line, default_config
from firmware.hardware.hwtest import HwTest, tone, tone_level_dbm0
from firmware.tools.wavfile import write_wav
from tests.drivers_fakes import driver_threads

ROOT = Path(__file__).resolve().parent.parent
FAST = "ring_gap_ms=30,loop_hold_ms=10,pulse_max_ms=20"
GPIO_URL = f"gpio:ring=17,loop=27,relay=22,active_low=ring+loop,{FAST}"


def noise(samples: int, seed: int = 1) -> np.ndarray:
    return np.random.default_rng(seed).normal(0, 30, samples).astype(np.int16)


class Installer:
    """Acts on the line a moment after hw-test says what to do (``say`` is its ear)."""

    def __init__(self, actions):
        self.actions = actions  # step -> callable, run on a thread
        self.heard: list[str] = []
        self.threads: list[threading.Thread] = []

    def say(self, text: str) -> None:
        self.heard.append(text)
        for step, action in self.actions.items():
            if text.startswith(f"line 1 {step}:"):

                def later(action=action):
                    time.sleep(0.3)  # the step opens its driver first
                    action()

                thread = threading.Thread(target=later, name=f"installer-{step}", daemon=True)
                thread.start()
                self.threads.append(thread)

    def join(self):
        for thread in self.threads:
            thread.join(10)


class LoopbackLine:
    """A simulated line whose playback comes back on its capture, over a little noise."""

    def __init__(self, line, gain: float = 0.5):
        self.line, self.gain = line, gain
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="loopback", daemon=True)
        self._thread.start()

    def _run(self):
        quiet = noise(160)
        while not self._stop.is_set():
            played = self.line.take_played(timeout=0.02)
            frame = quiet if played is None else (played * self.gain).astype(np.int16) + quiet
            while not self.line.push_audio(frame, timeout=0.1):  # no frame lost
                if self._stop.is_set():
                    return

    def stop(self):
        self._stop.set()
        self._thread.join(5)


@pytest.fixture
def no_thread_left():
    yield
    assert driver_threads() == []


def test_tone_level_is_measured_beside_noise():
    samples = tone(50) + noise(8000)
    assert tone_level_dbm0(samples) == pytest.approx(-10, abs=0.2)
    assert tone_level_dbm0(noise(8000)) < -50


def test_every_step_passes_on_a_simulated_line(no_thread_left):
    from drivers.simline import sim_line  # noqa: PLC0415

    line = sim_line("hwt-1", depth=2)  # no stale audio queued before the audio step
    loopback = LoopbackLine(line)

    def ring():
        line.set_ringing(True)
        time.sleep(0.1)
        line.set_ringing(False)

    def hook():
        line.set_off_hook(True)
        time.sleep(0.1)
        line.set_off_hook(False)

    def relay():
        assert line.wait_relay(True, 5)
        line.set_off_hook(True)  # the relay closes the loop: current flows
        assert line.wait_relay(False, 5)
        line.set_off_hook(False)

    installer = Installer({"ring": ring, "hook": hook, "relay": relay})
    settings = Line(number=1, signals="sim:hwt-1", audio="sim:hwt-1?depth=2", playback="sim:hwt-1")
    test = HwTest([settings], timeout=5, say=installer.say, ask=None, relay_hold=0.1)
    try:
        results = test.run()
    finally:
        loopback.stop()
        installer.join()
    assert [(r.step, r.outcome) for r in results] == [
        ("ring", "PASS"),
        ("hook", "PASS"),
        ("relay", "PASS"),
        ("audio", "PASS"),
    ], [str(r) for r in results]
    came_back = float(results[3].detail.split("came back at ")[1].split(" dBm0")[0])
    assert came_back == pytest.approx(-16, abs=1.5)  # the loopback's 6 dB loss
    assert test.passed


def test_gpio_line_on_mock_pins(tmp_path, no_thread_left):
    factory = MockFactory()
    ring, loop, relay = (factory.pin(n) for n in (17, 27, 22))

    def ring_pulses():
        for _ in range(20):
            ring.drive_low()
            ring.drive_high()
            time.sleep(0.005)

    def lift_and_replace():
        loop.drive_low()
        time.sleep(0.1)
        loop.drive_high()

    def relay_closes_the_loop():
        deadline = time.monotonic() + 5
        while relay.state != 1 and time.monotonic() < deadline:
            time.sleep(0.005)
        loop.drive_low()
        while relay.state != 0 and time.monotonic() < deadline:
            time.sleep(0.005)
        loop.drive_high()

    wav = tmp_path / "line.wav"
    write_wav(wav, noise(8000))
    installer = Installer(
        {"ring": ring_pulses, "hook": lift_and_replace, "relay": relay_closes_the_loop}
    )
    settings = Line(number=1, signals=GPIO_URL, audio=f"wav:{wav}", playback="null:")
    test = HwTest(
        [settings],
        timeout=5,
        say=installer.say,
        ask=None,
        signals_options={"pin_factory": factory},
        relay_hold=0.1,
    )
    results = test.run()
    installer.join()
    factory.close()
    assert [r.outcome for r in results] == ["PASS"] * 4, [str(r) for r in results]
    assert "no tone played" in results[3].detail
    assert relay.states[-1].state == 0  # released


def test_failures_say_what_to_check(tmp_path, no_thread_left):
    factory = MockFactory()
    wav = tmp_path / "dead.wav"
    write_wav(wav, np.zeros(8000, dtype=np.int16))
    settings = Line(number=1, signals=GPIO_URL, audio=f"wav:{wav}", playback="null:")
    heard = []
    test = HwTest(
        [settings],
        timeout=0.3,
        say=heard.append,
        ask=None,
        signals_options={"pin_factory": factory},
        relay_hold=0.1,
    )
    ring, hook, relay, audio = test.run()
    factory.close()
    assert ring.outcome == hook.outcome == relay.outcome == audio.outcome == "FAIL"
    assert "no ring in 0 s" in ring.detail and "ring=17,loop=27,relay=22" in ring.detail
    assert "no handset lifted seen" in hook.detail
    assert "no loop current read back" in relay.detail
    assert "pure zeros" in audio.detail and "alsamixer" in audio.detail
    assert not test.passed


def test_a_tone_that_does_not_come_back_fails(no_thread_left):
    from drivers.simline import sim_line  # noqa: PLC0415

    line = sim_line("hwt-deaf", depth=2)
    loopback = LoopbackLine(line, gain=0.0)  # played, but nothing comes back
    settings = Line(number=1, audio="sim:hwt-deaf?depth=2", playback="sim:hwt-deaf")
    try:
        (result,) = HwTest([settings], steps=("audio",), say=lambda _: None, ask=None).run()
    finally:
        loopback.stop()
    assert result.outcome == "FAIL"
    assert "the tone is not heard" in result.detail


def test_interactive_skip_and_the_relay_heard(no_thread_left):
    from drivers.simline import sim_line  # noqa: PLC0415

    sim_line("hwt-ask")
    answers = iter(["s", "s", "", "y"])  # skip ring and hook; relay: start, then "it clicked"
    asked = []

    def ask(prompt):
        asked.append(prompt)
        return next(answers)

    settings = Line(number=1, signals="sim:hwt-ask")
    test = HwTest(
        [settings], steps=("ring", "hook", "relay"), say=lambda _: None, ask=ask, relay_hold=0
    )
    ring, hook, relay = test.run()
    assert (ring.outcome, hook.outcome) == ("SKIP", "SKIP")
    assert relay.outcome == "PASS" and "relay clicks" in relay.detail
    assert asked[-1].strip().startswith("did the relay click")


def test_modem_lines_skip_relay_and_audio(no_thread_left):
    settings = Line(number=1, modem="serial:/dev/linerec-test-none")
    test = HwTest([settings], steps=("relay", "audio"), say=lambda _: None, ask=None)
    assert [r.outcome for r in test.run()] == ["SKIP", "SKIP"]


def test_the_command_runs_the_configured_lines(tmp_path, capsys, no_thread_left):
    wav = tmp_path / "line.wav"
    write_wav(wav, noise(8000))
    store = ConfigStore(tmp_path)
    store.save(default_config(2))
    store.update_line(1, audio=f"wav:{wav}", playback="null:")
    argv = ["hw-test", "--yes", "--steps", "audio", "--line", "1", "--data", str(tmp_path)]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "line 1 audio PASS" in out and "== 1 passed, 0 failed, 0 skipped" in out
    write_wav(wav, np.zeros(8000, dtype=np.int16))
    assert main(argv) == 1
    out = capsys.readouterr().out
    assert "FAIL line 1 audio FAIL" in out


def test_the_command_refuses_unknown_steps_and_lines(tmp_path, capsys):
    with pytest.raises(SystemExit) as stopped:
        main(["hw-test", "--steps", "ring,bell", "--data", str(tmp_path)])
    assert stopped.value.code == 2
    assert "bell: not steps" in capsys.readouterr().err
    ConfigStore(tmp_path).save(default_config(2))
    assert main(["hw-test", "--yes", "--line", "7", "--data", str(tmp_path)]) == 2
    assert "no line 7" in capsys.readouterr().err


def test_the_command_refuses_while_an_engine_runs(tmp_path, capsys):
    from firmware.datafolder import DataFolder, EngineLock  # noqa: PLC0415

    ConfigStore(tmp_path).save(default_config(1))
    engine = EngineLock(DataFolder(tmp_path))
    engine.acquire()
    try:
        assert main(["hw-test", "--yes", "--data", str(tmp_path)]) == 2
    finally:
        engine.release()
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "another engine" in err and "hw-test opens the lines' devices itself" in err


def test_a_capture_that_gives_nothing_fails_in_time(no_thread_left):
    settings = Line(number=1, audio="sim:", playback="null:")  # nobody plays on this line
    started = time.monotonic()
    (result,) = HwTest([settings], steps=("audio",), say=lambda _: None, ask=None).run()
    assert result.outcome == "FAIL" and "gave no audio" in result.detail
    assert time.monotonic() - started < 10


def test_the_audio_step_through_the_real_alsa_file_plugin(tmp_path):
    """The command in a child process (ALSA reads its configuration once per process): the
    capture hears the line's noise, then the tone as a line would echo it, 10 dB down."""
    pytest.importorskip("alsaaudio")
    heard = np.concatenate([noise(25 * 160), tone(75, level=-20) + noise(75 * 160, seed=2)])
    (tmp_path / "IN.raw").write_bytes(heard.astype("<i2").tobytes())
    config = tmp_path / "linerec-test.conf"
    config.write_text(
        f'pcm.linecap {{ type file; slave.pcm "null"; file "{tmp_path}/CAPTURED.raw"; '
        f'infile "{tmp_path}/IN.raw"; format "raw" }}\n'
        f'pcm.lineplay {{ type file; slave.pcm "null"; file "{tmp_path}/OUT.raw"; '
        'format "raw" }\n'
    )
    data = tmp_path / "data"
    data.mkdir()
    store = ConfigStore(data)
    store.save(default_config(1))
    store.update_line(1, audio="alsa:linecap", playback="alsa:lineplay")
    command = ["hw-test", "--yes", "--steps", "audio", "--data", str(data)]
    child = subprocess.run(
        [sys.executable, "-m", "firmware", *command],
        cwd=ROOT,
        env={
            **os.environ,
            "ALSA_CONFIG_PATH": f"/usr/share/alsa/alsa.conf:{config}",
            "PYTHONPATH": str(ROOT),
        },
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert child.returncode == 0, child.stdout + child.stderr
    assert "line 1 audio PASS  tone sent at -10 dBm0 came back at -20 dBm0" in child.stdout
    played = np.frombuffer((tmp_path / "OUT.raw").read_bytes(), dtype="<i2")
    assert tone_level_dbm0(played[: 50 * 160]) == pytest.approx(-10, abs=0.1)

"""The linerec command line: version, run, dsp tools, exit codes."""

from __future__ import annotations

import json
import struct
import subprocess
import sys

import numpy as np
import pytest

from firmware import __version__
from firmware.cli import main
from firmware.wavfile import read_wav, write_wav


def test_version(capsys):
    with pytest.raises(SystemExit) as stopped:
        main(["--version"])
    assert stopped.value.code == 0
    assert capsys.readouterr().out.strip() == f"linerec {__version__}"


def test_python_dash_m_firmware_is_the_same_command():
    result = subprocess.run(
        [sys.executable, "-m", "firmware", "--version"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0
    assert result.stdout.strip() == f"linerec {__version__}"


@pytest.mark.parametrize(
    "argv", [["run", "--speed", "0"], ["run", "--port", "70000"], ["frobnicate"], []]
)
def test_usage_errors_exit_2(argv, capsys):
    with pytest.raises(SystemExit) as stopped:
        main(argv)
    assert stopped.value.code == 2
    assert "usage:" in capsys.readouterr().err


def test_dsp_info_reports_encoding_length_and_level(tmp_path, capsys):
    t = np.arange(8000) / 8000
    tone = np.round(7218.5 * np.sin(2 * np.pi * 1004 * t)).astype(np.int16)  # -10 dBm0
    path = tmp_path / "tone.wav"
    write_wav(path, tone, "alaw")
    assert main(["dsp", "info", str(path), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["encoding"] == "alaw"
    assert report["samples"] == 8000
    assert report["seconds"] == 1.0
    assert report["rms_dbm0"] == pytest.approx(-10, abs=0.1)


def test_dsp_convert_changes_the_encoding(tmp_path, rng):
    samples = rng.integers(-20000, 20000, 800, dtype=np.int16)
    source, target = tmp_path / "in.wav", tmp_path / "out.wav"
    write_wav(source, samples)
    assert main(["dsp", "convert", str(source), str(target), "--encoding", "ulaw"]) == 0
    audio = read_wav(target)
    assert audio.encoding == "ulaw"
    assert np.abs(audio.samples.astype(int) - samples).max() <= 20000 // 16 + 8


def test_a_bad_wav_is_one_line_on_stderr_and_exit_2(tmp_path, capsys):
    path = tmp_path / "stereo.wav"
    fmt = struct.pack("<HHIIHH", 1, 2, 8000, 32000, 4, 16)  # PCM16, 2 channels
    path.write_bytes(b"RIFF\x24\0\0\0WAVEfmt \x10\0\0\0" + fmt + b"data\0\0\0\0")
    assert main(["dsp", "info", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith(f"linerec: error: {path}: 2 channels")


def test_the_installed_version_is_the_one_the_extension_was_built_for():
    import dsp_ext  # noqa: PLC0415 - the comparison is the point of this test

    assert __version__ == dsp_ext.__version__

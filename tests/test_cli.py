"""The linerec command line: version, run, dsp tools, exit codes."""

from __future__ import annotations

import json
import struct
import subprocess
import sys

import numpy as np
import pytest

from firmware import __version__
from firmware.cli import commands
from firmware.cli.commands import main
from firmware.tools.wavfile import read_wav, write_wav


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


def _commands(parser) -> dict:
    (subparsers,) = [action for action in parser._actions if action.dest == "command"]
    return subparsers.choices


def test_each_command_is_built_from_its_own_module_alone():
    """The table of commands by module is what the modules register, and a command's
    parser built alone (as ``main`` builds it) is the one ``--help`` lists."""
    everything = _commands(commands.build_parser())
    listed = [name for names in commands.COMMAND_MODULES.values() for name in names]
    assert sorted(everything) == sorted([*listed, "check-config"])
    for name, parser in everything.items():
        alone = _commands(commands.build_parser(name))
        assert name in alone
        assert alone[name].format_help() == parser.format_help()
    assert commands._command(["engine", "--data", "x"]) == "engine"
    assert commands._command(["--version", "engine"]) is None
    assert commands._command(["frobnicate"]) is None


def test_the_engine_command_imports_no_other_commands_module():
    done = subprocess.run(
        [sys.executable, "-c", "import sys\n"
         "from firmware.cli.commands import build_parser, _command\n"
         "build_parser(_command(['engine'])).parse_args(['engine', '--help'])\n"],
        capture_output=True, text=True, check=False,
    )
    assert done.returncode == 0 and "usage: linerec engine" in done.stdout
    done = subprocess.run(
        [sys.executable, "-c", "import sys\n"
         "from firmware.cli.commands import build_parser, _command\n"
         "build_parser(_command(['engine']))\n"
         "print(sorted(m for m in sys.modules if m.startswith(('firmware.cli.', "
         "'firmware.update', 'firmware.backup.run', 'firmware.hardware', 'firmware.health'))))"],
        capture_output=True, text=True, check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "['firmware.cli.commands', 'firmware.cli.processes']"


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


def _tone_file(path, country, names, gap_s=1.0, encoding="alaw"):
    """The country's tones one after the other (3.5 s each, ringback 12 s), with silence between."""
    from firmware.country.profiles import FAX_ANSWER_TONE, profile  # noqa: PLC0415
    from firmware.country.tones import tone_generator  # noqa: PLC0415

    tones = {**profile(country).tones, "fax_ced": FAX_ANSWER_TONE}
    gap = np.zeros(int(gap_s * 8000), dtype=np.int16)
    parts = [gap]
    for name in names:
        seconds = 12.0 if name == "ringback" else 3.5
        parts += [tone_generator(tones[name], -20.0).generate(int(seconds * 8000)), gap]
    write_wav(path, np.concatenate(parts), encoding)


def test_dsp_tones_prints_one_json_object_per_tone(tmp_path, capsys):
    path = tmp_path / "call.wav"
    _tone_file(path, "CN", ["dial", "busy", "fax_ced"])
    assert main(["dsp", "tones", str(path)]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["tone"] for line in lines] == ["dial", "busy", "fax_ced"]
    assert set(lines[0]) == {"tone", "start_s", "end_s"}
    # dial 1.0-4.5 s; busy from 5.5 s, its last burst ending 0.35 s before 9.0 s
    assert lines[0]["start_s"] == pytest.approx(1.0, abs=0.01)
    assert lines[0]["end_s"] == pytest.approx(4.5, abs=0.01)
    assert lines[1]["start_s"] == pytest.approx(5.5, abs=0.01)
    assert lines[1]["end_s"] == pytest.approx(8.65, abs=0.01)
    assert lines[2]["start_s"] == pytest.approx(10.0, abs=0.01)


def test_dsp_tones_uses_the_country_plan(tmp_path, capsys):
    path = tmp_path / "us.wav"
    _tone_file(path, "US", ["ringback", "congestion"], encoding="ulaw")
    assert main(["dsp", "tones", str(path), "--country", "US"]) == 0
    assert [json.loads(line)["tone"] for line in capsys.readouterr().out.splitlines()] == [
        "ringback",
        "congestion",
    ]
    assert main(["dsp", "tones", str(path), "--country", "CN"]) == 0
    assert capsys.readouterr().out == ""


def test_dsp_tones_on_an_empty_file_prints_nothing(tmp_path, capsys):
    path = tmp_path / "empty.wav"
    write_wav(path, np.zeros(0, dtype=np.int16))
    assert main(["dsp", "tones", str(path)]) == 0
    assert capsys.readouterr().out == ""


def test_dsp_tones_bad_wav_and_bad_country(tmp_path, capsys):
    path = tmp_path / "bad.wav"
    path.write_bytes(b"RIFF....WAVEjunk")
    assert main(["dsp", "tones", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and str(path) in err
    with pytest.raises(SystemExit) as stopped:
        main(["dsp", "tones", str(path), "--country", "FR"])
    assert stopped.value.code == 2


# --- linerec dsp echo -------------------------------------------------------


def _line_with_echo(rng, seconds: float = 4.0) -> tuple[np.ndarray, np.ndarray]:
    """A far end of band-limited noise and its echo from a made-up hybrid (9 dB, 5 ms)."""
    n = int(seconds * 8000)
    far = np.clip(rng.normal(0, 3000, n), -32768, 32767).astype(np.int16)
    taps = np.arange(64)
    hybrid = np.exp(-taps / 12) * np.cos(2 * np.pi * 0.13 * taps)
    echo = np.convolve(far.astype(float), hybrid)[:n]
    echo = np.concatenate([np.zeros(40), echo])[:n]
    echo *= np.sqrt(np.mean(far.astype(float) ** 2) / np.mean(echo**2)) * 10 ** (-9 / 20)
    return far, np.round(echo).astype(np.int16)


def test_dsp_echo_cancels_far_in_near_and_keeps_near_encoding(tmp_path, rng):
    far, near = _line_with_echo(rng)
    far_path, near_path, out_path = (tmp_path / name for name in ("far.wav", "near.wav", "out.wav"))
    write_wav(far_path, far, "pcm16")
    write_wav(near_path, near, "ulaw")
    assert main(["dsp", "echo", str(far_path), str(near_path), str(out_path)]) == 0
    out = read_wav(out_path)
    heard = read_wav(near_path).samples.astype(float)
    assert out.encoding == "ulaw"
    assert out.samples.size == near.size
    second_half = slice(near.size // 2, None)
    erle = 10 * np.log10(
        np.sum(heard[second_half] ** 2) / np.sum(out.samples[second_half].astype(float) ** 2)
    )
    assert erle > 25


@pytest.mark.parametrize("tail", ["32", "128"])
def test_dsp_echo_takes_the_other_tails(tmp_path, rng, tail):
    far, near = _line_with_echo(rng, 2.0)
    paths = [tmp_path / name for name in ("far.wav", "near.wav", "out.wav")]
    write_wav(paths[0], far)
    write_wav(paths[1], near)
    assert main(["dsp", "echo", *map(str, paths), "--tail-ms", tail]) == 0
    assert read_wav(paths[2]).samples.size == near.size


def test_dsp_echo_refuses_another_tail(tmp_path, capsys):
    with pytest.raises(SystemExit) as stopped:
        main(["dsp", "echo", "a.wav", "b.wav", "c.wav", "--tail-ms", "48"])
    assert stopped.value.code == 2
    assert "invalid choice: 48" in capsys.readouterr().err


def test_dsp_echo_refuses_far_and_near_of_different_lengths(tmp_path, capsys):
    far_path, near_path, out_path = (tmp_path / name for name in ("far.wav", "near.wav", "out.wav"))
    write_wav(far_path, np.zeros(800, np.int16))
    write_wav(near_path, np.zeros(960, np.int16), "alaw")
    assert main(["dsp", "echo", str(far_path), str(near_path), str(out_path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith(f"linerec: error: {near_path}: 960 samples, but FAR {far_path} has 800")
    assert not out_path.exists()


def test_dsp_echo_refuses_a_file_that_is_not_8_khz_mono(tmp_path, capsys):
    far_path, near_path = tmp_path / "far.wav", tmp_path / "near.wav"
    write_wav(far_path, np.zeros(800, np.int16))
    fmt = struct.pack("<HHIIHH", 1, 1, 16000, 32000, 2, 16)  # 16 kHz
    near_path.write_bytes(b"RIFF\x24\0\0\0WAVEfmt \x10\0\0\0" + fmt + b"data\0\0\0\0")
    assert main(["dsp", "echo", str(far_path), str(near_path), str(tmp_path / "out.wav")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith(f"linerec: error: {near_path}: sample rate 16000 Hz")


def test_dsp_echo_of_empty_files_writes_an_empty_file(tmp_path):
    paths = [tmp_path / name for name in ("far.wav", "near.wav", "out.wav")]
    write_wav(paths[0], np.zeros(0, np.int16))
    write_wav(paths[1], np.zeros(0, np.int16), "alaw")
    assert main(["dsp", "echo", *map(str, paths)]) == 0
    out = read_wav(paths[2])
    assert out.samples.size == 0
    assert out.encoding == "alaw"


def test_dsp_amd_prints_the_decision_and_when_for_one_file_or_several(tmp_path, capsys):
    fax, quiet = tmp_path / "fax.wav", tmp_path / "quiet.wav"
    _tone_file(fax, "CN", ["fax_ced"], gap_s=0.3)
    write_wav(quiet, np.zeros(8 * 8000, dtype=np.int16), "alaw")  # nobody speaks
    assert main(["dsp", "amd", str(fax)]) == 0
    (answer,) = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert answer["result"] == "fax" and 0 < answer["decided_s"] < 4.0
    assert set(answer) == {"result", "decided_s", "cause"}
    assert main(["dsp", "amd", "--json-lines", str(fax), str(quiet)]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(line["file"], line["result"]) for line in lines] == [
        (str(fax), "fax"), (str(quiet), "notsure")]
    assert lines[1]["decided_s"] == pytest.approx(2.5, abs=0.05)
    with pytest.raises(SystemExit, match="several files need --json-lines"):
        main(["dsp", "amd", str(fax), str(quiet)])

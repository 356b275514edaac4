"""The ``linerec dsp`` tools on what people really hand them: an empty recording, a device,
a huge file, an output they cannot write. One line naming the file and the problem, exit
status 2, bounded memory; never a traceback."""

from __future__ import annotations

import json
import resource
import struct
import subprocess
import sys

import numpy as np
import pytest

from firmware.cli.commands import main
from firmware.store.wavformat import wav_header
from firmware.tools.wavfile import write_wav


def empty_recording(tmp_path, encoding="alaw"):
    path = tmp_path / f"empty-{encoding}.wav"
    write_wav(path, np.zeros(0, dtype=np.int16), encoding)
    return path


@pytest.mark.parametrize("encoding", ["pcm16", "alaw", "ulaw"])
def test_every_tool_takes_a_recording_with_no_audio(tmp_path, capsys, encoding):
    path = empty_recording(tmp_path, encoding)
    assert main(["dsp", "cid", str(path)]) == 0
    assert main(["dsp", "dtmf", str(path)]) == 0
    assert main(["dsp", "tones", str(path)]) == 0
    assert main(["dsp", "info", str(path), "--json"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == ""  # no digits
    info = json.loads(out[-1])
    assert (info["samples"], info["rms_dbm0"], info["peak"]) == (0, None, 0)
    assert main(["dsp", "convert", str(path), str(tmp_path / "out.wav")]) == 0
    assert main(["dsp", "echo", str(path), str(path), str(tmp_path / "clean.wav")]) == 0


@pytest.mark.parametrize(("source", "problem"), [
    ("/dev/zero", "/dev/zero: a device, not a file; expected a WAV file"),
    ("{tmp}", "{tmp}: a folder, not a WAV file"),
    ("{tmp}/nothing.wav", "{tmp}/nothing.wav: cannot read: No such file or directory"),
])
def test_what_is_not_a_wav_file_is_one_line(tmp_path, capsys, source, problem):
    source = source.format(tmp=tmp_path)
    for tool in ("info", "cid", "dtmf", "tones"):
        assert main(["dsp", tool, source]) == 2
        err = capsys.readouterr().err
        assert err == f"linerec: error: {problem.format(tmp=tmp_path)}\n", tool


@pytest.mark.parametrize(("target", "problem"), [
    ("{tmp}/no-such-folder/out.wav", "cannot write: No such file or directory"),
    ("{tmp}", "a folder; give the name of the file to write"),
    ("/proc/self/out.wav", "cannot write: "),
])
def test_an_output_that_cannot_be_written_is_one_line(tmp_path, capsys, target, problem):
    source = tmp_path / "in.wav"
    write_wav(source, np.ones(800, dtype=np.int16) * 100)
    target = target.format(tmp=tmp_path)
    for argv in (["dsp", "convert", str(source), target],
                 ["dsp", "echo", str(source), str(source), target]):
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert err.startswith(f"linerec: error: {target}: {problem}") and err.count("\n") == 1
    assert sorted(path.name for path in tmp_path.iterdir()) == ["in.wav"]  # nothing left


def sparse_wav(path, data_bytes: int) -> None:
    """A PCM16 WAV whose data chunk is ``data_bytes`` of holes: huge, costing no disk."""
    header = bytearray(wav_header("pcm16", 0))
    struct.pack_into("<I", header, 4, len(header) - 8 + data_bytes)
    struct.pack_into("<I", header, len(header) - 4, data_bytes)
    with path.open("wb") as stream:
        stream.write(header)
        stream.truncate(len(header) + data_bytes)


MEMORY_LIMIT = 1024 * 2**20  # address space: far less than the files below


def run_with_little_memory(argv) -> subprocess.CompletedProcess:
    """Run ``linerec argv`` in a process of its own that may not map more than 1 GB."""

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))

    return subprocess.run([sys.executable, "-m", "firmware", *argv], capture_output=True,
                          text=True, timeout=600, check=False, preexec_fn=limit)


def check_a_huge_file_in_bounded_memory(tmp_path, gigabytes: float) -> None:
    path = tmp_path / "huge.wav"
    sparse_wav(path, int(gigabytes * 2**30) // 2 * 2)
    result = run_with_little_memory(["dsp", "info", str(path), "--json"])
    assert result.returncode == 0, result.stderr[-2000:]
    info = json.loads(result.stdout)
    assert info["samples"] == int(gigabytes * 2**30) // 2 and info["peak"] == 0
    result = run_with_little_memory(["dsp", "dtmf", str(path)])
    assert (result.returncode, result.stdout) == (0, "\n"), result.stderr[-2000:]


def test_a_large_file_is_read_in_bounded_memory(tmp_path):
    check_a_huge_file_in_bounded_memory(tmp_path, 0.3)


@pytest.mark.slow
def test_a_three_gigabyte_file_is_read_in_bounded_memory(tmp_path):
    check_a_huge_file_in_bounded_memory(tmp_path, 3.0)

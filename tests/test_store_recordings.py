"""Recording files: written crash-safe, repaired after a crash."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from firmware.store import files, recordings
from firmware.store.recordings import (
    RecordingError,
    RecordingFacts,
    RecordingFile,
    SidecarError,
    WavInfo,
    inspect_wav,
    load_sidecar,
    read_sidecar,
    relative_path,
    repair,
)
from firmware.tools.wavfile import read_wav


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def pcm_bytes(samples: np.ndarray) -> bytes:
    return samples.astype("<i2").tobytes()


def test_the_path_says_day_line_and_time():
    started = time.mktime((2026, 11, 23, 9, 5, 7, 0, 0, -1))
    assert relative_path(3, started, "42") == "2026/11/23/L3-20261123-090507-42.wav"


def test_a_finished_recording_is_a_valid_wav_with_a_complete_sidecar(tmp_path, rng):
    audio = rng.integers(-20000, 20000, 16000, dtype=np.int16)
    writer = RecordingFile(tmp_path, "2026/11/23/L1-a.wav", "pcm16", {"line": 1, "call_id": 7})
    for frame in np.split(audio, 100):
        writer.append(pcm_bytes(frame))
    sha256 = writer.close(ended_at=123.0)
    path = tmp_path / "2026/11/23/L1-a.wav"
    np.testing.assert_array_equal(read_wav(path).samples, audio)
    sidecar = json.loads(path.with_suffix(".json").read_text())
    assert sidecar["state"] == "complete"
    assert sidecar["samples"] == 16000
    assert sidecar["sha256"] == sha256 == recordings.file_sha256(path)
    assert (sidecar["version"], sidecar["line"], sidecar["ended_at"]) == (2, 1, 123.0)
    assert sidecar["call"] == {"call_id": 7}


def test_the_sidecar_keeps_the_recordings_facts_apart_from_its_calls(tmp_path):
    facts = RecordingFacts(2, 1004.0, call={"call_id": 9, "started_at": 1000.0})
    writer = RecordingFile(tmp_path, "r.wav", "ulaw", facts)
    in_progress = read_sidecar(tmp_path / "r.wav")
    assert (in_progress["state"], in_progress["started_at"], in_progress["ended_at"]) == (
        "recording", 1004.0, None)
    writer.metadata.update({"call_id": 9, "started_at": 1000.0, "answered_at": 1003.0})
    writer.append(b"\xff" * 800)
    writer.close(ended_at=1004.1)
    sidecar = read_sidecar(tmp_path / "r.wav")
    assert (sidecar["started_at"], sidecar["ended_at"], sidecar["samples"]) == (
        1004.0, 1004.1, 800)
    assert sidecar["call"] == {"call_id": 9, "started_at": 1000.0, "answered_at": 1003.0}


def test_a_sidecar_that_cannot_be_read_says_why(tmp_path):
    wav = tmp_path / "r.wav"
    assert load_sidecar(wav) is None
    for data, why in [(b"{", "not JSON"), (b"\xff\xfe", "not UTF-8 text"),
                      (b"[]", "not a sidecar (a JSON list)")]:
        (tmp_path / "r.json").write_bytes(data)
        with pytest.raises(SidecarError, match=f"^{tmp_path / 'r.json'}: {re.escape(why)}"):
            load_sidecar(wav)
        assert read_sidecar(wav) is None


def test_repair_gives_an_empty_file_a_header_when_its_encoding_is_known(tmp_path):
    path = tmp_path / "empty.wav"
    path.write_bytes(b"")
    with pytest.raises(RecordingError, match="no usable WAV header"):
        repair(path)
    result = repair(path, encoding="alaw")
    assert (result.samples, result.changed) == (0, True)
    assert read_wav(path).samples.size == 0
    assert inspect_wav(path) == WavInfo("alaw", 0)


def test_the_header_is_brought_up_to_date_every_sync_interval(tmp_path):
    clock = FakeClock()
    writer = RecordingFile(tmp_path, "r.wav", "alaw", {"line": 1}, clock=clock)
    path = tmp_path / "r.wav"
    writer.append(b"\x55" * 4000)
    assert read_wav(path).samples.size == 0  # not a second yet: header still says empty
    clock.now = 1.0
    writer.append(b"\x55" * 4000)
    assert read_wav(path).samples.size == 8000
    assert not read_wav(path).truncated
    writer.close()


def test_a_new_days_folders_are_recorded_in_their_parents_on_the_disk(tmp_path, monkeypatch):
    synced = []
    monkeypatch.setattr(files, "fsync_directory", synced.append)
    (tmp_path / "2026").mkdir()
    RecordingFile(tmp_path, "2026/11/23/L1-a.wav", "pcm16", {}).close()
    # November made in 2026 and the 23rd in November; then the folder holding the files
    # (the sidecar's atomic writes, at the start and at the end).
    day = tmp_path / "2026/11/23"
    assert synced == [tmp_path / "2026", day.parent, day, day]
    synced.clear()
    RecordingFile(tmp_path, "2026/11/23/L1-b.wav", "pcm16", {}).close()
    assert synced == [day, day]  # the folders exist now: nothing more


def test_a_file_in_the_way_of_a_days_folder_is_an_error(tmp_path):
    (tmp_path / "2026").write_text("not a folder")
    with pytest.raises(OSError):
        RecordingFile(tmp_path, "2026/11/23/L1-a.wav", "pcm16", {})


def test_an_existing_recording_is_never_overwritten(tmp_path):
    RecordingFile(tmp_path, "same.wav", "pcm16", {}).close()
    with pytest.raises(FileExistsError):
        RecordingFile(tmp_path, "same.wav", "pcm16", {})


def test_partial_samples_are_refused(tmp_path):
    writer = RecordingFile(tmp_path, "odd.wav", "pcm16", {})
    with pytest.raises(ValueError, match="whole number"):
        writer.append(b"\x01\x02\x03")
    writer.close()


def test_repair_keeps_every_whole_sample_that_reached_the_disk(tmp_path, rng):
    audio = rng.integers(-32768, 32767, 10000, dtype=np.int16)
    writer = RecordingFile(tmp_path, "cut.wav", "pcm16", {"line": 2})
    writer.append(pcm_bytes(audio))
    writer._stream.flush()  # the bytes reached the file, the header never caught up
    path = tmp_path / "cut.wav"
    with path.open("ab") as stream:
        stream.write(b"\x7f")  # half a sample, as a crash mid-write leaves
    result = repair(path)
    assert result.changed
    assert result.samples == 10000
    audio_back = read_wav(path)
    np.testing.assert_array_equal(audio_back.samples, audio)
    assert not audio_back.truncated
    sidecar = json.loads(path.with_suffix(".json").read_text())
    assert sidecar["state"] == "repaired"
    assert sidecar["samples"] == 10000
    assert sidecar["sha256"] == recordings.file_sha256(path)
    assert not repair(path).changed  # repairing twice changes nothing


def test_a_file_with_no_header_is_reported_not_guessed(tmp_path):
    path = tmp_path / "2026/11/23/L1-x.wav"
    path.parent.mkdir(parents=True)
    path.write_bytes(b"RIF")
    with pytest.raises(RecordingError, match="no usable WAV header"):
        repair(path)


WRITER_SCRIPT = """
import sys, time
import numpy as np
from pathlib import Path
from firmware.store.recordings import RecordingFile
root, seed = Path(sys.argv[1]), int(sys.argv[2])
rng = np.random.default_rng(seed)
writer = RecordingFile(root, "crash.wav", "pcm16", {"line": 1}, sync_interval=0.05)
print("ready", flush=True)
written = 0
while True:
    frame = rng.integers(-32768, 32767, 160, dtype=np.int16)
    writer.append(frame.astype("<i2").tobytes())
    written += 160
    time.sleep(0.0005)
"""


@pytest.mark.parametrize("attempt", range(5))
def test_sigkill_while_recording_loses_at_most_the_last_sync_interval(tmp_path, attempt):
    seed = 1000 + attempt
    process = subprocess.Popen(
        [sys.executable, "-c", WRITER_SCRIPT, str(tmp_path), str(seed)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout.readline().strip() == "ready"
    time.sleep(0.2 + 0.1 * attempt)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    path = tmp_path / "crash.wav"
    synced = read_wav(path).samples.size  # what the header promised before the repair
    result = repair(path)
    audio = read_wav(path).samples
    assert audio.size == result.samples >= synced > 0
    # The audio is exactly the stream the writer produced, up to where it stopped.
    replay = np.random.default_rng(seed)
    frames = [replay.integers(-32768, 32767, 160, dtype=np.int16) for _ in range(audio.size // 160)]
    full_frames = audio.size // 160 * 160
    np.testing.assert_array_equal(audio[:full_frames], np.concatenate(frames))

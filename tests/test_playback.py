"""Serving stored recordings: paths that stay in their folder, PCM16 views of G.711 files,
byte ranges, files still being written."""

from __future__ import annotations

import os

import numpy as np
import pytest

from dsp_ext import g711
from firmware.store.recordings import RecordingFile
from firmware.tools.wavfile import read_wav, write_wav
from webui.http_range import ByteRange, UnsatisfiableRange, requested_range
from webui.playback import (
    PCM_HEADER,
    OutsideRecordingsError,
    PlaybackError,
    pcm_view,
    recording_file,
)


@pytest.fixture
def root(tmp_path):
    folder = tmp_path / "data" / "recordings"
    (folder / "2026" / "01").mkdir(parents=True)
    return folder


def test_recording_paths_never_leave_the_folder(root, tmp_path):
    inside = root / "2026" / "01" / "a.wav"
    inside.write_bytes(b"RIFF")
    secret = tmp_path / "secret.txt"
    secret.write_text("not a recording")
    assert recording_file(root, "2026/01/a.wav") == inside.resolve()
    assert recording_file(root, "2026/01/../01/a.wav") == inside.resolve()
    for tampered in ("../../secret.txt", "../secret.txt", "/etc/passwd", str(secret),
                     "2026/../../../secret.txt", "", ".", "2026/..", "a\0b"):
        with pytest.raises(OutsideRecordingsError):
            recording_file(root, tampered)
    # A link inside the folder pointing out of it is followed, then refused.
    (root / "2026" / "01" / "link.wav").symlink_to(secret)
    (root / "2026" / "escape").symlink_to(tmp_path)
    for linked in ("2026/01/link.wav", "2026/escape/secret.txt"):
        with pytest.raises(OutsideRecordingsError):
            recording_file(root, linked)
    # A link that stays inside is fine; a missing file or a folder is "not there".
    (root / "2026" / "01" / "alias.wav").symlink_to(inside)
    assert recording_file(root, "2026/01/alias.wav") == inside.resolve()
    for missing in ("2026/01/none.wav", "2026/01"):
        with pytest.raises(PlaybackError) as caught:
            recording_file(root, missing)
        assert not isinstance(caught.value, OutsideRecordingsError)
    (root / "2026" / "loop.wav").symlink_to(root / "2026" / "loop.wav")
    with pytest.raises(PlaybackError):
        recording_file(root, "2026/loop.wav")


@pytest.mark.parametrize("encoding", ["alaw", "ulaw", "pcm16"])
def test_the_pcm_view_is_the_decoded_recording_and_any_range_of_it(root, rng, encoding):
    samples = rng.integers(-20000, 20000, 8000 * 3 + 17).astype(np.int16)
    path = root / f"{encoding}.wav"
    write_wav(path, samples, encoding)
    stored = read_wav(path)
    view = pcm_view(path)
    assert view.samples == samples.size and view.encoding == encoding
    whole = b"".join(view.chunks())
    assert len(whole) == view.size == PCM_HEADER + 2 * samples.size
    played = path.with_name(f"{encoding}-played.wav")
    played.write_bytes(whole)
    decoded = read_wav(played)
    assert decoded.encoding == "pcm16"
    if encoding == "alaw":
        expected = g711.alaw_decode(stored.codes)
    elif encoding == "ulaw":
        expected = g711.ulaw_decode(stored.codes)
    else:
        expected = samples
    np.testing.assert_array_equal(decoded.samples, expected)
    # Any byte range, odd edges and header included, is that slice of the whole.
    for _ in range(60):
        start = int(rng.integers(0, view.size))
        end = int(rng.integers(start + 1, view.size + 1))
        assert b"".join(view.chunks(start, end)) == whole[start:end], (start, end)
    for start, end in ((0, 1), (0, PCM_HEADER), (PCM_HEADER - 1, PCM_HEADER + 1),
                       (PCM_HEADER + 1, PCM_HEADER + 2), (view.size - 1, view.size)):
        assert b"".join(view.chunks(start, end)) == whole[start:end], (start, end)


def test_a_recording_still_being_written_plays_as_far_as_it_got(root, rng):
    recording = RecordingFile(root, "2026/01/live.wav", "alaw", {"line": 1},
                              sync_interval=3600.0)
    first = rng.integers(-9000, 9000, 8000).astype(np.int16)
    recording.append(g711.alaw_encode(first).tobytes())
    recording._stream.flush()  # on disk, but the header still says 0 samples
    view = pcm_view(recording.path, still_recording=True)
    assert view.samples == first.size
    audio = b"".join(view.chunks(PCM_HEADER))
    expected = g711.alaw_decode(g711.alaw_encode(first)).astype("<i2").tobytes()
    assert audio == expected
    # Trusting the stale header instead would show nothing.
    assert pcm_view(recording.path, still_recording=False).samples == first.size
    recording.close()
    assert pcm_view(recording.path).samples == first.size


def test_files_that_are_not_recordings_are_refused(root):
    for name, content in (("empty.wav", b""), ("text.wav", b"hello" * 100),
                          ("riff.wav", b"RIFF\0\0\0\0WAVE")):
        (root / name).write_bytes(content)
        with pytest.raises(PlaybackError):
            pcm_view(root / name)
    wide = root / "wide.wav"
    write_wav(wide, np.zeros(100, np.int16))
    blob = bytearray(wide.read_bytes())
    blob[24:28] = (16000).to_bytes(4, "little")  # 16 kHz
    wide.write_bytes(bytes(blob))
    with pytest.raises(PlaybackError, match="8 kHz"):
        pcm_view(wide)
    link = root / "link.wav"
    os.symlink(wide, link)
    with pytest.raises(PlaybackError):
        pcm_view(link)  # opened without following a link


def test_byte_ranges():
    size = 1000
    assert requested_range(None, size) is None
    assert requested_range("", size) is None
    assert requested_range("items=0-5", size) is None  # another unit: the whole file
    assert requested_range("bytes=0-", size) == ByteRange(0, 1000)
    assert requested_range("bytes=0-0", size) == ByteRange(0, 1)
    assert requested_range("bytes=10-19", size) == ByteRange(10, 20)
    assert requested_range("bytes=990-5000", size) == ByteRange(990, 1000)
    assert requested_range("bytes=-100", size) == ByteRange(900, 1000)
    assert requested_range("bytes=-5000", size) == ByteRange(0, 1000)
    assert requested_range("bytes=5-9, 20-29", size) == ByteRange(5, 10)  # the first only
    assert requested_range("BYTES = 1 - 2", size) == ByteRange(1, 3)
    assert requested_range("bytes=10-19", size).content_range(size) == "bytes 10-19/1000"
    for bad in ("bytes=1000-", "bytes=1000-1001", "bytes=5-4", "bytes=-0", "bytes=-",
                "bytes=a-b", "bytes=", "bytes=1-2-3", "bytes=" + "1" * 2000 + "-"):
        with pytest.raises(UnsatisfiableRange):
            requested_range(bad, size)
    with pytest.raises(UnsatisfiableRange):
        requested_range("bytes=-10", 0)

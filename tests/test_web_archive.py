"""Recordings compressed to Ogg Opus after the call, on the web: played by byte ranges,
downloaded as stored and as WAV, handed out and exported in every format, verified.

(That Chromium itself plays one is in ``tests/test_web_browser.py``.)
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import zipfile

import numpy as np
import pytest
import soundfile

from firmware.archive.formats import FORMATS
from firmware.archive.opus import OpusSettings
from firmware.archive.transcode import transcode
from tests.calls_box import make_office


@pytest.fixture
def office(tmp_path):
    made = make_office(tmp_path, calls_per_line=3)
    yield made
    made.box.close()


def compress(office, recording_id: int, tier: str = "standard"):
    store = office.deps.store
    transcode(store, office.deps.folder.recordings, store.recording(recording_id), tier,
              OpusSettings(10.0 if tier == "standard" else 7.0))
    return store.recording(recording_id)


def opened(data: bytes, fmt: str):
    """The audio of a file in ``fmt`` (or Ogg Opus / a WAV for None), as soundfile reads it."""
    args = FORMATS[fmt].read_args() if fmt in FORMATS else {}
    samples, rate = soundfile.read(io.BytesIO(data), dtype="int16", **args)
    assert rate == 8000
    return samples


def assert_length(samples: np.ndarray, expected: int, fmt: str | None) -> None:
    """Block formats end on a whole block, and libsndfile counts a WAV's pad byte after an
    odd-sized last block as one more: up to two blocks more than the recording."""
    block = FORMATS[fmt].block_samples if fmt in FORMATS else 1
    assert expected <= samples.size < expected + 2 * block, (fmt, samples.size, expected)


def test_an_opus_recording_plays_by_byte_ranges_as_ogg(office):
    recording = compress(office, office.recording_of_line(1))
    stored = (office.deps.folder.recordings / recording.path).read_bytes()
    ana = office.signed_in("ana")
    whole = ana.get(f"/recordings/{recording.id}/audio")
    assert whole.status == 200 and whole.headers["Content-Type"] == "audio/ogg"
    assert whole.body == stored and whole.headers["Accept-Ranges"] == "bytes"
    part = ana.get(f"/recordings/{recording.id}/audio", headers={"Range": "bytes=100-199"})
    assert part.status == 206 and part.body == stored[100:200]
    assert part.headers["Content-Range"] == f"bytes 100-199/{len(stored)}"
    tail = ana.get(f"/recordings/{recording.id}/audio", headers={"Range": "bytes=-50"})
    assert tail.status == 206 and tail.body == stored[-50:]
    page = ana.get(f"/recordings/{recording.id}")
    assert "Ogg Opus, 10 kbit/s (standard tier)" in page.text
    assert 'preload="none"' in page.text


def test_downloads_as_stored_and_as_wav(office):
    recording_id = office.recording_of_line(3)
    original = office.audio[recording_id]
    recording = compress(office, recording_id)
    cai = office.signed_in("cai")
    stored = cai.get(f"/recordings/{recording.id}/download")
    assert stored.status == 200 and stored.headers["Content-Type"] == "audio/ogg"
    assert hashlib.sha256(stored.body).hexdigest() == recording.stored_sha256
    assert re.search(r'filename="[^"]+\.opus"', stored.headers["Content-Disposition"])
    as_wav = cai.get(f"/recordings/{recording.id}/download/wav")
    assert as_wav.status == 200 and as_wav.headers["Content-Type"] == "audio/wav"
    assert int(as_wav.headers["Content-Length"]) == len(as_wav.body) == 44 + 2 * original.size
    decoded = opened(as_wav.body, None)
    assert decoded.size == original.size == recording.samples
    details = [entry.detail for entry in office.deps.audit.entries(action="download")]
    assert any(detail.startswith("as wav") for detail in details)
    assert recording.stored_sha256 in details  # the file as stored, by its hash
    # Still the original's length and hash in the index, for good.
    assert recording.samples == original.size and recording.sha256


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_every_format_opens_with_the_right_length(office, fmt):
    recording_id = office.recording_of_line(3)
    samples = office.audio[recording_id].size
    for recording in (office.deps.store.recording(recording_id),
                      compress(office, recording_id)):  # from the WAV, then from Opus
        answer = office.signed_in("cai").get(f"/recordings/{recording.id}/download/{fmt}")
        assert answer.status == 200, answer.text[:200]
        assert int(answer.headers["Content-Length"]) == len(answer.body)
        assert answer.headers["Content-Disposition"].endswith(f'{FORMATS[fmt].suffix}"')
        assert_length(opened(answer.body, fmt), samples, fmt)
    exports = office.deps.folder.exports  # a conversion's temporary file leaves no trace
    assert not exports.exists() or [path.name for path in exports.iterdir()] == []


def test_a_format_download_needs_the_download_flag_and_a_known_format(office):
    recording = compress(office, office.recording_of_line(1))
    ana = office.signed_in("ana")  # may listen, may not download
    assert ana.get(f"/recordings/{recording.id}/download/wav").status == 403
    aud = office.signed_in("aud")
    assert aud.get(f"/recordings/{recording.id}/download/mp3").status == 404
    assert aud.get(f"/recordings/{recording.id}/download/..%2Fwav").status == 404


@pytest.mark.parametrize("fmt", ["stored", "alaw", "ima_adpcm", "gsm610", "vox"])
def test_the_export_in_each_format_says_each_files_format_and_both_hashes(office, fmt):
    line_one = [office.recordings[c] for c in office.calls[1] if c in office.recordings]
    compress(office, line_one[0])
    compress(office, line_one[-1], "archive")
    auditor = office.signed_in("aud")
    auditor.get("/recordings?line=1")
    answer = auditor.post("/recordings/export?line=1", {"format": fmt})
    assert answer.status == 200, answer.text[:300]
    archive = zipfile.ZipFile(io.BytesIO(answer.body))
    manifest = json.loads(archive.read("manifest.json"))
    assert {entry["recording_id"] for entry in manifest["recordings"]} == set(line_one)
    for entry in manifest["recordings"]:
        row = office.deps.store.recording(entry["recording_id"])
        data = archive.read(entry["file"])
        assert hashlib.sha256(data).hexdigest() == entry["sha256"]
        assert entry["original_sha256"] == row.sha256
        assert entry["stored_sha256"] == entry["index_sha256"] == row.file_sha256
        assert entry["matches_index"] is True
        if fmt == "stored":
            assert entry["format"] == ("wav-alaw" if row.stored_format == "wav" else
                                       f"ogg-opus ({row.stored_tier} tier, "
                                       f"{row.stored_bitrate_kbps:g} kbit/s)")
            assert entry["file"] == "recordings/" + row.path
        else:
            assert entry["format"] == fmt and entry["file"].endswith(FORMATS[fmt].suffix)
        assert_length(opened(data, None if fmt == "stored" else fmt),
                      office.audio[row.id].size, fmt)
    sums = archive.read("SHA256SUMS").decode().splitlines()
    assert sorted(sums) == sorted(f"{e['sha256']}  {e['file']}" for e in manifest["recordings"])
    assert auditor.post("/recordings/export?line=1", {"format": "mp3"}).status == 400


def test_the_integrity_check_compares_the_stored_file_with_its_hash(office):
    recording = compress(office, office.recording_of_line(1))
    auditor = office.signed_in("aud")
    result = auditor.get(f"/recordings/{recording.id}/verify",
                         headers={"Accept": "application/json"}).json()
    assert result["verdict"] == "intact" and result["file"] == recording.stored_sha256
    assert result["index"] == recording.sha256  # the original's, kept
    page = auditor.get(f"/recordings/{recording.id}")
    assert recording.sha256 in page.text and recording.stored_sha256 in page.text
    path = office.deps.folder.recordings / recording.path
    path.write_bytes(path.read_bytes()[:-10] + b"0123456789")
    changed = auditor.get(f"/recordings/{recording.id}/verify",
                          headers={"Accept": "application/json"}).json()
    assert changed["verdict"] == "changed"

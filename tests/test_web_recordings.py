"""Recordings in the browser: who sees and does what, playback with ranges, downloads,
notes and tags, verification, the audit trail, file safety and the auditors' export."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import logging
import re
import zipfile

import numpy as np
import pytest

from dsp_ext import g711
from firmware.store.audit import parse_detail
from firmware.store.recordings import RecordingFile
from firmware.tools.wavfile import read_wav
from tests.calls_box import T0, add_recording, make_office
from webui import recording_export
from webui.playback import PCM_HEADER


@pytest.fixture
def office(tmp_path):
    made = make_office(tmp_path)
    yield made
    made.box.close()


def shown_recordings(page) -> set[int]:
    return {int(found) for found in re.findall(r'data-recording="(\d+)"', page.text)}


# What each person may do: flags they hold and lines they see (see tests/calls_box.py).
PEOPLE = {
    "boss": ({"listen", "download", "audit"}, {1, 2, 3, 4}),
    "aud": ({"listen", "download", "audit"}, {1, 2, 3, 4}),
    "ana": ({"listen"}, {1}),
    "ben": (set(), {2}),
    "lea": ({"listen"}, {1, 2}),
    "cai": ({"listen", "download"}, {3}),
    "adm": (set(), {4}),
    "nol": ({"listen"}, set()),
}
ROUTES = {  # path after /recordings/<id>, the flags it needs (any of them), method
    "": ({"listen", "download", "audit"}, "GET"),
    "/audio": ({"listen"}, "GET"),
    "/download": ({"download"}, "GET"),
    "/verify": ({"audit"}, "GET"),
    "/notes": ({"listen"}, "POST"),
}


def test_every_recording_route_follows_the_rules(office):
    """Missing flag: 403. A line one may not see: 404, exactly as for no recording at all."""
    for name, (flags, lines) in PEOPLE.items():
        client = office.signed_in(name)
        for line in range(1, 5):
            recording = office.recording_of_line(line)
            for suffix, (needs, method) in ROUTES.items():
                path = f"/recordings/{recording}{suffix}"
                if method == "GET":
                    answer = client.get(path)
                else:
                    answer = client.post(path, {"notes": "x", "tags": ""})
                if not flags & needs:
                    expected = 403
                elif line not in lines:
                    expected = 404
                else:
                    expected = 303 if method == "POST" else 200
                assert answer.status == expected, (name, path, answer.status)
        for suffix, (needs, method) in ROUTES.items():
            if method == "GET" and flags & needs:
                assert client.get(f"/recordings/999999{suffix}").status == 404, (name, suffix)


def test_the_list_shows_the_recordings_of_ones_lines(office):
    by_line = {
        line: {office.recordings[c] for c in calls if c in office.recordings}
        for line, calls in office.calls.items()
    }
    for name, (flags, lines) in PEOPLE.items():
        page = office.signed_in(name).get("/recordings")
        if not flags:
            assert page.status == 403, name
            continue
        assert page.status == 200, name
        expected = set().union(*(by_line[line] for line in lines)) if lines else set()
        assert shown_recordings(page) == expected, name
    # The menu leads there only for those who may use it.
    assert 'href="/recordings"' in office.signed_in("ana").get("/calls").text
    assert 'href="/recordings"' not in office.signed_in("ben").get("/calls").text


def test_the_player_gets_pcm16_with_byte_ranges(office):
    ana = office.signed_in("ana")
    recording = office.recording_of_line(1)
    samples = office.audio[recording]
    whole = ana.get(f"/recordings/{recording}/audio")
    assert whole.status == 200
    assert whole.headers["Content-Type"] == "audio/wav"
    assert whole.headers["Accept-Ranges"] == "bytes"
    size = int(whole.headers["Content-Length"])
    assert size == len(whole.body) == PCM_HEADER + 2 * samples.size
    # The A-law file decoded: exactly what G.711 makes of the stored codes.
    stored = read_wav(office.deps.folder.recordings / office.deps.store.recording(recording).path)
    assert stored.encoding == "alaw"
    assert whole.body[PCM_HEADER:] == g711.alaw_decode(stored.codes).astype("<i2").tobytes()
    assert whole.body[:4] == b"RIFF" and whole.body[20:22] == b"\x01\x00"  # PCM
    cases = {
        "bytes=0-1": (0, 2),
        "bytes=100-199": (100, 200),
        "bytes=45-": (45, size),
        "bytes=-10": (size - 10, size),
        "bytes=7-3000000": (7, size),
        "bytes=10-19,30-39": (10, 20),  # several ranges: the first one
    }
    for header, (start, end) in cases.items():
        part = ana.get(f"/recordings/{recording}/audio", headers={"Range": header})
        assert part.status == 206, header
        assert part.body == whole.body[start:end], header
        assert part.headers["Content-Range"] == f"bytes {start}-{end - 1}/{size}", header
        assert int(part.headers["Content-Length"]) == end - start
    for header in (f"bytes={size}-", "bytes=9-3", "bytes=x-y", "bytes=-0"):
        refused = ana.get(f"/recordings/{recording}/audio", headers={"Range": header})
        assert refused.status == 416, header
        assert refused.headers["Content-Range"] == f"bytes */{size}"
    # A changed file (another ETag) is sent whole; the same one in part.
    etag = whole.headers["Etag"]  # header names are case-blind; Bottle writes it so
    stale = ana.get(f"/recordings/{recording}/audio",
                    headers={"Range": "bytes=0-9", "If-Range": '"stale"'})
    assert stale.status == 200 and len(stale.body) == size
    fresh = ana.get(f"/recordings/{recording}/audio",
                    headers={"Range": "bytes=0-9", "If-Range": etag})
    assert fresh.status == 206
    # HEAD says the size without the body.
    head = ana.request("HEAD", f"/recordings/{recording}/audio")
    assert head.status == 200 and head.body == b"" and head.headers["Content-Length"] == str(size)


def test_a_recording_still_being_written_plays_what_is_there(office, rng):
    store = office.deps.store
    call_id = store.start_call(1, "in", started_at=T0 + 99999, number="13800138000")
    store.update_call(call_id, answered_at=T0 + 100000)
    live = RecordingFile(office.deps.folder.recordings, "2026/01/02/L1-live.wav", "ulaw",
                         {"line": 1}, sync_interval=3600.0)
    recording = store.add_recording(1, "2026/01/02/L1-live.wav", "ulaw", T0 + 100000,
                                    call_id=call_id)
    ana = office.signed_in("ana")
    sizes = []
    for _ in range(2):
        part = rng.integers(-5000, 5000, 4000).astype(np.int16)
        live.append(g711.ulaw_encode(part).tobytes())
        live._stream.flush()
        answer = ana.get(f"/recordings/{recording}/audio")
        assert answer.status == 200
        sizes.append(len(answer.body))
    assert sizes == [PCM_HEADER + 2 * 4000, PCM_HEADER + 2 * 8000]
    assert "Still being recorded" in ana.get(f"/recordings/{recording}").text
    live.close()


def test_a_listen_is_logged_once_per_session_however_many_ranges(office):
    recording = office.recording_of_line(1)
    ana = office.signed_in("ana")
    page = ana.get(f"/recordings/{recording}")
    assert 'preload="none"' in page.text  # opening the page loads no audio
    assert office.deps.audit.entries(action="listen") == []
    for header in (None, "bytes=0-", "bytes=5000-", "bytes=-100"):
        ana.get(f"/recordings/{recording}/audio", headers={"Range": header} if header else None)
    listens = office.deps.audit.entries(action="listen")
    assert [(e.username, e.target) for e in listens] == [("ana", f"recording {recording}")]
    assert listens[0].detail.startswith("session ") and listens[0].address == "192.0.2.10"
    other = office.recording_of_line(2)
    lea = office.signed_in("lea")
    lea.get(f"/recordings/{other}/audio")
    lea.get(f"/recordings/{other}/audio", headers={"Range": "bytes=100-"})
    office.signed_in("ana").get(f"/recordings/{recording}/audio")  # a new session: a new listen
    listens = office.deps.audit.entries(action="listen")
    assert sorted((e.username, e.target) for e in listens) == [
        ("ana", f"recording {recording}"), ("ana", f"recording {recording}"),
        ("lea", f"recording {other}"),
    ]
    # Refused requests leave no trace of a listen.
    office.signed_in("ana").get(f"/recordings/{other}/audio")
    assert len(office.deps.audit.entries(action="listen")) == 3


def test_downloads_are_the_stored_file_and_are_logged(office):
    recording = office.recording_of_line(3)
    row = office.deps.store.recording(recording)
    answer = office.signed_in("cai").get(f"/recordings/{recording}/download")
    assert answer.status == 200
    assert hashlib.sha256(answer.body).hexdigest() == row.sha256
    assert answer.body == (office.deps.folder.recordings / row.path).read_bytes()
    disposition = answer.headers["Content-Disposition"]
    assert re.fullmatch(r'attachment; filename="[A-Za-z0-9._-]+\.wav"', disposition)
    assert [(e.action, e.username, e.detail) for e in office.deps.audit.entries()
            if e.action == "download"] == [("download", "cai", row.sha256)]


def test_notes_and_tags(office):
    recording = office.recording_of_line(1)
    ana = office.signed_in("ana")
    ana.get(f"/recordings/{recording}")
    saved = ana.post(f"/recordings/{recording}/notes",
                     {"notes": "Wants a refund", "tags": "complaint, 退款，complaint"})
    assert saved.status == 303 and saved.location.endswith(f"/recordings/{recording}?saved=1")
    page = ana.get(f"/recordings/{recording}").text
    assert "Wants a refund" in page and 'value="complaint, 退款"' in page
    found = ana.get("/recordings?tags=%E9%80%80%E6%AC%BE")  # 退款
    assert shown_recordings(found) == {recording}
    assert shown_recordings(ana.get("/recordings?notes=REFUND")) == {recording}
    too_many = ana.post(f"/recordings/{recording}/notes",
                        {"notes": "", "tags": ",".join(f"t{n}" for n in range(21))})
    assert too_many.status == 400
    forged = ana.post(f"/recordings/{recording}/notes", {"notes": "x"}, csrf="forged")
    assert forged.status == 403
    assert "Wants a refund" in ana.get(f"/recordings/{recording}").text
    # Those who may not listen see the notes but no form.
    aud_page = office.signed_in("boss").get(f"/recordings/{recording}").text
    assert "Wants a refund" in aud_page


def test_verification_compares_the_file_with_the_index_and_the_sidecar(office):
    recording = office.recording_of_line(2)
    row = office.deps.store.recording(recording)
    auditor = office.signed_in("aud")
    intact = auditor.get(f"/recordings/{recording}/verify")
    assert intact.status == 200 and "The file is intact" in intact.text
    assert row.sha256 in intact.text
    path = office.deps.folder.recordings / row.path
    blob = bytearray(path.read_bytes())
    blob[-1] ^= 0xFF
    path.write_bytes(bytes(blob))
    changed = auditor.get(f"/recordings/{recording}/verify", headers={"Accept": "application/json"})
    result = changed.json()
    assert result["verdict"] == "changed" and result["index"] == result["sidecar"] == row.sha256
    assert result["file"] == hashlib.sha256(bytes(blob)).hexdigest()
    path.unlink()
    assert auditor.get(f"/recordings/{recording}/verify",
                       headers={"Accept": "application/json"}).json()["verdict"] == "missing"
    verdicts = [e.detail for e in reversed(office.deps.audit.entries(action="verify"))]
    assert verdicts == ["intact", "changed", "missing"]


def test_no_request_reaches_a_file_outside_the_recordings_folder(office, tmp_path, caplog):
    secret = tmp_path / "secret.wav"
    secret.write_bytes((office.deps.folder.recordings / office.deps.store.recording(
        office.recording_of_line(1)).path).read_bytes())
    boss = office.signed_in("boss")
    store = office.deps.store
    tampered = office.recording_of_line(1)
    linked = office.recording_of_line(2)
    store.connection().execute(
        "UPDATE recordings SET path = '../../etc/passwd' WHERE id = ?", (tampered,)
    )
    row = store.recording(linked)
    link_path = office.deps.folder.recordings / row.path
    link_path.unlink()
    link_path.symlink_to(secret)  # a link inside the folder pointing out of it
    absolute = office.recording_of_line(3)
    store.connection().execute(
        "UPDATE recordings SET path = ? WHERE id = ?", (str(secret), absolute)
    )
    caplog.set_level(logging.WARNING)
    for recording in (tampered, linked, absolute):
        for suffix in ("/audio", "/download"):
            answer = boss.get(f"/recordings/{recording}{suffix}")
            assert answer.status == 404, (recording, suffix)
            assert b"root:" not in answer.body and b"RIFF" not in answer.body
        verdict = boss.get(f"/recordings/{recording}/verify",
                           headers={"Accept": "application/json"}).json()["verdict"]
        assert verdict == "missing"
    assert "leads outside the recordings folder" in caplog.text
    # Paths in the address or the query string are never file names.
    fine = office.recording_of_line(4)
    for path in (f"/recordings/{fine}/audio?path=../../etc/passwd",
                 f"/recordings/{fine}/audio?file=/etc/passwd"):
        answer = boss.get(path)
        assert answer.status == 200 and answer.body[:4] == b"RIFF"
    for path in ("/recordings/..%2F..%2Fetc%2Fpasswd/audio", "/recordings/../../etc/passwd",
                 "/recordings/%2e%2e/audio", "/recordings/-1/audio", "/recordings/1.5/audio"):
        assert boss.get(path).status == 404, path
    assert not office.deps.audit.entries(action="download")


def test_the_auditors_export_is_a_zip_with_a_verifiable_manifest(office):
    auditor = office.signed_in("aud")
    auditor.get("/recordings?line=1")
    answer = auditor.post("/recordings/export?line=1&from=2026-01-01")
    assert answer.status == 200, answer.text[:300]
    assert answer.headers["Content-Type"] == "application/zip"
    assert re.match(r'attachment; filename="recordings-\d{8}-\d{4}\.zip"',
                    answer.headers["Content-Disposition"])
    assert int(answer.headers["Content-Length"]) == len(answer.body)
    archive = zipfile.ZipFile(io.BytesIO(answer.body))
    manifest = json.loads(archive.read("manifest.json"))
    expected = {office.recordings[c] for c in office.calls[1] if c in office.recordings}
    assert {entry["recording_id"] for entry in manifest["recordings"]} == expected
    assert manifest["files"] == len(expected) and manifest["exported_by"] == "aud"
    assert "line=1" in manifest["search"]
    for entry in manifest["recordings"]:
        data = archive.read(entry["file"])
        row = office.deps.store.recording(entry["recording_id"])
        assert hashlib.sha256(data).hexdigest() == entry["sha256"] == row.sha256
        assert entry["matches_index"] is True and entry["bytes"] == len(data)
        assert entry["file"] == "recordings/" + row.path
        assert entry["line"] == 1 and entry["started_at"].endswith("+08:00")
    sums = archive.read("SHA256SUMS").decode().splitlines()
    assert sorted(sums) == sorted(f"{e['sha256']}  {e['file']}" for e in manifest["recordings"])
    table = list(csv.DictReader(io.StringIO(archive.read("manifest.csv").decode("utf-8-sig"))))
    assert {row["sha256"] for row in table} == {e["sha256"] for e in manifest["recordings"]}
    assert table[0]["number_e164"].startswith("'+86")  # spreadsheet-safe
    # Logged, and nothing left in the data folder.
    (entry,) = office.deps.audit.entries(action="export")
    assert entry.username == "aud"
    facts = parse_detail(entry.detail)["facts"]
    assert facts["files"] == len(expected) and facts["bytes"] > 0
    assert [p.name for p in (office.deps.folder.exports).iterdir()] == [".lock"]


def test_exports_are_capped_and_only_for_auditors(office, monkeypatch):
    auditor = office.signed_in("aud")
    auditor.get("/recordings")
    monkeypatch.setattr(recording_export, "MAX_FILES", 3)
    too_many = auditor.post("/recordings/export")
    assert too_many.status == 400 and "more than one export holds (3)" in too_many.text
    nothing = auditor.post("/recordings/export?number=99999999")
    assert nothing.status == 400 and "no recordings" in nothing.text
    assert auditor.post("/recordings/export?line=1", csrf="forged").status == 403
    cai = office.signed_in("cai")
    assert cai.post("/recordings/export").status == 403
    assert office.deps.audit.entries(action="export") == []
    monkeypatch.setattr(recording_export, "MAX_FILES", 1000)
    monkeypatch.setattr(recording_export, "MAX_BYTES", 100)
    too_big = auditor.post("/recordings/export?line=1")
    assert too_big.status == 400 and "more than one export holds (0 MB)" in too_big.text


def test_an_auditor_bound_to_lines_exports_only_those(office, rng):
    """Whatever the search asks for, an export holds only recordings of one's lines."""
    office.deps.accounts.update_user(
        office.ids["aud"], permissions={"audit", "recordings_listen"}, lines={3}
    )
    extra = add_recording(office, office.calls[3][0], 3, T0 + 5,
                          rng.integers(-100, 100, 800).astype(np.int16), encoding="pcm16")
    auditor = office.signed_in("aud")
    auditor.get("/recordings")
    answer = auditor.post("/recordings/export?line=1&line=3")
    manifest = json.loads(zipfile.ZipFile(io.BytesIO(answer.body)).read("manifest.json"))
    lines = {entry["line"] for entry in manifest["recordings"]}
    assert lines == {3} and extra in {e["recording_id"] for e in manifest["recordings"]}


def test_the_recording_and_its_call_show_where_the_announcement_was(office):
    recording = office.recording_of_line(1)
    call = next(c for c, r in office.recordings.items() if r == recording)
    office.deps.store.add_recording_mark(recording, "announcement", 0.02, 1.5)
    ana = office.signed_in("ana")  # may listen to line 1
    page = ana.get(f"/recordings/{recording}").text
    assert "Announcement played 0:00–0:02" in page
    assert 'data-skip-to="1.5"' in page  # the button plays on from its end
    assert 'class="timeline-mark mark-announcement" data-start="0.02" data-end="1.5"' in page
    assert "Announcement played 0:00–0:02" in ana.get(f"/calls/{call}").text
    # In Chinese too.
    office.deps.accounts.update_user(office.ids["ana"], language="zh-CN")
    page = office.signed_in("ana").get(f"/recordings/{recording}").text
    assert "录音提示播放于 0:00–0:02" in page
    # Several marks, each with its line and its button.
    other = office.recording_of_line(2)
    office.deps.store.add_recording_mark(other, "announcement", 0.2, 3.0)
    office.deps.store.add_recording_mark(other, "announcement", 61.0, 64.4)
    boss_page = office.signed_in("boss").get(f"/recordings/{other}").text
    assert "Announcement played 0:00–0:03" in boss_page
    assert "Announcement played 1:01–1:04" in boss_page
    assert boss_page.count("data-skip-to=") == 2
    # A recording without marks shows none.
    plain = office.recording_of_line(3)
    assert "recording-mark" not in office.signed_in("boss").get(f"/recordings/{plain}").text

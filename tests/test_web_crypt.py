"""Encryption at rest on the web: the locked state shown on every page and as a clear page
(never an error of the server) on play, download and export; unlocking by passphrase or
key file (limited, audited, a wrong one a one-line error that changes nothing); then play by
byte ranges, download and export decrypting on the fly, the integrity check, rights, CSRF.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile

import numpy as np
import pytest
import soundfile

from firmware.archive import crypt
from firmware.archive.encrypt import encrypt_recording
from firmware.archive.opus import OpusSettings
from firmware.archive.transcode import transcode
from firmware.store.verify_export import main as verify_export_main
from tests.calls_box import _add_user, make_office
from tests.crypt_support import PASSPHRASE, set_up_key

LOCKED = ("Recordings are encrypted; the key is locked: playing and exporting wait for the "
          "passphrase.")


@pytest.fixture
def office(tmp_path, tmp_path_factory):
    made = make_office(tmp_path, calls_per_line=3)
    made.key_file = tmp_path_factory.mktemp("usb") / "usb.key"  # off the data folder
    made.key = set_up_key(made.deps.folder, key_file=made.key_file)
    yield made
    made.box.close()


def encrypted(office, recording_id: int, *, compress: bool = False):
    store, root = office.deps.store, office.deps.folder.recordings
    if compress:
        transcode(store, root, store.recording(recording_id), "standard", OpusSettings(10.0))
    plain = (root / store.recording(recording_id).path).read_bytes()
    encrypt_recording(store, root, store.recording(recording_id), office.key.public)
    return store.recording(recording_id), plain


def unlock(office):
    office.deps.keyring.hold(crypt.unlock(office.deps.folder, passphrase=PASSPHRASE))


def test_locked_is_a_clear_state_on_every_page_and_a_clear_page_on_play_and_download(office):
    recording, _ = encrypted(office, office.recording_of_line(3))
    cai = office.signed_in("cai")
    page = cai.get(f"/recordings/{recording.id}")
    assert page.status == 200 and LOCKED in page.text
    assert f"/recordings/{recording.id}/download/wav" not in page.text
    for path in ("audio", "download", "download/wav", "download/alaw"):
        answer = cai.get(f"/recordings/{recording.id}/{path}")
        assert answer.status == 423 and LOCKED in answer.text, path
    assert LOCKED in cai.get("/calls").text  # the banner, on every page
    _add_user(office.box, "zhu", permissions={"recordings_listen"}, lines=frozenset({3}),
              language="zh-CN")
    chinese = office.signed_in("zhu").get(f"/recordings/{recording.id}/audio")
    assert chinese.status == 423
    assert "录音已加密，密钥已锁定：播放和导出需等待输入口令。" in chinese.text


def test_a_plain_recording_plays_while_the_key_is_locked(office):
    encrypted(office, office.recording_of_line(3))
    other = office.recordings[office.calls[3][1]]
    assert office.signed_in("cai").get(f"/recordings/{other}/audio").status == 200


def test_unlocked_a_wav_plays_by_byte_ranges_decoded_as_before(office):
    recording_id = office.recording_of_line(3)
    plain = office.signed_in("cai").get(f"/recordings/{recording_id}/audio").body
    recording, _ = encrypted(office, recording_id)
    unlock(office)
    cai = office.signed_in("cai")
    whole = cai.get(f"/recordings/{recording.id}/audio")
    assert whole.status == 200 and whole.body == plain
    part = cai.get(f"/recordings/{recording.id}/audio", headers={"Range": "bytes=20000-20099"})
    assert part.status == 206 and part.body == plain[20000:20100]
    assert part.headers["Content-Range"] == f"bytes 20000-20099/{len(plain)}"


def test_unlocked_an_opus_recording_plays_by_byte_ranges_and_downloads_decrypted(office):
    recording, plain = encrypted(office, office.recording_of_line(3), compress=True)
    assert recording.path.endswith(".eopus")
    unlock(office)
    cai = office.signed_in("cai")
    whole = cai.get(f"/recordings/{recording.id}/audio")
    assert whole.status == 200 and whole.headers["Content-Type"] == "audio/ogg"
    assert whole.body == plain
    tail = cai.get(f"/recordings/{recording.id}/audio", headers={"Range": "bytes=-50"})
    assert tail.status == 206 and tail.body == plain[-50:]
    download = cai.get(f"/recordings/{recording.id}/download")
    assert download.status == 200 and download.body == plain
    assert hashlib.sha256(download.body).hexdigest() == recording.stored_plain_sha256
    assert download.headers["Content-Disposition"].endswith('.opus"')
    as_wav = cai.get(f"/recordings/{recording.id}/download/wav")
    samples, rate = soundfile.read(io.BytesIO(as_wav.body), dtype="int16")
    assert rate == 8000 and samples.size == recording.samples
    assert office.audio[recording.id].size == recording.samples
    audit = [entry.detail for entry in office.deps.audit.entries(action="download")]
    assert any(detail.startswith("decrypted; plaintext SHA-256 " + recording.stored_plain_sha256)
               for detail in audit)


def test_rights_stay_as_they_were(office):
    recording, _ = encrypted(office, office.recording_of_line(3))
    unlock(office)
    assert office.signed_in("ana").get(f"/recordings/{recording.id}/audio").status == 404
    assert office.signed_in("ben").get(f"/recordings/{recording.id}/audio").status == 403
    assert office.signed_in("ana").get("/admin/encryption").status == 403


def test_unlock_by_passphrase_is_audited_a_wrong_one_names_it_and_changes_nothing(office):
    folder = office.deps.folder
    before = {path.name: path.read_bytes() for path in folder.keys.iterdir()}
    recording, _ = encrypted(office, office.recording_of_line(3))
    stored = (folder.recordings / recording.path).read_bytes()
    adm = office.signed_in("adm")
    page = adm.get("/admin/encryption")
    assert page.status == 200 and 'data-state="locked"' in page.text
    wrong = adm.post("/admin/encryption/unlock", {"passphrase": "not it at all"})
    assert wrong.status == 403
    assert (f"Not unlocked: wrong passphrase: it does not open the recordings key "
            f"{office.key.public.fingerprint}") in wrong.text
    foreign = folder.root.parent / "foreign.key"
    crypt.write_private_json(foreign, crypt.key_file_document(crypt.RecordingsKey.generate()))
    wrong_file = adm.post("/admin/encryption/unlock", {"key_file": str(foreign)})
    assert wrong_file.status == 403 and "not this box&#039;s recordings key" in wrong_file.text
    assert office.deps.recordings_key() is None
    assert {path.name: path.read_bytes() for path in folder.keys.iterdir()} == before
    assert (folder.recordings / recording.path).read_bytes() == stored
    right = adm.post("/admin/encryption/unlock", {"passphrase": PASSPHRASE})
    assert right.status == 303
    assert office.deps.recordings_key() is not None
    assert 'data-state="unlocked"' in adm.get("/admin/encryption").text
    actions = [entry.action for entry in office.deps.audit.entries()]
    assert actions.count("key_unlock_failed") == 2 and "key_unlocked" in actions
    assert LOCKED not in office.signed_in("cai").get(f"/recordings/{recording.id}").text
    assert adm.post("/admin/encryption/lock", {}).status == 303
    assert office.deps.recordings_key() is None


def test_unlock_tries_are_limited_like_sign_ins(office):
    adm = office.signed_in("adm")
    adm.get("/admin/encryption")
    answers = [adm.post("/admin/encryption/unlock", {"passphrase": f"wrong {n}"}).status
               for n in range(6)]
    assert answers == [403] * 5 + [429]
    assert adm.post("/admin/encryption/unlock", {"passphrase": PASSPHRASE}).status == 429
    assert office.deps.recordings_key() is None


def test_every_post_needs_the_csrf_token(office):
    adm = office.signed_in("adm")
    adm.get("/admin/encryption")
    for path in ("unlock", "lock", "setup", "key-file", "passphrase", "settings"):
        answer = adm.post(f"/admin/encryption/{path}", {"passphrase": PASSPHRASE}, csrf="bad")
        assert answer.status == 403, path
    assert office.deps.recordings_key() is None


def test_the_configured_key_file_unlocks_by_itself_when_it_is_there(office):
    recording, _ = encrypted(office, office.recording_of_line(3))
    adm = office.signed_in("adm")
    adm.get("/admin/encryption")
    assert adm.post("/admin/encryption/settings",
                    {"enabled": "yes", "key_file": str(office.key_file)}).status == 303
    assert office.deps.config().device.encryption.key_file == str(office.key_file)
    assert office.signed_in("cai").get(f"/recordings/{recording.id}/audio").status == 200


def test_set_up_on_the_web_makes_the_key_turns_encryption_on_and_writes_the_key_file(
        tmp_path, tmp_path_factory):
    office = make_office(tmp_path, calls_per_line=1)
    try:
        adm = office.signed_in("adm")
        page = adm.get("/admin/encryption")
        assert 'data-state="off"' in page.text
        inside = adm.post("/admin/encryption/setup", {
            "passphrase": "a long passphrase", "passphrase_again": "a long passphrase",
            "key_file": str(office.deps.folder.root / "here.key")})
        assert inside.status == 400 and "inside the data folder" in inside.text
        assert not office.deps.folder.recordings_public_key.exists()
        stick = tmp_path_factory.mktemp("stick") / "stick.key"
        differ = adm.post("/admin/encryption/setup", {"passphrase": "a long passphrase",
                                                      "passphrase_again": "another one"})
        assert differ.status == 400 and "The two passphrases differ." in differ.text
        short = adm.post("/admin/encryption/setup", {"passphrase": "short",
                                                     "passphrase_again": "short"})
        assert short.status == 400 and "too short" in short.text
        done = adm.post("/admin/encryption/setup", {"passphrase": "a long passphrase",
                                                    "passphrase_again": "a long passphrase",
                                                    "key_file": str(stick)})
        assert done.status == 303
        assert office.deps.config().device.encryption.enabled
        key = crypt.unlock(office.deps.folder, key_file=stick)
        assert crypt.box_public_key(office.deps.folder) == key.public
        again = adm.post("/admin/encryption/setup", {"passphrase": "a long passphrase",
                                                     "passphrase_again": "a long passphrase"})
        assert again.status == 400 and "has a recordings key already" in again.text
    finally:
        office.box.close()


def test_the_export_decrypts_into_the_zip_and_its_checker_accepts_it(office, tmp_path,
                                                                     capsys):
    line_one = [office.recordings[c] for c in office.calls[1] if c in office.recordings]
    first, plain = encrypted(office, line_one[0], compress=True)
    auditor = office.signed_in("aud")
    auditor.get("/recordings?line=1")
    locked = auditor.post("/recordings/export?line=1", {"format": "stored"})
    assert locked.status == 423 and LOCKED in locked.text
    unlock(office)
    answer = auditor.post("/recordings/export?line=1", {"format": "stored"})
    assert answer.status == 200, answer.text[:300]
    archive = zipfile.ZipFile(io.BytesIO(answer.body))
    manifest = json.loads(archive.read("manifest.json"))
    entry = next(e for e in manifest["recordings"] if e["recording_id"] == first.id)
    assert entry["file"].endswith(".opus") and archive.read(entry["file"]) == plain
    assert entry["matches_index"] is True and entry["encrypted_sha256"] == first.stored_sha256
    archive.extractall(tmp_path / "export")
    checked = verify_export_main(["verify_export.py", str(tmp_path / "export")])
    assert checked == 0, capsys.readouterr().out
    converted = auditor.post("/recordings/export?line=1", {"format": "alaw"})
    assert converted.status == 200


def test_verify_checks_the_stored_file_locked_and_the_plaintext_unlocked(office):
    recording, _ = encrypted(office, office.recording_of_line(1))
    auditor = office.signed_in("aud")
    result = auditor.get(f"/recordings/{recording.id}/verify",
                         headers={"Accept": "application/json"}).json()
    assert result["verdict"] == "intact" and result["plaintext"] == "locked"
    unlock(office)
    result = auditor.get(f"/recordings/{recording.id}/verify",
                         headers={"Accept": "application/json"}).json()
    assert result["verdict"] == "intact" and result["plaintext"] == "intact"
    assert np.asarray(office.audio[recording.id]).size == recording.samples


def test_the_health_page_says_the_key_is_locked(office):
    encrypted(office, office.recording_of_line(1))
    page = office.signed_in("aud").get("/health")
    assert page.status == 200 and "Encryption at rest" in page.text
    assert page.text.count(LOCKED) >= 2  # the banner and the page's own line


def test_a_file_cut_short_or_changed_is_a_clear_error_and_stays_as_it_is(office):
    recording, _ = encrypted(office, office.recording_of_line(3), compress=True)
    unlock(office)
    path = office.deps.folder.recordings / recording.path
    whole = path.read_bytes()
    cai = office.signed_in("cai")
    path.write_bytes(whole[:-1])
    for suffix in ("audio", "download", "download/wav"):
        answer = cai.get(f"/recordings/{recording.id}/{suffix}")
        assert answer.status == 500, suffix
        assert "cannot be decrypted (cut short or changed)" in answer.text
        assert str(path.name) in answer.text
    assert path.exists()  # nothing removed
    changed = bytearray(whole)
    changed[-5] ^= 1
    path.write_bytes(bytes(changed))
    assert cai.get(f"/recordings/{recording.id}/audio").status == 500
    auditor = office.signed_in("aud")
    result = auditor.get(f"/recordings/{recording.id}/verify",
                         headers={"Accept": "application/json"}).json()
    assert result["verdict"] == "changed" and result["plaintext"] == "undecryptable"


def test_a_recording_encrypted_to_another_key_names_both_keys(office):
    recording, _ = encrypted(office, office.recording_of_line(3))
    other = crypt.RecordingsKey.generate()
    office.deps.keyring.hold(other)
    answer = office.signed_in("cai").get(f"/recordings/{recording.id}/audio")
    assert answer.status == 409
    assert "encrypted to another key than the one unlocked" in answer.text
    assert office.key.public.fingerprint in answer.text
    assert other.public.fingerprint in answer.text

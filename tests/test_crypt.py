"""Encryption at rest: the file format (round trip, byte ranges, a file cut short or
changed), the box's key (passphrase, key file, wrong ones: nothing changes), the archive
worker encrypting while the key is locked, the index, the sidecar, the chain, recovery
after kills at each step and at random moments.

The web is in ``tests/test_web_crypt.py``.
"""

from __future__ import annotations

import dataclasses
import io
import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from firmware.archive import crypt
from firmware.archive.audio import pcm_blocks
from firmware.archive.crypt import (
    CHUNK,
    HEADER,
    TAG,
    CryptError,
    DamagedFileError,
    DecryptingReader,
    KeyLockedError,
    WrongKeyError,
)
from firmware.config import default_config, to_plain, validate
from firmware.datafolder import DataFolder
from firmware.engine.archive import ArchiveService
from firmware.schema import SchemaError
from firmware.store import chain
from firmware.store.db import Store
from firmware.store.legal_hold import Actor, LegalHold
from firmware.store.recordings import file_sha256, load_sidecar
from firmware.store.stored_files import stored_in_sidecar
from recovery import recover_data_folder
from tests.archive_support import make_recordings, problems_of
from tests.crypt_support import (
    FAST_N,
    PASSPHRASE,
    STEPS,
    encrypt_all,
    set_up_key,
    settings,
)

ROOT = Path(__file__).resolve().parents[1]


def encrypted(data: bytes, key: crypt.RecordingsKey, chunk: int = CHUNK) -> bytes:
    out = io.BytesIO()
    crypt.encrypt_stream(io.BytesIO(data), out, key.public, chunk=chunk)
    return out.getvalue()


@pytest.fixture(scope="module")
def key():
    return crypt.RecordingsKey.generate()


@pytest.fixture
def folder(tmp_path):
    return DataFolder(tmp_path / "data")


# ---- the format --------------------------------------------------------------------------


@pytest.mark.parametrize("size", [0, 1, 100, 4096, 4096 * 3, 4096 * 3 + 17])
def test_a_file_round_trips_and_has_the_size_it_should(tmp_path, key, rng, size):
    data = rng.bytes(size)
    sealed = encrypted(data, key, chunk=4096)
    assert len(sealed) == crypt.encrypted_size(size, 4096)
    path = tmp_path / "x.ewav"
    path.write_bytes(sealed)
    with DecryptingReader(path, key) as reader:
        assert reader.size == size
        assert reader.read() == data
    assert data[:64] not in sealed[HEADER.size:] or size < 16


def test_byte_ranges_decrypt_exactly_the_bytes_asked_for(tmp_path, key, rng):
    data = rng.bytes(int(rng.integers(5 * 4096, 9 * 4096)))
    path = tmp_path / "x.eopus"
    path.write_bytes(encrypted(data, key, chunk=4096))
    with DecryptingReader(path, key) as reader:
        for _ in range(60):
            start = int(rng.integers(0, len(data) + 10))
            length = int(rng.integers(0, 3 * 4096))
            assert reader.read_range(start, length) == data[start:start + length]
        reader.seek(-10, io.SEEK_END)
        assert reader.read() == data[-10:]


def test_two_encryptions_of_one_file_differ(key):
    assert encrypted(b"same", key) != encrypted(b"same", key)


def test_a_file_cut_short_or_changed_is_an_error_naming_it(tmp_path, key, rng):
    data = rng.bytes(3 * 4096 + 100)
    sealed = encrypted(data, key, chunk=4096)
    path = tmp_path / "x.ewav"
    cases = {
        "cut at a chunk's end": sealed[: HEADER.size + 2 * (4096 + TAG)],
        "cut inside a chunk": sealed[:-50],
        "a byte changed": sealed[:HEADER.size + 10] + bytes([sealed[HEADER.size + 10] ^ 1])
        + sealed[HEADER.size + 11:],
        "chunks swapped": sealed[:HEADER.size] + sealed[HEADER.size + 4096 + TAG:
                                                        HEADER.size + 2 * (4096 + TAG)]
        + sealed[HEADER.size: HEADER.size + 4096 + TAG] + sealed[HEADER.size + 2 * (4096 + TAG):],
        "the header changed": sealed[:HEADER.size - 1] + bytes([sealed[HEADER.size - 1] ^ 1])
        + sealed[HEADER.size:],
    }
    for case, content in cases.items():
        path.write_bytes(content)
        with pytest.raises(DamagedFileError, match=str(path)) as caught, \
                DecryptingReader(path, key) as reader:
            reader.read()
        assert "cut short" in str(caught.value) or "damaged" in str(caught.value), case
    path.write_bytes(b"RIFF" + bytes(200))
    with pytest.raises(DamagedFileError, match="not an encrypted linerec recording"):
        DecryptingReader(path, key)


def test_a_file_for_another_key_names_both_keys(tmp_path, key):
    other = crypt.RecordingsKey.generate()
    path = tmp_path / "x.ewav"
    path.write_bytes(encrypted(b"hello", other))
    with pytest.raises(WrongKeyError) as caught:
        DecryptingReader(path, key)
    assert other.public.fingerprint in str(caught.value)
    assert key.public.fingerprint in str(caught.value)
    assert crypt.file_key_id(path) == other.public.fingerprint


# ---- the box's key -------------------------------------------------------------------------


def test_set_up_unlock_by_passphrase_and_by_key_file(folder, tmp_path):
    stick = tmp_path / "usb" / "linerec.key"
    stick.parent.mkdir()
    made = set_up_key(folder, key_file=stick)
    assert crypt.box_public_key(folder) == made.public
    assert crypt.unlock(folder, passphrase=PASSPHRASE).public == made.public
    assert crypt.unlock(folder, key_file=stick).public == made.public
    for path in (stick, folder.recordings_sealed_key):
        assert path.stat().st_mode & 0o777 == 0o600
    assert b"PUBLIC KEY" in folder.recordings_public_key.read_bytes()
    assert made.raw().hex() not in folder.recordings_sealed_key.read_text()
    with pytest.raises(CryptError, match="has a recordings key already"):
        set_up_key(folder)


def test_a_wrong_passphrase_or_key_file_is_one_clear_error_and_nothing_changes(folder,
                                                                               tmp_path):
    made = set_up_key(folder)
    before = {path: path.read_bytes() for path in folder.keys.iterdir()}
    with pytest.raises(WrongKeyError, match="^wrong passphrase: it does not open the "
                                            f"recordings key {made.public.fingerprint}$"):
        crypt.unlock(folder, passphrase="not the passphrase")
    foreign = tmp_path / "foreign.key"
    crypt.write_private_json(foreign, crypt.key_file_document(crypt.RecordingsKey.generate()))
    with pytest.raises(WrongKeyError, match=f"not this box's recordings key "
                                            f"{made.public.fingerprint}"):
        crypt.unlock(folder, key_file=foreign)
    junk = tmp_path / "junk.key"
    junk.write_text("{]")
    with pytest.raises(CryptError, match="not a linerec key file \\(not JSON\\)"):
        crypt.unlock(folder, key_file=junk)
    with pytest.raises(CryptError, match="no such file"):
        crypt.unlock(folder, key_file=tmp_path / "absent.key")
    assert {path: path.read_bytes() for path in folder.keys.iterdir()} == before


def test_a_key_must_have_a_passphrase_or_a_key_file_and_a_long_passphrase(folder):
    folder.root.mkdir(parents=True)
    with pytest.raises(CryptError, match="a passphrase or a key file is needed"):
        crypt.set_up(folder, None, None, n=FAST_N)
    with pytest.raises(CryptError, match="too short"):
        crypt.set_up(folder, "short", None, n=FAST_N)
    assert not folder.recordings_public_key.exists()


def test_the_passphrase_can_be_changed(folder):
    made = set_up_key(folder)
    crypt.change_passphrase(folder, made, "a brand new passphrase", n=FAST_N)
    assert crypt.unlock(folder, passphrase="a brand new passphrase").public == made.public
    with pytest.raises(WrongKeyError):
        crypt.unlock(folder, passphrase=PASSPHRASE)


def test_the_settings_are_off_by_default_and_checked():
    config = default_config()
    assert config.device.encryption.enabled is False
    document = to_plain(config)
    document["device"]["encryption"]["key_file"] = "usb/linerec.key"
    with pytest.raises(SchemaError, match="absolute path"):
        validate(document)
    document["device"]["encryption"] = {"enabled": True, "colour": "red"}
    with pytest.raises(SchemaError, match="colour"):
        validate(document)


# ---- the worker ---------------------------------------------------------------------------


def service(store, folder, **options):
    config = settings(**options)
    return ArchiveService(store, folder.recordings, lambda: config, settle_s=0.0,
                          folder=folder)


def test_the_worker_encrypts_without_the_private_key_and_without_settling(folder, rng):
    made = make_recordings(folder, 2, rng, seconds=(1.0, 2.0))
    # Ended half a minute ago: well inside the settle time compression waits for.
    made += make_recordings(folder, 1, rng, seconds=(1.0, 2.0), now=time.time() + 864000 - 30)
    key = set_up_key(folder)
    folder.recordings_sealed_key.unlink()  # nothing secret on the box: it still encrypts
    with Store(folder.database) as store:
        worker = ArchiveService(store, folder.recordings, settings, settle_s=300.0,
                                folder=folder)
        while worker.run_once():
            pass
        rows = store.recordings()
        audit = store.connection().execute(
            "SELECT count(*) FROM audit_log WHERE action = 'encrypted'").fetchone()[0]
    assert rows and all(row.path.endswith(".ewav") for row in rows)
    assert audit == len(rows)
    for row in rows:
        path = folder.recordings / row.path
        assert not path.with_suffix(".wav").exists()
        assert row.stored_encrypted == key.public.fingerprint
        assert row.stored_plain_sha256 == row.sha256
        assert file_sha256(path) == row.stored_sha256 == row.file_sha256
        assert crypt.decrypt_sha256(path, key) == row.sha256
        stored = stored_in_sidecar(load_sidecar(path))
        assert stored.encrypted and stored.plain_sha256 == row.sha256
    assert problems_of(folder, made) == []


def test_with_compression_the_opus_file_is_encrypted_and_plays_back(folder, rng):
    made = make_recordings(folder, 2, rng, seconds=(1.0, 2.0))
    key = set_up_key(folder)
    assert encrypt_all(folder, compress=True) == 2
    with Store(folder.database) as store:
        rows = store.recordings()
        for row in rows:
            entries = chain.entries_of(store, row.id)
            kinds = [(entry.kind, entry.fact.get("format"), bool(entry.fact.get("encrypted")))
                     for entry in entries]
            assert kinds == [("recording", None, False), ("stored", "opus", False),
                             ("stored", "opus", True)]
            assert entries[-1].fact["encrypted"]["plain_sha256"] == entries[1].fact["sha256"]
    assert all(row.path.endswith(".eopus") and row.stored_tier == "standard" for row in rows)
    path = folder.recordings / rows[0].path
    decoded = sum(block.size for block in pcm_blocks(path, key=key))
    assert abs(decoded - rows[0].samples) < 960  # what an Opus decoder may add or drop
    exact = sum(block.size for block in pcm_blocks(path, key=key, samples=rows[0].samples))
    assert exact == rows[0].samples
    with pytest.raises(KeyLockedError, match="locked"):
        next(pcm_blocks(path))
    assert problems_of(folder, made) == []


def test_compression_waits_for_nothing_and_a_failing_one_does_not_keep_it_plain(folder, rng,
                                                                               monkeypatch):
    made = make_recordings(folder, 2, rng, seconds=(1.0, 2.0))
    set_up_key(folder)
    from firmware.archive import transcode  # noqa: PLC0415

    def broken(*args, **kwargs):
        raise transcode.TranscodeError("the encoder is broken")

    monkeypatch.setattr("firmware.engine.archive.transcode", broken)
    with Store(folder.database) as store:
        worker = service(store, folder, compress=True)
        while worker.run_once():
            pass
        # Their compression failed: encrypted as they are, not left plain.
        assert all(row.path.endswith(".ewav") for row in store.recordings())
    assert problems_of(folder, made) == []


def test_a_recording_under_hold_is_encrypted_byte_for_byte_and_in_progress_is_not(folder, rng):
    made = make_recordings(folder, 2, rng, seconds=(1.0, 2.0))
    key = set_up_key(folder)
    with Store(folder.database) as store:
        LegalHold(store).set_recording(made[0].recording_id, True, Actor("aud"))
        store.connection().execute("UPDATE recordings SET state = 'recording' WHERE id = ?",
                                   (made[1].recording_id,))
        worker = service(store, folder, compress=True)
        while worker.run_once():
            pass
        held = store.recording(made[0].recording_id)
        live = store.recording(made[1].recording_id)
    assert held.path.endswith(".ewav")
    assert crypt.decrypt_sha256(folder.recordings / held.path, key) == made[0].sha256
    assert live.path == made[1].relative


def test_off_or_without_a_key_nothing_is_encrypted_and_the_problem_is_said(folder, rng):
    make_recordings(folder, 1, rng, seconds=(1.0, 2.0))
    with Store(folder.database) as store:
        worker = service(store, folder, enabled=False)
        assert not worker.run_once()
        worker = service(store, folder)
        assert not worker.run_once()
        assert "no recordings key" in worker.state().last_problem
        assert all(row.path.endswith(".wav") for row in store.recordings())


def test_the_migration_adds_the_columns_to_existing_rows(folder, rng):
    make_recordings(folder, 1, rng, seconds=(1.0, 1.5))
    with Store(folder.database) as store:
        row = store.recordings()[0]
    assert (row.stored_encrypted, row.stored_plain_sha256) == (None, None)


def test_verify_checks_an_encrypted_recording_without_the_key(folder, rng):
    from firmware.store.integrity import verify  # noqa: PLC0415

    make_recordings(folder, 2, rng, seconds=(1.0, 2.0))
    set_up_key(folder)
    encrypt_all(folder, compress=True)
    with Store(folder.database) as store:
        report = verify(folder, store)
        assert report.problems == 0, report
        row = store.recordings()[0]
    path = folder.recordings / row.path
    data = bytearray(path.read_bytes())
    data[-3] ^= 1
    path.write_bytes(bytes(data))
    with Store(folder.database) as store:
        report = verify(folder, store)
    assert [check.verdict for check in report.recordings if check.recording_id == row.id] == [
        "changed"]


# ---- kills ----------------------------------------------------------------------------------


def child(data: Path, *extra: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.crypt_support", str(data), *extra],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def recover_and_check(folder: DataFolder, made):
    report = recover_data_folder(folder, time.time())
    assert not report.damaged and not report.missing, report
    assert problems_of(folder, made) == []
    again = recover_data_folder(folder, time.time())
    assert again.clean, again
    return report


FOUND_AFTER = {  # temporary files removed, encryptions finished, new files never recorded
    "verify_source": (0, 0, 0),
    "write_partial": (1, 0, 0),
    "put_in_place": (0, 0, 1),
    "commit": (0, 1, 0),
    "point_sidecar": (0, 1, 0),
    "remove_source": (0, 0, 0),
}


def finish_and_check(folder: DataFolder, made, key) -> None:
    assert encrypt_all(folder) == len(made)
    assert problems_of(folder, made) == []
    with Store(folder.database) as store:
        for item in made:
            row = store.recording(item.recording_id)
            plain = crypt.decrypt_sha256(folder.recordings / row.path, key)
            assert plain == row.stored_plain_sha256
            if row.stored_format == "wav":  # not compressed first: the very file recorded
                assert plain == item.sha256


@pytest.mark.parametrize("step", STEPS)
def test_a_kill_after_each_step_is_recovered(tmp_path, rng, step):
    folder = DataFolder(tmp_path / "data")
    made = make_recordings(folder, 3, rng, seconds=(2.0, 4.0))
    key = set_up_key(folder)
    process = child(folder.root, "--kill-after", step)
    out, err = process.communicate(timeout=120)
    assert process.returncode == -signal.SIGKILL, (out, err)
    report = recover_and_check(folder, made)
    found = (len(report.partials_removed), len(report.transcodes_finished),
             len(report.transcodes_undone))
    assert found == FOUND_AFTER[step], report
    finish_and_check(folder, made, key)


def _random_kills(tmp_path, rng, kills: int) -> None:
    folder = DataFolder(tmp_path / "data")
    made = make_recordings(folder, 10, rng, seconds=(20.0, 40.0))
    key = set_up_key(folder)
    for _ in range(kills):
        process = child(folder.root, *(["--compress"] if rng.random() < 0.5 else []))
        assert process.stdout.readline().strip() == "ready"
        time.sleep(float(rng.uniform(0.0, 0.4)))
        process.send_signal(signal.SIGKILL)
        process.communicate(timeout=60)
        recover_and_check(folder, made)
    finish_and_check(folder, made, key)


def test_random_kills_while_encrypting_lose_nothing(tmp_path, rng):
    _random_kills(tmp_path, rng, 4)


@pytest.mark.slow
def test_thirty_random_kills_while_encrypting_lose_nothing(tmp_path, rng):
    _random_kills(tmp_path, rng, 30)


def test_recovery_indexes_an_encrypted_recording_again_from_its_sidecar(folder, rng):
    made = make_recordings(folder, 2, rng, seconds=(1.0, 2.0))
    set_up_key(folder)
    encrypt_all(folder)
    with Store(folder.database) as store:
        row = store.recording(made[0].recording_id)
        store.connection().execute("DELETE FROM recordings WHERE id = ?", (row.id,))
    report = recover_data_folder(folder, time.time())
    assert row.path in report.indexed, report
    with Store(folder.database) as store:
        again = store.recording_by_path(row.path)
    assert dataclasses.replace(again, id=row.id, call_id=row.call_id,
                               backed_up_at=None) == dataclasses.replace(row, backed_up_at=None)
    assert json.loads((folder.recordings / row.path).with_suffix(".json").read_text())[
        "stored"]["encrypted"]["key"] == row.stored_encrypted


# ---- the command line -----------------------------------------------------------------------


def test_the_command_line_sets_up_verifies_with_and_without_the_key_and_decrypts(
        folder, rng, tmp_path, monkeypatch, capsys):
    from firmware.cli.commands import main  # noqa: PLC0415

    made = make_recordings(folder, 2, rng, seconds=(1.0, 2.0))
    stick = tmp_path / "stick.key"
    monkeypatch.setenv("LINEREC_PASSPHRASE", PASSPHRASE)
    assert main(["encryption", "setup", "--data", str(folder.root), "--key-file",
                 str(stick)]) == 0
    from firmware.config import ConfigStore  # noqa: PLC0415

    assert ConfigStore(folder.root).load().device.encryption.enabled
    key = crypt.unlock(folder, key_file=stick)
    encrypt_all(folder, compress=True)
    capsys.readouterr()
    assert main(["verify", "--data", str(folder.root)]) == 0
    assert "all intact" in capsys.readouterr().out
    assert main(["verify", "--data", str(folder.root), "--key-file", str(stick)]) == 0
    out = capsys.readouterr().out
    assert "2 encrypted recording(s) checked with key" in out and ": 0 problem(s)" in out
    assert main(["verify", "--data", str(folder.root), "--passphrase"]) == 0
    monkeypatch.setenv("LINEREC_PASSPHRASE", "wrong passphrase")
    assert main(["verify", "--data", str(folder.root), "--passphrase"]) == 2
    error = capsys.readouterr().err.strip()
    assert error == (f"linerec: error: wrong passphrase: it does not open the recordings key "
                     f"{key.public.fingerprint}")
    out_file = tmp_path / "one.opus"
    assert main(["encryption", "decrypt", "--data", str(folder.root), str(made[0].recording_id),
                 str(out_file), "--key-file", str(stick)]) == 0
    with Store(folder.database) as store:
        row = store.recording(made[0].recording_id)
    assert file_sha256(out_file) == row.stored_plain_sha256
    assert main(["encryption", "--data", str(folder.root)]) == 0
    assert "recordings  2 encrypted, 0 plain" in capsys.readouterr().out
    path = folder.recordings / row.path
    data = bytearray(path.read_bytes())
    data[200] ^= 1
    path.write_bytes(bytes(data))
    assert main(["verify", "--data", str(folder.root), "--key-file", str(stick)]) == 1
    out = capsys.readouterr().out
    assert f"recording {row.id}" in out and "changed" in out


# ---- health ---------------------------------------------------------------------------------


def test_health_says_when_encryption_is_on_without_a_key_or_recordings_stay_plain(folder, rng):
    from firmware.cli.status import report_lines  # noqa: PLC0415
    from firmware.config import ConfigStore  # noqa: PLC0415
    from firmware.health.report import gather  # noqa: PLC0415

    make_recordings(folder, 2, rng, seconds=(1.0, 2.0))
    ConfigStore(folder.root).save(settings())
    report = gather(folder, None)
    said = [str(problem) for problem in report.problems]
    assert any("encryption is on, but the box has no recordings key" in text for text in said)
    set_up_key(folder)
    report = gather(folder, None)
    assert any(text.startswith("2 finished recordings are still not encrypted")
               for text in map(str, report.problems))
    assert any(line.startswith("encryption  on: 2 finished recording(s) still plain")
               for line in report_lines(report))
    encrypt_all(folder)
    report = gather(folder, None)
    assert not [text for text in map(str, report.problems) if "encrypt" in text]
    assert report.encryption.plain == 0


def test_backups_take_the_public_key_never_the_sealed_one(folder):
    from firmware.backup.run import public_keys  # noqa: PLC0415

    set_up_key(folder)
    kept = public_keys(folder)
    assert "keys/recordings-public.pem" in kept
    assert not [path for path in kept if "sealed" in path]


def test_with_encryption_on_a_fresh_recording_is_compressed_then_encrypted_at_once(folder, rng):
    made = make_recordings(folder, 1, rng, seconds=(1.0, 2.0), now=time.time() + 864000 - 30)
    set_up_key(folder)
    with Store(folder.database) as store:
        worker = ArchiveService(store, folder.recordings, lambda: settings(compress=True),
                                settle_s=300.0, folder=folder)
        assert worker.run_once()  # compressed, without the settle time
        assert store.recording(made[0].recording_id).path.endswith(".opus")
        assert worker.run_once()  # then encrypted
        assert store.recording(made[0].recording_id).path.endswith(".eopus")
        assert not worker.run_once()
    assert problems_of(folder, made) == []


def test_a_backup_holds_the_encrypted_files_and_a_restore_plays_them_with_the_key_file(
        folder, rng, tmp_path, monkeypatch, capsys):
    from firmware.cli.commands import main  # noqa: PLC0415
    from tests.backup_servers import add_target, require_rclone  # noqa: PLC0415

    require_rclone()
    made = make_recordings(folder, 2, rng, seconds=(1.0, 2.0))
    stick = tmp_path / "stick.key"
    set_up_key(folder, key_file=stick)
    encrypt_all(folder, compress=True)
    usb = tmp_path / "usb"
    usb.mkdir()
    add_target(folder.root, name="usb", kind="usb", path=str(usb), allow_same_disk=True)
    assert main(["backup", "--to", "usb", "--data", str(folder.root)]) == 0
    sent = {path.relative_to(usb).as_posix().split("/", 1)[1] for path in usb.rglob("*")
            if path.is_file()}
    assert "keys/recordings-public.pem" in sent
    assert not [name for name in sent if "sealed" in name or name.endswith((".wav", ".opus"))]
    assert len([name for name in sent if name.endswith(".eopus")]) == 2
    restored = DataFolder(tmp_path / "restored")
    assert main(["restore", "--from", str(usb), "--data", str(restored.root)]) == 0
    capsys.readouterr()
    assert main(["verify", "--data", str(restored.root), "--key-file", str(stick)]) == 0
    assert ": 0 problem(s)" in capsys.readouterr().out
    monkeypatch.setenv("LINEREC_PASSPHRASE", PASSPHRASE)  # no sealed key came back
    assert main(["verify", "--data", str(restored.root), "--passphrase"]) == 2
    assert "unlock it with the key file" in capsys.readouterr().err
    assert problems_of(restored, made) == []


def test_the_running_engine_records_and_encrypts_with_no_secret_on_the_box(tmp_path,
                                                                          monkeypatch):
    import threading  # noqa: PLC0415

    from audio_format import FRAME_SECONDS  # noqa: PLC0415
    from firmware.cli.processes import open_configured_line  # noqa: PLC0415
    from firmware.engine import Engine  # noqa: PLC0415
    from firmware.engine import archive as archive_service  # noqa: PLC0415
    from firmware.simulation.office import Office  # noqa: PLC0415
    from firmware.simulation.scenario import load  # noqa: PLC0415
    from firmware.simulation.sounds import box_sounds  # noqa: PLC0415
    from tests.engine_config import configure  # noqa: PLC0415

    monkeypatch.setattr(archive_service, "CHECK_INTERVAL_S", 0.2)
    store = configure(tmp_path, 2)
    store.set_device(encryption={"enabled": True, "key_file": ""})
    folder = DataFolder(tmp_path)
    key = set_up_key(folder)
    folder.recordings_sealed_key.unlink()  # the key is nowhere on the box: locked for good
    office = Office(load("short"), box_sounds(), speed=0, prefix="crypt-")
    engine = Engine(tmp_path, lambda line: open_configured_line(line, "crypt-"))
    engine.start()
    assert "archive" in {thread.name for thread in threading.enumerate()}
    try:
        office.start()
        office.join(timeout=120)
        assert engine.wait(timeout=60), "the lines did not finish"
        # The office played faster than real time: its recordings ended at line times up to
        # this far ahead of the clock, which the archive's clock is moved on by (or it waits
        # for the wall clock to get there before it takes them).
        ahead = office.frames_played * FRAME_SECONDS
        engine.archive.clock = lambda: time.time() + ahead
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            rows = engine.store.recordings()
            if rows and all(row.stored_encrypted for row in rows):
                break
            time.sleep(0.2)
    finally:
        engine.stop()
    with Store(folder.database) as store:
        rows = store.recordings()
    assert len(rows) == 2 and all(row.stored_encrypted == key.public.fingerprint
                                  for row in rows), rows
    for row in rows:
        path = folder.recordings / row.path
        assert path.suffix in (".ewav", ".eopus")
        assert crypt.decrypt_sha256(path, key) == row.stored_plain_sha256
    assert not [path for path in folder.recordings.rglob("*")
                if path.suffix in (".wav", ".opus", ".oga")]


def test_verify_names_an_encrypted_stored_file_as_such(folder, rng):
    from firmware.store.integrity import verify  # noqa: PLC0415

    make_recordings(folder, 1, rng, seconds=(1.0, 2.0))
    set_up_key(folder)
    encrypt_all(folder)
    with Store(folder.database) as store:
        report = verify(folder, store)
    assert str(report.recordings[0].texts[0]).startswith(
        "intact: its stored wav (encrypted) file's SHA-256 is the one in the index")


def test_a_key_file_is_never_written_over_a_file_nor_into_the_data_folder(folder, tmp_path):
    key = set_up_key(folder)
    existing = tmp_path / "notes.txt"
    existing.write_text("keep me")
    with pytest.raises(CryptError, match="there is a file there already"):
        crypt.write_key_file(folder, key, existing)
    assert existing.read_text() == "keep me"
    with pytest.raises(CryptError, match="inside the data folder"):
        crypt.write_key_file(folder, key, folder.root / "linerec.key")
    with pytest.raises(CryptError, match="must be absolute"):
        crypt.write_key_file(folder, key, Path("linerec.key"))
    assert not (folder.root / "linerec.key").exists()


def test_without_libopusenc_recordings_are_encrypted_as_recorded(folder, rng, monkeypatch):
    from firmware.archive.opus import OpusUnavailableError  # noqa: PLC0415

    made = make_recordings(folder, 2, rng, seconds=(1.0, 2.0))
    set_up_key(folder)

    def missing(*args, **kwargs):
        raise OpusUnavailableError("libopusenc is not installed")

    monkeypatch.setattr("firmware.engine.archive.transcode", missing)
    with Store(folder.database) as store:
        worker = service(store, folder, compress=True)
        for _ in range(5):
            worker.run_once()
        assert all(row.path.endswith(".ewav") for row in store.recordings())
    assert problems_of(folder, made) == []


def test_a_full_disk_makes_encryption_wait_and_ask_for_room(folder, rng, monkeypatch):
    import errno  # noqa: PLC0415

    made = make_recordings(folder, 1, rng, seconds=(1.0, 2.0))
    set_up_key(folder)

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("firmware.archive.encrypt.encrypt_stream", full)
    with Store(folder.database) as store:
        asked = []
        config = settings()
        worker = ArchiveService(store, folder.recordings, lambda: config, settle_s=0.0,
                                folder=folder, on_disk_full=lambda: asked.append(True))
        assert not worker.run_once()
        assert asked and "the disk is full" in worker.state().last_problem
        assert not worker.run_once()  # waits
        assert store.recording(made[0].recording_id).path == made[0].relative
    assert not [path for path in folder.recordings.rglob(".*") if path.is_file()]


def test_a_file_cut_a_tag_after_a_chunk_is_an_error_not_the_audio_before(tmp_path, key):
    sealed = encrypted(bytes(3 * 4096 + 100), key, chunk=4096)
    path = tmp_path / "x.ewav"
    # What is left after each chunk's end looks like an empty last chunk: its tag.
    for whole in range(4):
        path.write_bytes(sealed[: crypt.HEADER.size + whole * (4096 + 16) + 16])
        with pytest.raises(CryptError), DecryptingReader(path, key) as reader:
            reader.read()


def test_any_byte_changed_anywhere_is_an_error_never_other_audio(tmp_path, key, rng):
    data = rng.bytes(int(rng.integers(2 * 4096, 4 * 4096)))
    sealed = encrypted(data, key, chunk=4096)
    path = tmp_path / "x.ewav"
    for _ in range(80):
        changed = bytearray(sealed)
        at = int(rng.integers(0, len(sealed)))
        changed[at] ^= int(rng.integers(1, 256))
        path.write_bytes(bytes(changed))
        with pytest.raises(CryptError), DecryptingReader(path, key) as reader:
            reader.read()
        cut = int(rng.integers(0, len(sealed)))
        path.write_bytes(sealed[:cut])
        with pytest.raises(CryptError), DecryptingReader(path, key) as reader:
            reader.read()

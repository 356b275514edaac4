"""Backups off the box, end to end against real servers on loopback: a folder as the USB
disk, ``rclone serve sftp`` and Samba's ``smbd`` as NASes, moto's S3 server as the object
store; restore into an empty folder; many boxes in one bucket; bad input (a corrupted
backup, foreign objects, a wrong credential, an unreachable server) answered in one line,
with nothing deleted on the box or in the target."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import sqlite3
import stat
import subprocess
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest
import soundfile

from firmware.backup import ledger, service
from firmware.backup.rclone import Rclone, why
from firmware.backup.run import file_facts, public_keys, rclone_for, verify
from firmware.backup.targets import remote_root, target_named
from firmware.cli import main
from firmware.config import BackupSchedule, ConfigStore, validate
from firmware.datafolder import DataFolder
from firmware.health.report import gather
from firmware.prompts.convert import tone
from firmware.prompts.library import PromptLibrary
from firmware.schema import SchemaError
from firmware.store.db import Store
from tests.backup_servers import (
    add_recordings,
    add_target,
    copy_box,
    record_short,
    require_rclone,
    s3_server,
    sftp_server,
    smb_server,
)

SFTP_USER, SFTP_PASSWORD = "backup", "nas-password-7319"
SMB_USER, SMB_PASSWORD = "backup", "share-password-4826"


@pytest.fixture(scope="module")
def recorded(tmp_path_factory) -> Path:
    """A box that recorded the short scenario (copied for each test)."""
    require_rclone()
    return record_short(tmp_path_factory.mktemp("recorded") / "data", "bk-")


def linerec(*arguments: str, stdin: str | None = None, monkeypatch=None) -> tuple[int, str, str]:
    """``linerec ARGUMENTS`` in this process: exit status, stdout, stderr."""
    out, err = io.StringIO(), io.StringIO()
    if stdin is not None:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    with redirect_stdout(out), redirect_stderr(err):
        status = main(list(arguments))
    return status, out.getvalue(), err.getvalue()


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def tree(root: Path) -> dict[str, str]:
    """Every file under ``root`` by its path and SHA-256."""
    return {path.relative_to(root).as_posix(): sha256(path)
            for path in sorted(root.rglob("*")) if path.is_file()}


def rows(database: Path, table: str) -> list[tuple]:
    connection = sqlite3.connect(database)
    try:
        return connection.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall()
    finally:
        connection.close()


def box_id(data: Path) -> str:
    return (data / "box-id").read_text().strip()


# ---- the settings ------------------------------------------------------------------------


def test_targets_are_checked_by_the_schema():
    def problems(backup: dict) -> str:
        with pytest.raises(SchemaError) as caught:
            validate({"device": {"backup": backup}, "lines": []})
        return str(caught.value)

    assert "unknown setting" in problems({"targets": [
        {"name": "nas", "kind": "sftp", "host": "nas", "password": "x"}]})
    assert "used twice" in problems({"targets": [
        {"name": "a", "kind": "usb", "path": "/m"}, {"name": "a", "kind": "usb", "path": "/n"}]})
    assert "absolute path" in problems({"targets": [{"name": "u", "kind": "usb", "path": "m"}]})
    assert "needs its bucket" in problems({"targets": [{"name": "s", "kind": "s3"}]})
    assert "needs its host and its share" in problems({"targets": [{"name": "w", "kind": "smb"}]})
    assert "not a target name" in problems({"targets": [{"name": "My NAS", "kind": "usb",
                                                         "path": "/m"}]})
    assert "no target is" in problems({"enabled": True})
    assert "is not a time" in problems({"schedule": {"at": "25:00"}})
    config = validate({"device": {}, "lines": []})
    assert config.device.backup.enabled is False
    assert config.device.backup.schedule == BackupSchedule("day", "02:00", 6)


def test_secrets_live_in_the_rclone_configuration_only(tmp_path, monkeypatch):
    require_rclone()
    ConfigStore(tmp_path).load()
    status, out, _ = linerec("target", "set", "nas", "--kind", "sftp", "--host", "nas.lan",
                             "--user", "backup", "--path", "linerec", "--data", str(tmp_path))
    assert status == 0 and "not set yet: password, private_key" in out
    status, out, _ = linerec("target", "secret", "nas", "password", "--data", str(tmp_path),
                             stdin="s3cret-Pa55\n", monkeypatch=monkeypatch)
    assert status == 0 and "s3cret" not in out
    status, out, _ = linerec("target", "set", "wss", "--kind", "smb", "--host", "fs.lan",
                             "--share", "Backups", "--user", "box", "--data", str(tmp_path))
    assert status == 0
    linerec("target", "secret", "wss", "password", "--data", str(tmp_path),
            stdin="smb-Pa55", monkeypatch=monkeypatch)
    conf = tmp_path / "offsite" / "rclone.conf"
    assert stat.S_IMODE(conf.stat().st_mode) == 0o600
    assert stat.S_IMODE(conf.parent.stat().st_mode) == 0o700
    text = conf.read_text()
    assert "[nas]" in text and "type = sftp" in text and "host = nas.lan" in text
    assert "[wss]" in text and "type = smb" in text and "domain = WORKGROUP" in text
    assert "s3cret-Pa55" not in text and "smb-Pa55" not in text  # obscured, as rclone keeps them
    assert "s3cret-Pa55" not in (tmp_path / "config.json").read_text()
    status, out, _ = linerec("target", "list", "--data", str(tmp_path))
    assert "password set" in out and "s3cret" not in out
    # A change of the settings keeps the secret; removing the target drops it.
    linerec("target", "set", "nas", "--port", "2222", "--data", str(tmp_path))
    assert "port = 2222" in conf.read_text() and "pass = " in conf.read_text()
    status, _, err = linerec("target", "secret", "wss", "secret_access_key", "--data",
                             str(tmp_path), stdin="x", monkeypatch=monkeypatch)
    assert status == 2 and "takes no 'secret_access_key'" in err
    linerec("target", "remove", "nas", "--data", str(tmp_path))
    assert "[nas]" not in conf.read_text() and "[wss]" in conf.read_text()


def test_smb_targets_are_configured_for_rclone(tmp_path, monkeypatch):
    """An SMB target's rclone section, as rclone reads it; no server: one line."""
    require_rclone()
    ConfigStore(tmp_path).load()
    linerec("target", "set", "fs", "--kind", "smb", "--host", "127.0.0.1", "--port", "1",
            "--share", "Backups", "--path", "linerec", "--user", "box", "--domain", "OFFICE",
            "--data", str(tmp_path))
    linerec("target", "secret", "fs", "password", "--data", str(tmp_path), stdin="pw-123456",
            monkeypatch=monkeypatch)
    folder = DataFolder(tmp_path)
    shown = Rclone(folder.rclone_config, folder.offsite_work).run(["config", "show", "fs"]).stdout
    assert "type = smb" in shown and "domain = OFFICE" in shown and "port = 1" in shown
    status, _, err = linerec("target", "test", "fs", "--data", str(tmp_path))
    assert status == 2
    assert err.count("\n") == 1 and "backup target 'fs' (smb //box@127.0.0.1:1/Backups" in err
    assert "pw-123456" not in err


def smb_target(data: Path, port: int, password: str, monkeypatch) -> None:
    """Target ``fs``: the ``Backups`` share of the SMB server on ``port``, as a person
    sets it up."""
    status, out, err = linerec(
        "target", "set", "fs", "--kind", "smb", "--host", "127.0.0.1", "--port", str(port),
        "--share", "Backups", "--path", "linerec", "--user", SMB_USER, "--data", str(data))
    assert status == 0, out + err
    status, out, err = linerec("target", "secret", "fs", "password", "--data", str(data),
                               stdin=password, monkeypatch=monkeypatch)
    assert status == 0, out + err


def test_smb_backup_verified_by_reading_back_and_bad_credentials(recorded, tmp_path,
                                                                 monkeypatch):
    """Samba's smbd as the NAS: SMB offers no hash, so each new file is read back and
    compared; a copy that differs there is caught, and sent again by a check of
    everything; a wrong password is one line."""
    data = copy_box(recorded, tmp_path / "data")
    share = tmp_path / "share"
    with smb_server(share, SMB_USER, SMB_PASSWORD, tmp_path / "home") as port:
        smb_target(data, port, "wrong-password", monkeypatch)
        before = tree(data / "recordings")
        status, _, err = linerec("backup", "--to", "fs", "--data", str(data))
        assert status == 2 and err.count("\n") == 1
        assert f"backup target 'fs' (smb //{SMB_USER}@127.0.0.1:{port}/Backups/linerec)" in err
        assert "refused the user name, password or key" in err
        assert "wrong-password" not in err
        with Store(data / "linerec.db") as store:
            assert all(row.backed_up_at is None for row in store.recordings())
            failed = ledger.recent_runs(store, "fs", 1)[0]
            assert failed.outcome == "failed" and "refused" in failed.error
        assert not list(share.iterdir())  # nothing reached the share

        smb_target(data, port, SMB_PASSWORD, monkeypatch)
        status, out, err = linerec("target", "test", "fs", "--data", str(data))
        assert status == 0 and "reached and writable" in out, out + err
        status, out, err = linerec("backup", "--to", "fs", "--data", str(data))
        assert status == 0, err
        assert "each verified: each new file read back and compared byte for byte" in out
        assert "recordings  2 newly backed up; the target holds 2" in out
        box = share / "linerec" / box_id(data)
        assert tree(box / "recordings") == before
        with Store(data / "linerec.db") as store:
            recordings = store.recordings()
            assert all(row.backed_up_at is not None for row in recordings)
            for row in recordings:  # each marked file is in the share, the same
                assert sha256(box / "recordings" / row.path) == row.sha256
        assert not (box / "offsite").exists()  # the password stays on the box
        status, out, _ = linerec("archive", "--from", "fs", "--data", str(data), "verify",
                                 "--download")
        assert status == 0 and "every file read back" in out

        changed_copy_is_read_back_and_mended(data, box, [row.path for row in recordings])
    assert tree(data / "recordings") == before
    # The server is gone: one line, nothing deleted.
    status, _, err = linerec("backup", "--to", "fs", "--data", str(data))
    assert status == 2 and err.count("\n") == 1 and "backup target 'fs'" in err
    assert "refused the connection" in err or "cannot be reached" in err


def changed_copy_is_read_back_and_mended(data: Path, box: Path, paths: list[str]) -> None:
    """A copy of a recording (of ``paths``) changed in the share, its size the same:
    reading back catches it, and a check of everything sends it again."""
    intact, victim = (f"recordings/{path}" for path in paths)
    original = (box / victim).read_bytes()
    (box / victim).write_bytes(original[:-4] + b"XXXX")
    folder = DataFolder(data)
    target = target_named(ConfigStore(data).load(), "fs")
    verified, problems = verify(
        rclone_for(folder, target), "smb", str(data),
        f"{remote_root(target)}/{box_id(data)}",
        [file_facts(data / path, path) for path in (intact, victim)],
    )
    assert [sent.path for sent in verified] == [intact]
    assert problems == {victim: "read back, it differs from the box's"}
    status, out, _ = linerec("archive", "--from", "fs", "--data", str(data), "verify",
                             "--download")
    assert status == 1
    assert f"{victim}: its SHA-256 in the target differs from the backup's" in out
    assert (data / victim).read_bytes() == original  # nothing changed on the box
    # A check of everything reads every file back (no hash to ask for) and resends it.
    status, out, err = linerec("backup", "--to", "fs", "--check-all", "--data", str(data))
    assert status == 0 and f"resent      {victim}" in out, out + err
    assert (box / victim).read_bytes() == original
    status, out, _ = linerec("archive", "--from", "fs", "--data", str(data), "verify",
                             "--download")
    assert status == 0, out


def test_smb_backup_sends_only_what_is_new_and_restores_into_an_empty_folder(
        recorded, tmp_path, monkeypatch):
    data = copy_box(recorded, tmp_path / "data")
    share = tmp_path / "share"
    with smb_server(share, SMB_USER, SMB_PASSWORD, tmp_path / "home") as port:
        smb_target(data, port, SMB_PASSWORD, monkeypatch)
        status, out, err = linerec("backup", "--to", "fs", "--data", str(data))
        assert status == 0, err
        box = share / "linerec" / box_id(data)
        first = {path: (box / "recordings" / path).stat().st_mtime_ns
                 for path in tree(box / "recordings")}
        # Two new calls: their recordings and sidecars go, and a new database snapshot.
        add_recordings(data, 2, 1.0, line=3, number="02087654321")
        status, out, err = linerec("backup", "--to", "fs", "--data", str(data))
        assert status == 0, err
        assert "sent        5 files" in out
        assert "recordings  2 newly backed up; the target holds 4" in out
        assert tree(box / "recordings") == tree(data / "recordings")
        assert {path: (box / "recordings" / path).stat().st_mtime_ns
                for path in first} == first  # the files already there were not sent again
        assert len(tree(box / "recordings")) == len(first) + 4
        status, out, _ = linerec("backup", "--to", "fs", "--data", str(data))
        assert status == 0 and "sent        1 files" in out  # the new snapshot alone

        # A new box: the target set up again, then everything restored from the share.
        restored = tmp_path / "restored"
        restored.mkdir()
        ConfigStore(restored).save(ConfigStore(data).load())
        linerec("target", "secret", "fs", "password", "--data", str(restored),
                stdin=SMB_PASSWORD, monkeypatch=monkeypatch)
        restore_and_compare(data, "fs", box, restored)


def test_rclone_errors_read_as_one_sentence():
    assert why('{"level":"error","msg":"dial tcp 127.0.0.1:9: connect: connection refused"}')[
        0].startswith("the server refused the connection")
    assert why("2026/01/01 10:00:00 Failed: InvalidAccessKeyId: bad key")[0].startswith(
        "the S3 server refused the access key")
    assert why("ssh: handshake failed: ssh: unable to authenticate")[0].startswith(
        "the server refused the user name")
    assert why("couldn't connect SMB: response error: The attempted logon is invalid. This is "
               "either due to a bad username or authentication information.")[0].startswith(
        "the server refused the user name")  # Samba, as rclone's SMB client words it


def test_only_public_keys_leave_the_box(tmp_path):
    keys = tmp_path / "keys"
    (keys / "retired").mkdir(parents=True)
    (keys / "chain-key.pem").write_text("-----BEGIN PRIVATE KEY-----\nAAA\n")
    (keys / "chain-public.pem").write_text("-----BEGIN PUBLIC KEY-----\nBBB\n")
    (keys / "retired" / "3f2a.pem").write_text("-----BEGIN PUBLIC KEY-----\nCCC\n")
    (keys / "odd-public.pem").write_text("-----BEGIN PUBLIC KEY-----\n-----BEGIN PRIVATE KEY")
    (keys / "secret.bin").write_bytes(os.urandom(32))
    assert public_keys(DataFolder(tmp_path)) == ["keys/chain-public.pem", "keys/retired/3f2a.pem"]


# ---- a USB disk: back up, then restore into an empty folder ---------------------------------


def test_a_usb_backup_restores_into_an_empty_folder_as_it_was(recorded, tmp_path):
    data = copy_box(recorded, tmp_path / "data")
    usb = tmp_path / "usb"
    usb.mkdir()
    add_target(data, name="usb", kind="usb", path=str(usb), allow_same_disk=True)
    (data / "keys").mkdir(exist_ok=True)
    (data / "keys" / "box-public.pem").write_text("-----BEGIN PUBLIC KEY-----\nBBB\n")
    (data / "keys" / "box-key.pem").write_text("-----BEGIN PRIVATE KEY-----\nAAA\n")
    with Store(data / "linerec.db") as store:  # a prompt the admin uploaded
        sound = io.BytesIO()
        soundfile.write(sound, tone(440, 1.0), 8000, format="WAV")
        PromptLibrary(DataFolder(data), store).add_upload("Hold", sound.getvalue(), "hold.wav",
                                                          user="boss")

    status, out, err = linerec("backup", "--to", "usb", "--data", str(data))
    assert status == 0, err
    assert "recordings  2 newly backed up; the target holds 2" in out
    prompts_sent = tree(usb / box_id(data) / "prompts")
    assert prompts_sent == tree(data / "prompts") and len(prompts_sent) == 1
    box = usb / box_id(data)
    with Store(data / "linerec.db") as store:
        recordings = store.recordings()
        assert all(row.backed_up_at is not None for row in recordings)
        for row in recordings:  # each marked file is in the target, the same
            assert sha256(box / "recordings" / row.path) == row.sha256
    assert not (box / "keys" / "box-key.pem").exists()  # never a private key
    assert (box / "keys" / "box-public.pem").exists()
    assert not (box / "offsite").exists()  # the credentials stay on the box
    manifest = json.loads((box / "box.json").read_text())
    assert manifest["box_id"] == box_id(data) and manifest["recordings"] == 2
    sums = dict(reversed(line.split("  ")) for line in (box / "SHA256SUMS").read_text()
                .splitlines())
    assert all(sha256(box / path) == digest for path, digest in sums.items())
    index = [json.loads(line) for line in gzip.decompress((box / "index.jsonl.gz").read_bytes())
             .decode().splitlines()]
    assert {entry["number"] for entry in index} >= {"13800138000"}

    # Only what changed moves: the second run sends the new snapshot alone.
    status, out, _ = linerec("backup", "--to", "usb", "--data", str(data))
    assert status == 0 and "sent        1 files" in out
    restore_and_compare(data, str(usb), box, tmp_path / "restored")
    assert tree(tmp_path / "restored" / "prompts") == tree(data / "prompts")
    with Store(tmp_path / "restored" / "linerec.db") as store:
        library = PromptLibrary(DataFolder(tmp_path / "restored"), store)
        (prompt,) = library.prompts()
        assert prompt.name == "Hold" and len(library.pcm(prompt.id)) == prompt.samples


def restore_and_compare(data: Path, source: str, box: Path, restored: Path) -> None:
    """Restore from ``source`` (a USB disk's folder or a target's name) into ``restored``,
    which holds no database: every recording, sidecar, index row and the configuration as
    they were on ``data``. ``box`` is the box's folder in the target, on this disk."""
    # A recording the last run's snapshot does not know: recovery indexes it from its sidecar.
    newer = next((box / "recordings").rglob("*.wav"))
    extra = newer.with_name("L2-20260101-101010-99.wav")
    extra.write_bytes(newer.read_bytes())
    sidecar = json.loads(newer.with_suffix(".json").read_text())
    sidecar["call"] = dict(sidecar["call"] or {}, call_id=99)
    sidecar["line"] = 2
    extra.with_suffix(".json").write_text(json.dumps(sidecar))

    status, out, err = linerec("restore", "--from", source, "--data", str(restored))
    assert status == 0, out + err
    assert "checked     " in out and "start the box with: linerec engine" in out
    assert f"box id      {box_id(data)}" in out
    before, after = tree(data / "recordings"), tree(restored / "recordings")
    assert {path: digest for path, digest in after.items() if "-99." not in path} == before
    assert (restored / "config.json").read_bytes() == (data / "config.json").read_bytes()
    assert box_id(restored) == box_id(data)
    with Store(restored / "linerec.db") as store:
        assert store.recording_by_path(
            extra.relative_to(box / "recordings").as_posix()) is not None  # from its sidecar
    original = [row for row in rows(data / "linerec.db", "recordings")]
    back = [row for row in rows(restored / "linerec.db", "recordings") if "-99." not in row[3]]
    assert back == original
    calls = rows(data / "linerec.db", "calls")
    assert rows(restored / "linerec.db", "calls")[:len(calls)] == calls
    # The box can start on it at once: nothing left to recover, a good configuration.
    assert linerec("recover", "--data", str(restored))[0] == 0
    assert linerec("check-config", "--data", str(restored))[0] == 0
    # Never over a database already there, unless asked to move it aside.
    status, _, err = linerec("restore", "--from", source, "--data", str(restored))
    assert status == 2 and "already has a database" in err and err.count("\n") == 1
    status, out, _ = linerec("restore", "--from", source, "--data", str(restored), "--force")
    assert status == 0 and "moved aside " in out


def test_a_missing_usb_disk_is_said_plainly(recorded, tmp_path):
    data = copy_box(recorded, tmp_path / "data")
    add_target(data, name="usb", kind="usb", path=str(tmp_path / "not-mounted"))
    status, _, err = linerec("backup", "--to", "usb", "--data", str(data))
    assert status == 2 and "is the USB disk plugged in and mounted" in err
    (tmp_path / "on-the-card").mkdir()
    add_target(data, name="card", kind="usb", path=str(tmp_path / "on-the-card"))
    status, _, err = linerec("backup", "--to", "card", "--data", str(data))
    assert status == 2 and "is on the box's own disk" in err


# ---- a NAS over SFTP ----------------------------------------------------------------------


def test_sftp_backup_verified_by_the_servers_md5_and_bad_credentials(recorded, tmp_path,
                                                                     monkeypatch):
    data = copy_box(recorded, tmp_path / "data")
    served = tmp_path / "nas"
    with sftp_server(served, SFTP_USER, SFTP_PASSWORD, tmp_path / "home") as port:
        add_target(data, name="nas", kind="sftp", host="127.0.0.1", port=port,
                   user=SFTP_USER, path="linerec")
        linerec("target", "secret", "nas", "password", "--data", str(data),
                stdin="wrong-password", monkeypatch=monkeypatch)
        before = tree(data / "recordings")
        status, _, err = linerec("backup", "--to", "nas", "--data", str(data))
        assert status == 2 and err.count("\n") == 1
        assert "backup target 'nas'" in err and "refused the user name, password or key" in err
        assert "wrong-password" not in err
        with Store(data / "linerec.db") as store:
            assert all(row.backed_up_at is None for row in store.recordings())
            failed = ledger.recent_runs(store, "nas", 1)[0]
            assert failed.outcome == "failed" and "refused" in failed.error

        linerec("target", "secret", "nas", "password", "--data", str(data),
                stdin=SFTP_PASSWORD, monkeypatch=monkeypatch)
        status, out, err = linerec("target", "test", "nas", "--data", str(data))
        assert status == 0 and "reached and writable" in out
        status, out, err = linerec("backup", "--to", "nas", "--data", str(data))
        assert status == 0, err
        assert "MD5 computed by the server" in out
        box = served / "linerec" / box_id(data)
        assert tree(box / "recordings") == before
        with Store(data / "linerec.db") as store:
            assert all(row.backed_up_at is not None for row in store.recordings())
        assert linerec("archive", "--from", "nas", "--data", str(data), "verify")[0] == 0
    assert tree(data / "recordings") == before  # nothing changed on the box
    # The server is gone: one line, nothing marked, nothing deleted.
    status, _, err = linerec("backup", "--to", "nas", "--data", str(data))
    assert status == 2 and err.count("\n") == 1
    assert "refused the connection" in err or "cannot be reached" in err
    assert tree(box / "recordings") == before


# ---- an S3 bucket holding many boxes --------------------------------------------------------


def test_many_boxes_in_one_bucket(recorded, tmp_path, monkeypatch):
    first = copy_box(recorded, tmp_path / "first")
    second = copy_box(recorded, tmp_path / "second")
    from tests.backup_servers import add_recordings  # noqa: PLC0415

    add_recordings(second, 2, 1.0, line=3, number="02087654321")
    with s3_server(tmp_path / "home") as (port, s3_key, s3_secret):
        endpoint = f"http://127.0.0.1:{port}"
        for data in (first, second):
            add_target(data, name="s3", kind="s3", provider="Other", endpoint=endpoint,
                       region="us-east-1", bucket="office-archive")
            linerec("target", "secret", "s3", "access_key_id", "--data", str(data),
                    stdin=s3_key, monkeypatch=monkeypatch)
            linerec("target", "secret", "s3", "secret_access_key", "--data", str(data),
                    stdin=s3_secret, monkeypatch=monkeypatch)
            status, out, err = linerec("backup", "--to", "s3", "--data", str(data))
            assert status == 0, err
            assert "MD5 computed by the server on receipt" in out
        folder = DataFolder(first)
        rclone = Rclone(folder.rclone_config, folder.offsite_work)
        # Someone else's objects in the bucket: listed as foreign, never touched.
        stray = tmp_path / "stray.txt"
        stray.write_text("not ours")
        rclone.run(["copyto", str(stray), "s3:office-archive/other-app/data.txt"])
        rclone.run(["copyto", str(stray), "s3:office-archive/README.txt"])
        objects = len(rclone.list_files("s3:office-archive"))

        status, out, _ = linerec("archive", "--from", "s3", "--data", str(first), "list")
        assert status == 0
        assert box_id(first) in out and box_id(second) in out and "2 boxes" in out
        assert "foreign          other-app/" in out and "foreign          README.txt" in out

        status, out, _ = linerec("archive", "--from", "s3", "--data", str(first), "search",
                                 "--number", "8765", "--json")
        found = [json.loads(line) for line in out.splitlines()]
        assert len(found) == 2 and {entry["box_id"] for entry in found} == {box_id(second)}
        assert {entry["line"] for entry in found} == {3}
        status, out, _ = linerec("archive", "--from", "s3", "--data", str(first), "search",
                                 "--number", "13800138000")
        assert out.count("13800138000") == 2 and "2 recordings" in out  # one per box

        assert linerec("archive", "--from", "s3", "--data", str(first), "verify")[0] == 0
        corrupt_then_mend(first, rclone, tmp_path, objects)
        wrong_secret_then_restore(second, tmp_path, s3_secret, monkeypatch)


def corrupt_then_mend(first: Path, rclone: Rclone, tmp_path: Path, objects: int) -> None:
    """A file changed in the bucket: verify names it, nothing is deleted anywhere, and a
    check of everything sends it again."""
    victim = f"recordings/{rows(first / 'linerec.db', 'recordings')[0][3]}"
    changed = tmp_path / "changed.wav"
    original = (first / victim).read_bytes()
    changed.write_bytes(original[:-4] + b"XXXX")
    rclone.run(["copyto", str(changed), f"s3:office-archive/{box_id(first)}/{victim}"])
    status, out, _ = linerec("archive", "--from", "s3", "--data", str(first), "verify")
    assert status == 1
    assert f"changed   {victim}: its MD5 in the target differs" in out
    assert len(rclone.list_files("s3:office-archive")) == objects
    assert (first / victim).read_bytes() == original
    # A check of everything sends it again.
    status, out, _ = linerec("backup", "--to", "s3", "--check-all", "--data", str(first))
    assert status == 0 and f"resent      {victim}" in out
    status, out, err = linerec("archive", "--from", "s3", "--data", str(first), "verify")
    assert status == 0, out + err


def wrong_secret_then_restore(second: Path, tmp_path: Path, s3_secret: str, monkeypatch) -> None:
    """A wrong secret is one line naming the target and the problem; the second box
    restores from the shared bucket, named."""
    linerec("target", "secret", "s3", "secret_access_key", "--data", str(second),
            stdin="not-the-secret", monkeypatch=monkeypatch)
    status, _, err = linerec("backup", "--to", "s3", "--data", str(second))
    assert status == 2 and err.count("\n") == 1 and "backup target 's3'" in err
    assert "not-the-secret" not in err
    restored = tmp_path / "restored"
    folder2 = DataFolder(restored)
    restored.mkdir()
    ConfigStore(restored).save(ConfigStore(second).load())  # a new box, its target set up
    (restored / "offsite").mkdir(mode=0o700)
    (restored / "offsite" / "rclone.conf").write_bytes((second / "offsite" / "rclone.conf")
                                                       .read_bytes())
    linerec("target", "secret", "s3", "secret_access_key", "--data", str(restored),
            stdin=s3_secret, monkeypatch=monkeypatch)
    status, _, err = linerec("restore", "--from", "s3", "--data", str(restored))
    assert status == 2 and "holds backups of 2 boxes" in err and "name one with --box" in err
    status, out, err = linerec("restore", "--from", "s3", "--box", box_id(second),
                               "--data", str(restored))
    assert status == 0, out + err
    assert tree(folder2.recordings) == tree(second / "recordings")


# ---- the schedule, the thread, the health report ------------------------------------------


def test_when_a_scheduled_run_is_due():
    daily = BackupSchedule("day", "02:00", 6)
    offset = 8 * 3600
    day = 1_790_000_000 - (1_790_000_000 + offset) % 86400  # a local midnight (UTC)
    slot = day + 2 * 3600
    assert service.last_slot(daily, slot + 60, offset) == slot
    assert service.last_slot(daily, slot - 60, offset) == slot - 86400

    def run(outcome, started, finished=None):
        return ledger.Run(1, "t", started, finished or started + 5, outcome, 1, 0, 0, 0, 0, "",
                          None)

    assert service.due(daily, None, slot - 3600, offset)  # never run: at once
    assert not service.due(daily, run("verified", slot + 10), slot + 3600, offset)
    assert service.due(daily, run("verified", slot - 10), slot + 60, offset)
    assert not service.due(daily, run("failed", slot + 10), slot + 600, offset)
    assert service.due(daily, run("failed", slot + 10), slot + 3700, offset)  # retried hourly
    hourly = BackupSchedule("hours", "02:00", 6)
    assert not service.due(hourly, run("verified", 1000.0), 1000 + 5 * 3600, offset)
    assert service.due(hourly, run("verified", 1000.0), 1000 + 6 * 3600 + 1, offset)
    assert not service.due(hourly, run("running", 1000.0), 1000 + 9 * 3600, offset)


def test_the_backup_thread_takes_requests_and_the_health_report_says_when_it_is_late(
        recorded, tmp_path):
    data = copy_box(recorded, tmp_path / "data")
    usb = tmp_path / "usb"
    usb.mkdir()
    add_target(data, name="usb", kind="usb", path=str(usb), allow_same_disk=True)
    folder = DataFolder(data)
    with Store(folder.database) as store:
        backups = service.BackupService(folder, store, ConfigStore(data).load)
        assert backups.round() == []  # backups off, nobody asked
        ledger.request_now(store, "usb", "admin", 1.0)
        assert backups.round() == ["usb"] and ledger.requests(store) == {}
        assert all(row.backed_up_at for row in store.recordings())
        latest = ledger.recent_runs(store, "usb", 1)[0]
        assert latest.outcome == "verified"
    ConfigStore(data).set_device(backup={
        "enabled": True, "schedule": {"every": "hours", "hours": 2},
        "targets": [{"name": "usb", "kind": "usb", "path": str(usb), "allow_same_disk": True}],
    })
    fresh = gather(folder, None, now=latest.finished_at + 3600)
    assert [state.target for state in fresh.backups] == ["usb"]
    assert not [p for p in fresh.problems if "backup" in str(p)]
    late = gather(folder, None, now=latest.finished_at + 5 * 3600)
    assert any("the last good backup to usb is 5 h old" in str(p) for p in late.problems)
    _, out, _ = linerec("status", "--data", str(data))
    assert "backup      usb (usb " in out and "last verified" in out


def test_backup_and_restore_refuse_what_they_cannot_use(recorded, tmp_path):
    data = copy_box(recorded, tmp_path / "data")
    status, _, err = linerec("backup", "--to", "nowhere", "--data", str(data))
    assert status == 2 and "no backup target 'nowhere'" in err
    status, _, err = linerec("restore", "--from", "nowhere", "--data", str(data))
    assert status == 2 and "is not a backup target" in err and err.count("\n") == 1
    empty = tmp_path / "empty-usb"
    empty.mkdir()
    status, _, err = linerec("restore", "--from", str(empty), "--data", str(tmp_path / "new"))
    assert status == 2 and "holds no linerec backup" in err
    status, _, err = linerec("restore", "--from", "./no-such-disk", "--data", str(tmp_path / "n"))
    assert status == 2 and "is not a folder" in err
    (empty / "lr-000000000000").mkdir()
    (empty / "lr-000000000000" / "box.json").write_text("{not json")
    status, _, err = linerec("restore", "--from", str(empty), "--box", "lr-000000000000",
                             "--data", str(tmp_path / "new"))
    assert status == 2 and "box.json" in err and "is not JSON" in err


def test_rclone_is_run_with_the_boxs_settings_only(tmp_path, monkeypatch):
    require_rclone()
    monkeypatch.setenv("AWS_CA_BUNDLE", "/nonexistent")
    monkeypatch.setenv("RCLONE_CONFIG", "/nonexistent")
    rclone = Rclone(tmp_path / "rclone.conf", tmp_path / "work")
    environment = rclone.environment()
    assert "AWS_CA_BUNDLE" not in environment
    assert environment["RCLONE_CONFIG"] == str(tmp_path / "rclone.conf")
    assert subprocess.run(["true"], env=environment, check=False).returncode == 0

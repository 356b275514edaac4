"""Voicemail messages in backups off the box, against a real SFTP server on loopback
(``rclone serve sftp``): each message sent once and marked backed up, then restored into an
empty folder with its heard or unheard state, listed on the Voicemail page; a message
deleted since its backup stays deleted; one whose file the backup lacks is named."""

from __future__ import annotations

import hashlib
import io
import json
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import numpy as np
import pytest

from firmware.cli import main
from firmware.config import ConfigStore
from firmware.store.db import Store
from firmware.store.scopes import EVERY_LINE
from firmware.store.voicemail import Voicemails, message_name, write_message
from tests.backup_servers import add_recordings, add_target, require_rclone, sftp_server
from tests.web_client import web_box

pytestmark = pytest.mark.usefixtures("quick_passwords")

SFTP_USER, SFTP_PASSWORD = "backup", "nas-password-5521"
T0 = 1_790_000_000.0


def linerec(*arguments: str, stdin: str | None = None, monkeypatch=None) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    if stdin is not None:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    with redirect_stdout(out), redirect_stderr(err):
        status = main(list(arguments))
    return status, out.getvalue(), err.getvalue()


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def leave_message(data: Path, line: int, started: float, number: str) -> int:
    """A message as the engine keeps it: its WAV, then its row, with its call."""
    audio = np.random.default_rng(int(started)).integers(-3000, 3000, 16000, dtype=np.int16)
    name = message_name(line, started)
    _, digest = write_message(data / "voicemail", name, audio)
    with Store(data / "linerec.db") as store:
        call_id = store.start_call(line, "in", started, number=number)
        store.update_call(call_id, answered_at=started)
        store.end_call(call_id, "answered", started + 30)
        return Voicemails(store).add(call_id=call_id, line=line, number=number,
                                     started_at=started, seconds=2.0, path=name, sha256=digest)


def messages(data: Path):
    with Store(data / "linerec.db") as store:
        return {message.id: message for message in Voicemails(store).listed(EVERY_LINE)}


def box_id(data: Path) -> str:
    return (data / "box-id").read_text().strip()


@pytest.fixture
def office(tmp_path) -> Path:
    """A box with a recording, a user who reads voicemail, and three messages: one heard,
    one new, one a person deleted before any backup."""
    require_rclone()
    data = tmp_path / "data"
    data.mkdir()
    ConfigStore(data).load()
    add_recordings(data, 1, 1.0, start=T0 - 3600)
    web = web_box(data)
    web.add_user("boss", "super", language="en")
    web.close()
    leave_message(data, 1, T0, "13800138000")
    leave_message(data, 2, T0 + 60, "13900139000")
    gone = leave_message(data, 1, T0 + 120, "13700137000")
    with Store(data / "linerec.db") as store:
        listed = Voicemails(store)
        listed.mark_heard(listed.get(1).id, "desk", at=T0 + 300)
        listed.delete(gone, data / "voicemail", at=T0 + 400)
    return data


def test_messages_are_backed_up_once_and_restored_heard_or_new(office, tmp_path, monkeypatch):
    data = office
    heard, new, deleted = 1, 2, 3
    served = tmp_path / "nas"
    with sftp_server(served, SFTP_USER, SFTP_PASSWORD, tmp_path / "home") as port:
        add_target(data, name="nas", kind="sftp", host="127.0.0.1", port=port,
                   user=SFTP_USER, path="linerec")
        linerec("target", "secret", "nas", "password", "--data", str(data),
                stdin=SFTP_PASSWORD, monkeypatch=monkeypatch)
        status, out, err = linerec("backup", "--to", "nas", "--data", str(data))
        assert status == 0, out + err
        assert "voicemail   2 messages newly backed up; the target holds 2" in out
        box = served / "linerec" / box_id(data)
        with Store(data / "linerec.db") as store:
            listed = Voicemails(store)
            for message_id in (heard, new):
                message = listed.get(message_id)
                assert message.backed_up_at is not None
                assert sha256(box / "voicemail" / message.path) == message.sha256
            assert listed.get(deleted).backed_up_at is None
            assert not (box / "voicemail" / listed.get(deleted).path).exists()
        assert (box / "SHA256SUMS").read_text().count("  voicemail/") == 2
        assert json.loads((box / "box.json").read_text())["voicemails"] == 2

        # Since: the new one is heard, the heard one deleted, and a new one left. Only the
        # new message and the database snapshot are sent: each message goes once.
        with Store(data / "linerec.db") as store:
            listed = Voicemails(store)
            listed.mark_heard(new, "ana", at=T0 + 900)
            listed.delete(heard, data / "voicemail", at=T0 + 950)
        newest = leave_message(data, 2, T0 + 1000, "13600136000")
        status, out, err = linerec("backup", "--to", "nas", "--data", str(data))
        assert status == 0, out + err
        assert "sent        2 files" in out
        assert "voicemail   1 messages newly backed up; the target holds 3" in out
        assert (box / "voicemail" / messages(data)[newest].path).exists()

        # A new box: the target set up again, then restored from it.
        restored = tmp_path / "restored"
        restored.mkdir()
        ConfigStore(restored).save(ConfigStore(data).load())
        linerec("target", "secret", "nas", "password", "--data", str(restored),
                stdin=SFTP_PASSWORD, monkeypatch=monkeypatch)
        status, out, err = linerec("restore", "--from", "nas", "--data", str(restored))
    assert status == 0, out + err
    assert "(1 recordings, 5 calls, 2 voicemail messages)" in out, out
    assert "a voicemail message marked deleted; its file is removed now" in out
    before, after = messages(data), messages(restored)
    assert after == before and set(after) == {new, newest}
    assert after[new].heard_by == "ana" and not after[new].new and after[newest].new
    for message in after.values():
        assert sha256(restored / "voicemail" / message.path) == message.sha256
        assert message.backed_up_at is not None
    with Store(restored / "linerec.db") as store:
        gone = Voicemails(store).get(heard)  # deleted since its backup: it stays deleted
    assert gone.deleted_at == T0 + 950 and not (restored / "voicemail" / gone.path).exists()
    assert linerec("recover", "--data", str(restored))[0] == 0  # nothing left to do

    # The Voicemail page of the restored box lists them, heard or new.
    rows = voicemail_page(restored)
    assert set(rows) == {new, newest}
    assert "Heard by ana" in rows[new] and "Mark as heard" not in rows[new]
    assert "new-mark" in rows[newest] and "Mark as heard" in rows[newest]


def voicemail_page(data: Path) -> dict[int, str]:
    """The rows of the Voicemail page of the box on ``data``, by message, as boss sees them."""
    web = web_box(data)
    try:
        page = web.signed_in("boss").get("/voicemail")
    finally:
        web.close()
    assert page.status == 200
    rows = {}
    for part in page.text.split('data-message="')[1:]:
        number, _, text = part.partition('"')
        rows[int(number)] = text.split("</tr>", 1)[0]
    return rows


def test_a_message_whose_file_the_backup_lacks_is_named_by_the_restore(office, tmp_path):
    """A message that came while a run went on: its row is in the snapshot, its file is not
    in the target (the next run sends it)."""
    data = office
    usb = tmp_path / "usb"
    usb.mkdir()
    add_target(data, name="usb", kind="usb", path=str(usb), allow_same_disk=True)
    status, out, err = linerec("backup", "--to", "usb", "--data", str(data))
    assert status == 0, out + err
    box = usb / box_id(data)
    late = messages(data)[2]
    (box / "voicemail" / late.path).unlink()
    sums = box / "SHA256SUMS"
    sums.write_text("".join(line + "\n" for line in sums.read_text().splitlines()
                            if late.path not in line))
    restored = tmp_path / "restored"
    status, out, err = linerec("restore", "--from", str(usb), "--data", str(restored))
    assert status == 0, out + err
    assert (f"no file     {restored / 'voicemail' / late.path}: a voicemail message the "
            "database lists, but the backup does not hold its file") in out
    assert "differs" not in out

"""Backups on the web: Settings, Backup (admins) sets targets up, tests them, asks for a run,
shows results, never a secret; the Archive (auditors) lists boxes and searches them."""

from __future__ import annotations

import re

import pytest

from firmware.backup import ledger
from firmware.backup.run import back_up
from firmware.config import ConfigStore
from tests.backup_servers import add_recordings, require_rclone
from tests.web_client import web_box
from webui.audit_text import describe
from webui.i18n import Translator

pytestmark = pytest.mark.usefixtures("quick_passwords")


@pytest.fixture
def box(tmp_path):
    require_rclone()
    data = tmp_path / "data"
    data.mkdir()
    made = web_box(data)
    made.add_user("boss", "super", language="en")
    made.add_user("auditor", permissions={"audit"}, language="en")
    made.add_user("clerk", language="en")
    yield made
    made.close()


def test_admins_set_a_target_up_test_it_and_ask_for_a_run(box, tmp_path):
    usb = tmp_path / "usb"
    usb.mkdir()
    admin = box.signed_in("boss")
    page = admin.get("/admin/backup")
    assert page.status == 200 and "No target yet" in page.text
    answer = admin.post("/admin/backup/targets", {
        "name": "usb", "kind": "usb", "path": str(usb), "enabled": "yes",
        "allow_same_disk": "yes",
    })
    assert answer.status == 303, answer.text[:2000]
    answer = admin.post("/admin/backup/targets", {
        "name": "nas", "kind": "sftp", "host": "nas.lan", "user": "backup", "path": "linerec",
        "enabled": "yes", "secret_password": "web-Secret-991",
    })
    assert answer.status == 303, answer.text[:2000]
    page = admin.get("/admin/backup")
    assert "usb" in page.text and "sftp backup@nas.lan:linerec" in page.text
    assert "web-Secret-991" not in page.text
    assert "web-Secret-991" not in (box.data_dir / "config.json").read_text()
    audit = box.deps.store.connection().execute(
        "SELECT action, target, detail FROM audit_log").fetchall()
    (secrets,) = [row[2] for row in audit if row[:2] == ("settings_changed", "backup target nas")
                  and "secrets_set" in row[2]]
    assert describe(Translator("en"), secrets) == "Secrets set: password"
    assert not [row for row in audit if "web-Secret-991" in " ".join(row)]
    # A form with a mistake: the field says what is wrong.
    bad = admin.post("/admin/backup/targets", {"name": "Bad Name", "kind": "usb", "path": "x"})
    assert bad.status == 400 and "field-problem" in bad.text

    tested = admin.post("/admin/backup/targets/usb/test", {})
    assert tested.status == 200 and "Connection to usb works." in tested.text
    failed = admin.post("/admin/backup/targets/nas/test", {})
    assert "Connection to nas failed." in failed.text and "web-Secret-991" not in failed.text

    asked = admin.post("/admin/backup/targets/usb/run", {})
    assert asked.status == 303
    assert ledger.requests(box.deps.store).keys() == {"usb"}
    assert "Asked for, waiting for the engine" in admin.get("/admin/backup?asked=usb").text

    add_recordings(box.data_dir, 2, 0.5)
    report = back_up(box.deps.folder, ConfigStore(box.data_dir).load(), "usb", store=box.deps.store)
    assert report.recordings_marked == 2
    page = admin.get("/admin/backup")
    assert "Verified in the target" in page.text and "SHA-256 of each copy" in page.text
    recording = box.deps.store.recordings()[0]
    assert "Backed up off the box" in admin.get(f"/recordings/{recording.id}").text

    schedule = admin.post("/admin/backup", {"enabled": "yes", "every": "hours", "at": "02:00",
                                            "hours": "4"})
    assert schedule.status == 303
    assert ConfigStore(box.data_dir).load().device.backup.schedule.hours == 4
    removed = admin.post("/admin/backup/targets/nas/delete", {})
    assert removed.status == 303
    assert "[nas]" not in (box.data_dir / "offsite" / "rclone.conf").read_text()

    # The archive, for auditors: the box in the target, and its recordings.
    auditor = box.signed_in("auditor")
    listing = auditor.get("/archive")
    assert listing.status == 200 and report.box_id in listing.text
    found = auditor.get("/archive?target=usb&number=13912345678")
    assert len(re.findall(r"<code>lr-[0-9a-f]+</code>", found.text)) == 3  # box list + 2 rows
    assert box.signed_in("clerk").get("/archive").status == 403
    assert box.signed_in("clerk").get("/admin/backup").status == 403

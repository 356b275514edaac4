"""Retention and legal hold on the web: the Storage settings and figures, each line's age
limit, protecting and releasing (who may, and the audit log), and how a recording that
retention deleted looks everywhere it used to show."""

from __future__ import annotations

import io
import json
import re
import zipfile

import pytest

from firmware.store.audit import parse_detail
from firmware.store.crm import CustomerNumber
from firmware.store.legal_hold import Actor, LegalHold
from firmware.store.retention import DAY_S, DiskSpace, RetentionPolicy, carry_out, plan, run_round
from firmware.store.scopes import EVERYTHING
from firmware.store.storage_usage import size_text
from tests.calls_box import T0, make_office
from webui.audit_text import describe
from webui.i18n import Translator
from webui.pages import storage_settings

pytestmark = pytest.mark.usefixtures("quick_passwords")

GB = 2**30
MB = 2**20
NOW = T0 + 3 * DAY_S + 3600  # three days after the office's calls


@pytest.fixture
def office(tmp_path, monkeypatch):
    made = make_office(tmp_path)
    made.deps.clock = lambda: NOW
    # A disk of 100 GB with 50 GB free, whatever the test machine has.
    monkeypatch.setattr(storage_settings.DiskSpace, "of",
                        classmethod(lambda cls, path: DiskSpace(100 * GB, 50 * GB)))
    yield made
    made.box.close()


def field_problems(page) -> list[str]:
    return re.findall(r'class="field-problem">([^<]*)<', page.text)


def delete_by_retention(office, *recording_ids: int) -> None:
    """Have retention delete these recordings, and only these (by their line's age limit
    of one day)."""
    store, root = office.deps.store, office.deps.folder.recordings
    disk = DiskSpace(100 * GB, 50 * GB)
    for recording_id in recording_ids:
        line = store.recording(recording_id).line
        planned = plan(store, root, RetentionPolicy(keep_days=((line, 1),)), disk, NOW)
        chosen = [item for item in planned.deletions if item.recording_id == recording_id]
        assert [item.recording_id for item in carry_out(store, root, chosen, NOW).deleted] == [
            recording_id]


# ---- Settings, Storage -------------------------------------------------------------------


def test_only_admins_reach_the_storage_page(office):
    assert office.signed_in("aud").get("/admin/storage").status == 403
    assert office.signed_in("ana").post("/admin/storage", {"min_free_percent": "5"}).status == 403
    assert office.signed_in("adm").get("/admin/storage").status == 200
    nav = office.signed_in("boss").get("/admin").text
    assert 'href="/admin/storage"' in nav


@pytest.mark.parametrize(
    ("form", "expected"),
    [
        ({"min_free_percent": "95", "min_free_gb": "0"}, "95.0 is outside 0 to 90."),
        ({"min_free_percent": "ten", "min_free_gb": "0"}, "Write a number."),
        ({"min_free_percent": "10", "min_free_gb": "-1"}, "-1.0 is outside 0 to 100000."),
    ],
)
def test_storage_settings_are_checked_beside_their_field_and_nothing_is_saved(office, form,
                                                                             expected):
    before = office.deps.config_store.path.read_bytes()
    answer = office.signed_in("boss").post("/admin/storage", {"enabled": "yes", **form})
    assert answer.status == 400
    assert expected in field_problems(answer), field_problems(answer)
    assert office.deps.config_store.path.read_bytes() == before


def test_keeping_nothing_free_is_refused_with_a_reason_in_chinese_too(office):
    boss = office.signed_in("boss")
    answer = boss.post("/admin/storage", {"enabled": "yes", "min_free_percent": "0",
                                          "min_free_gb": "0"})
    assert answer.status == 400
    assert "Keep some space free (in % or in GB), or turn retention off." in answer.text
    office.deps.accounts.update_user(office.ids["boss"], language="zh-CN")
    answer = boss.post("/admin/storage", {"enabled": "yes", "min_free_percent": "0",
                                          "min_free_gb": "0"})
    assert "请保留一些可用空间" in answer.text


def test_saving_storage_settings_applies_them_logs_them_and_keeps_the_device_settings(office):
    boss = office.signed_in("boss")
    boss.get("/admin/storage")
    answer = boss.post("/admin/storage", {"enabled": "yes", "min_free_percent": "15",
                                          "min_free_gb": "2.5", "keep_until_backed_up": "yes"})
    assert answer.status == 303 and "done=offline" in answer.location
    retention = office.deps.config().device.retention
    assert (retention.min_free_percent, retention.min_free_gb,
            retention.keep_until_backed_up) == (15.0, 2.5, True)
    entry = office.deps.audit.entries(action="settings_changed")[0]
    assert ["retention.min_free_percent", 10.0, 15.0] in parse_detail(entry.detail)["changes"]
    assert "Keep free (%): 10 → 15" in describe(Translator("en"), entry.detail)
    # The device page saves its own fields and leaves retention as it is.
    assert boss.post("/admin/device", {"country": "CN", "no_record": "95588"}).status == 303
    assert office.deps.config().device.retention == retention
    assert office.deps.config().device.no_record == ["95588"]


def test_a_lines_age_limit_is_set_and_checked_on_the_lines_page(office):
    boss = office.signed_in("boss")
    page = boss.get("/admin/lines/2")
    assert 'name="keep_days" value="0"' in page.text
    form = {"name": "Sales", "mode": "auto", "encoding": "alaw", "vox_threshold": "-45",
            "vox_hangover": "3000", "vox_preroll": "500", "audio": "sim:", "signals": "sim:",
            "playback": "null:", "modem": "", "enabled": "yes"}
    bad = boss.post("/admin/lines/2", {**form, "keep_days": "-3"})
    assert bad.status == 400 and "-3 is outside 0 to 36500." in field_problems(bad)
    assert boss.post("/admin/lines/2", {**form, "keep_days": "90"}).status == 303
    assert office.deps.config().lines[1].recording.keep_days == 90
    storage = boss.get("/admin/storage").text
    assert 'href="/admin/lines/2">Line 2</a>: recordings kept 90 days' in storage


def test_the_storage_page_shows_the_disk_the_recordings_and_when_retention_starts(
    office, monkeypatch
):
    store = office.deps.store
    recordings = store.recordings()
    total = sum(row.samples for row in recordings)  # A-law: a byte a sample
    page = office.signed_in("boss").get("/admin/storage").text
    assert "100 GB" in page and "50.0 GB (50 %)" in page  # size, free
    assert "Kept free by retention" in page and "10.0 GB" in page
    assert "not for more than ten years at this rate" in page  # 40 GB at a few kB a day
    # A disk of 100 MB with 50 MB free: the office's rate fills 40 MB in a few years.
    monkeypatch.setattr(storage_settings.DiskSpace, "of",
                        classmethod(lambda cls, path: DiskSpace(100 * MB, 50 * MB)))
    page = office.signed_in("boss").get("/admin/storage").text
    assert f"{len(recordings)} recordings, about {size_text(total)}" in page
    assert "1 Jan 2026, 08:" in page  # the oldest kept, in the box's local time
    per_day = total / 7
    assert f"{size_text(per_day)} (average of the last 7 days)" in page
    days = (50 * MB - 10 * MB) / per_day
    assert f"in about {days:,.0f} days" in page
    # Each of the last seven local days, the calls' day among them.
    rows = re.findall(r"<tr><td>(\d+ \w+ \d{4})</td><td class=\"numeric\">([^<]+)</td>", page)
    assert len(rows) == 7 and ("1 Jan 2026", size_text(total)) in rows
    assert "Retention has deleted nothing yet." in page
    assert "0 recordings" in page  # none under legal hold


def test_with_retention_off_the_page_says_never_and_when_the_disk_fills(office, monkeypatch):
    monkeypatch.setattr(storage_settings.DiskSpace, "of",
                        classmethod(lambda cls, path: DiskSpace(100 * MB, 50 * MB)))
    office.deps.config_store.set_device(retention={"enabled": False, "min_free_percent": 10,
                                                   "min_free_gb": 0,
                                                   "keep_until_backed_up": False})
    page = office.signed_in("boss").get("/admin/storage").text
    assert "Never: retention is off." in page
    assert "At this rate the disk is full in about" in page and "then recordings stop" in page


def test_the_storage_page_lists_the_last_deletions_and_what_blocks_retention(office,
                                                                            monkeypatch):
    victim = office.recording_of_line(3)
    delete_by_retention(office, victim)
    monkeypatch.setattr(storage_settings.DiskSpace, "of",
                        classmethod(lambda cls, path: DiskSpace(100 * GB, 1 * GB)))
    holds = LegalHold(office.deps.store)
    for row in office.deps.store.recordings():
        holds.set_recording(row.id, True, Actor("boss"))
    held = len(office.deps.store.recordings())
    page = office.signed_in("boss").get("/admin/storage").text
    assert f'<a href="/recordings/{victim}">' in page
    assert "older than 1 day (line 3)" in page
    assert (f"retention may delete nothing more: {held} recordings are under legal hold and 0 "
            "are not backed up yet") in page
    assert "Now: free space is below the target" in page


# ---- legal hold ------------------------------------------------------------------------------


def test_an_auditor_protects_a_recording_and_its_call_and_it_is_audited(office):
    recording = office.recording_of_line(1)
    call_id = office.deps.store.recording(recording).call_id
    auditor = office.signed_in("aud")
    page = auditor.get(f"/recordings/{recording}")
    assert "Protect this recording" in page.text and "Protect the whole call" in page.text
    answer = auditor.post(f"/recordings/{recording}/hold", {"what": "recording", "on": "yes"})
    assert answer.status == 303 and answer.location.endswith("?hold=on")
    shown = auditor.get(answer.location).text
    assert "Protected (legal hold)" in shown and "this recording" in shown
    assert "Remove protection of this recording" in shown
    assert auditor.post(f"/recordings/{recording}/hold",
                        {"what": "call", "on": "yes"}).status == 303
    assert "its whole call" in auditor.get(f"/recordings/{recording}").text
    listed = auditor.get("/recordings?line=1").text
    assert re.search(rf'data-recording="{recording}">.*?badge protected', listed, re.S)
    auditor.post(f"/recordings/{recording}/hold", {"what": "recording", "on": "no"})
    entries = [(e.action, e.target, e.username) for e in reversed(office.deps.audit.entries())
               if e.action in ("protected", "unprotected")]
    assert entries == [("protected", f"recording {recording}", "aud"),
                       ("protected", f"call {call_id}", "aud"),
                       ("unprotected", f"recording {recording}", "aud")]
    assert office.deps.audit.entries(action="protected")[0].address == "192.0.2.10"


def test_protecting_is_refused_without_audit_or_admin_or_outside_ones_lines(office):
    on_line_1 = office.recording_of_line(1)
    on_line_4 = office.recording_of_line(4)
    ana = office.signed_in("ana")  # listens to line 1, no audit
    assert "Protect this recording" not in ana.get(f"/recordings/{on_line_1}").text
    assert ana.post(f"/recordings/{on_line_1}/hold",
                    {"what": "recording", "on": "yes"}).status == 403
    adm = office.signed_in("adm")  # an admin who sees line 4 only
    assert adm.post(f"/recordings/{on_line_1}/hold",
                    {"what": "recording", "on": "yes"}).status == 404
    assert adm.post(f"/recordings/{on_line_4}/hold",
                    {"what": "recording", "on": "yes"}).status == 303
    auditor = office.signed_in("aud")
    assert auditor.post(f"/recordings/{on_line_1}/hold", {"what": "recording", "on": "yes"},
                        csrf="forged").status == 403
    assert auditor.post(f"/recordings/{on_line_1}/hold",
                        {"what": "everything", "on": "yes"}).status == 400
    assert [e.target for e in office.deps.audit.entries(action="protected")] == [
        f"recording {on_line_4}"]


def test_a_customer_is_protected_from_their_page_and_their_recordings_with_them(office):
    boss = office.signed_in("boss")
    customer = next(c for c in office.deps.customers.search(EVERYTHING)
                    if c.name == "Customer of ana")
    page = boss.get(f"/customers/{customer.id}").text
    assert "Protect the recordings of this customer" in page
    answer = boss.post(f"/customers/{customer.id}/hold", {"on": "yes"})
    assert answer.status == 303 and answer.location.endswith("done=held")
    shown = boss.get(answer.location).text
    assert "Protected (legal hold)" in shown and "Remove protection of this customer" in shown
    first_call = office.calls[1][0]  # the customer's number
    recording = office.recordings[first_call]
    assert f"customer {customer.name}" in boss.get(f"/recordings/{recording}").text
    (entry,) = office.deps.audit.entries(action="protected")
    assert (entry.target, entry.detail, entry.username) == (f"customer {customer.id}",
                                                            "Customer of ana", "boss")
    # ana sees her customer but may not hold it.
    ana = office.signed_in("ana")
    assert "Protect the recordings" not in ana.get(f"/customers/{customer.id}").text
    assert ana.post(f"/customers/{customer.id}/hold", {"on": "no"}).status == 403
    assert office.deps.audit.entries(action="unprotected") == []


# ---- a recording retention deleted ---------------------------------------------------------


def test_a_deleted_recordings_page_says_when_and_why_without_player_or_download(office):
    recording = office.recording_of_line(1)
    delete_by_retention(office, recording)
    auditor = office.signed_in("aud")
    page = auditor.get(f"/recordings/{recording}").text
    assert "Deleted by retention on 4 Jan 2026, 09:00: older than 1 day (line 1)." in page
    assert "<audio" not in page and "/download" not in page
    assert "Protect this recording" not in page and "Protect the whole call" in page
    gone = auditor.get(f"/recordings/{recording}/audio")
    assert gone.status == 410 and "deleted by retention" in gone.text
    assert auditor.get(f"/recordings/{recording}/download").status == 410
    verdict = auditor.get(f"/recordings/{recording}/verify",
                          headers={"Accept": "application/json"}).json()
    assert verdict["verdict"] == "deleted" and verdict["reason"] == "older than 1 day (line 1)"
    assert "Retention deleted the file: there is nothing to check." in auditor.get(
        f"/recordings/{recording}/verify").text
    refused = auditor.post(f"/recordings/{recording}/hold", {"what": "recording", "on": "yes"})
    assert refused.status == 409
    chinese = office.signed_in("boss")
    office.deps.accounts.update_user(office.ids["boss"], language="zh-CN")
    assert "超过 1 天（线路 1）" in chinese.get(f"/recordings/{recording}").text
    audit = auditor.get("/audit?action=retention_deleted").text
    assert "the box itself" in audit and f'href="/recordings/{recording}"' in audit


def test_lists_and_links_leave_deleted_recordings_out(office):
    recording = office.recording_of_line(1)
    call_id = office.deps.store.recording(recording).call_id
    kept = {office.recordings[c] for c in office.calls[1] if c in office.recordings} - {recording}
    delete_by_retention(office, recording)
    boss = office.signed_in("boss")
    listed = set(map(int, re.findall(r'data-recording="(\d+)"', boss.get("/recordings").text)))
    assert recording not in listed and kept <= listed
    number = office.deps.store.call(call_id).number  # each call of the office has its own
    recorded = boss.get("/calls?line=1&recorded=yes").text
    assert f'href="/recordings/{recording}"' not in recorded and number not in recorded
    assert f'href="/recordings/{min(kept)}"' in recorded
    assert number in boss.get("/calls?line=1&recorded=no").text
    customer = next(c for c in office.deps.customers.search(EVERYTHING)
                    if c.name == "Customer of ana")
    assert f'href="/recordings/{recording}"' not in boss.get(f"/customers/{customer.id}").text
    # The pop card of a new call from the same number lists the old call, without it.
    call = office.deps.store.call(call_id)
    again = office.deps.store.start_call(1, "in", started_at=NOW, number=call.number,
                                         number_e164=call.number_e164)
    card = boss.get(f"/pop/{again}").text
    assert "Recent calls" in card and f'href="/recordings/{recording}"' not in card
    # An export packs the kept ones and names the deleted one in its manifest.
    auditor = office.signed_in("aud")
    auditor.get("/recordings?line=1")
    answer = auditor.post("/recordings/export?line=1")
    archive = zipfile.ZipFile(io.BytesIO(answer.body))
    manifest = json.loads(archive.read("manifest.json"))
    assert {entry["recording_id"] for entry in manifest["recordings"]} == kept
    (deleted,) = manifest["deleted"]
    assert deleted["recording_id"] == recording and deleted["reason"].startswith("older than")
    assert deleted["deleted_at"].endswith("+08:00")
    assert not any(recording == entry["recording_id"] for entry in manifest["recordings"])


def test_a_customers_number_added_later_protects_their_earlier_calls_too(office):
    line_2_call = office.calls[2][0]
    number = office.deps.store.call(line_2_call).number_e164
    customer = office.deps.customers.create(
        {"name": "Later"}, [CustomerNumber(number, number)], added_by=office.ids["boss"])
    LegalHold(office.deps.store).set_customer(customer, True, Actor("boss"))
    recording = office.recordings[line_2_call]
    policy = RetentionPolicy(keep_days=((2, 1),))
    _, outcome = run_round(office.deps.store, office.deps.folder.recordings, policy,
                           DiskSpace(100 * GB, 50 * GB), NOW)
    assert outcome.deleted and recording not in {item.recording_id for item in outcome.deleted}

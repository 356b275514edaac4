"""Voicemail's settings on a line's page, and Settings → E-mail: saved, checked field by
field, the mail password kept out of the configuration and the audit log."""

from __future__ import annotations

import re

import pytest

from firmware.config import ConfigStore
from firmware.engine.mailer import read_password
from tests.test_web_settings import box, field_problems, line_form  # noqa: F401 - fixture

pytestmark = pytest.mark.usefixtures("quick_passwords")

EMAIL = {"host": "smtp.office.example", "port": "587", "tls": "starttls", "user": "box",
         "password": "", "sender": "linerec@office.example",
         "recipients": "boss@office.example, desk@office.example"}


def test_a_lines_voicemail_is_set_on_its_page(box):  # noqa: F811
    form = line_form(vm_enabled="yes", vm_rings="4", vm_max="90", vm_silence="6",
                     vm_greeting="voicemail_greeting", vm_groups="VIP，Suppliers")
    form += [("vmwindow-0-days", "sat"), ("vmwindow-0-start", "00:00"),
             ("vmwindow-0-end", "23:59")]
    assert box.client.post("/admin/lines/1", form).status == 303
    voicemail = ConfigStore(box.data_dir).load().lines[0].voicemail
    assert (voicemail.enabled, voicemail.rings, voicemail.max_s, voicemail.silence_s) == (
        True, 4, 90, 6)
    assert voicemail.groups == ["VIP", "Suppliers"]
    assert [w.days for w in voicemail.schedule] == [["sat"]]
    page = box.client.get("/admin/lines/1").text
    assert 'name="vm_enabled" value="yes" checked' in page and 'value="VIP, Suppliers"' in page


def test_a_lines_voicemail_age_limit_is_set_on_its_page_and_shown_on_storage(box):  # noqa: F811
    page = box.client.get("/admin/lines/1").text
    assert 'name="vm_keep_days" value="0"' in page
    assert 'name="vm_delete_unheard" value="yes">' in page  # unticked: unheard ones stay
    assert box.client.post("/admin/lines/1", line_form(vm_keep_days="30")).status == 303
    voicemail = ConfigStore(box.data_dir).load().lines[0].voicemail
    assert (voicemail.keep_days, voicemail.keep_unheard) == (30, True)
    storage = box.client.get("/admin/storage").text
    assert 'href="/admin/lines/1">Line 1</a>: heard voicemail messages kept 30 days' in storage
    form = line_form(vm_keep_days="7", vm_delete_unheard="yes")
    assert box.client.post("/admin/lines/1", form).status == 303
    voicemail = ConfigStore(box.data_dir).load().lines[0].voicemail
    assert (voicemail.keep_days, voicemail.keep_unheard) == (7, False)
    assert 'name="vm_delete_unheard" value="yes" checked' in box.client.get("/admin/lines/1").text
    assert "Line 1</a>: voicemail messages kept 7 days" in box.client.get("/admin/storage").text


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"vm_keep_days": "-1"}, "-1 is outside 0 to 36500."),
        ({"vm_rings": "0"}, "0 is outside 1 to 20."),
        ({"vm_rings": "many"}, "Write a number."),
        ({"vm_max": "5000"}, "5000 is outside 10 to 600."),
        ({"vm_greeting": "../etc"}, "is not a prompt&#039;s key"),
    ],
)
def test_bad_voicemail_settings_are_shown_beside_their_field(box, changes, expected):  # noqa: F811
    before = box.deps.config_store.path.read_bytes()
    answer = box.client.post("/admin/lines/1", line_form(**changes))
    assert answer.status == 400
    assert any(expected in problem for problem in field_problems(answer)), field_problems(answer)
    assert box.deps.config_store.path.read_bytes() == before


def test_the_mail_server_is_saved_and_its_password_kept_apart(box):  # noqa: F811
    answer = box.client.post("/admin/email", {**EMAIL, "password": "hunter2"})
    assert answer.status == 303
    smtp = ConfigStore(box.data_dir).load().device.smtp
    assert smtp.host == "smtp.office.example" and smtp.recipients == [
        "boss@office.example", "desk@office.example"]
    assert read_password(box.deps.folder) == "hunter2"
    assert "hunter2" not in box.deps.config_store.path.read_text()
    page = box.client.get("/admin/email").text
    assert "hunter2" not in page and "Kept; type to change" in page
    # A blank password keeps it; the box removes it.
    box.client.post("/admin/email", EMAIL)
    assert read_password(box.deps.folder) == "hunter2"
    box.client.post("/admin/email", {**EMAIL, "remove_password": "yes"})
    assert read_password(box.deps.folder) == ""
    for entry in box.deps.audit.entries(action="settings_changed"):
        assert "hunter2" not in entry.detail


@pytest.mark.parametrize(
    ("changes", "field", "expected"),
    [
        ({"sender": "nobody"}, "sender", "is not an e-mail address."),
        ({"recipients": "boss"}, "recipients", "are not e-mail addresses."),
        ({"recipients": ""}, None, "A mail server needs at least one recipient."),
        ({"port": "smtp"}, "port", "Write a number."),
        ({"port": "70000"}, "port", "70000 is outside 1 to 65535."),
        ({"host": "bad host!"}, "host", "is not a host name or address."),
        ({"password": "a\nb"}, "password", "one line"),
    ],
)
def test_bad_mail_settings_get_one_line_each(box, changes, field, expected):  # noqa: F811
    answer = box.client.post("/admin/email", {**EMAIL, **changes})
    assert answer.status == 400
    shown = field_problems(answer) + re.findall(r'role="alert">([^<]*)<', answer.text)
    assert any(expected in problem for problem in shown), shown
    assert "Traceback" not in answer.text


def test_only_an_admin_sets_the_mail_server(box):  # noqa: F811
    boss = box.client
    del box.client  # the fixture's signed-in client hides WebBox.client
    ana = box.signed_in("ana")
    box.client = boss
    assert ana.get("/admin/email").status == 403
    assert ana.post("/admin/email", EMAIL).status == 403
    assert box.client.post("/admin/email", EMAIL, csrf="forged").status == 403

"""The call firewall's page: who may see and change what (checked on the server), the lists
and rules with one-line errors, approval of operators' changes by their leader, block this
caller from the call log, the call log's blocked calls, Excel in and out, every change
audited and passed to the engine, both languages complete."""

from __future__ import annotations

import io
import re

import numpy as np
import pytest
import soundfile
from openpyxl import load_workbook

from firmware.link import contract
from firmware.prompts.errors import PromptError
from firmware.store import firewall as store_firewall
from firmware.store.firewall import Actor, Firewall, ListEntry
from tests.calls_box import make_office
from tests.test_web_customer_sheets import multipart, workbook_bytes
from webui import audit_text
from webui.audit_text import describe
from webui.i18n import Translator
from webui.messages_zh import ZH
from webui.pages import firewall as page
from webui.pages import firewall_sheets

EN = Translator("en")


@pytest.fixture
def office(tmp_path, monkeypatch):
    made = make_office(tmp_path, calls_per_line=3)
    accounts = made.deps.accounts
    sales = accounts.user(made.ids["ana"]).group_id
    accounts.update_user(made.ids["ana"], permissions={"firewall", "customers_view", "pop"})
    accounts.update_user(made.ids["lea"], permissions={"firewall"})
    made.ids["bob"] = made.box.add_user("bob", permissions={"firewall"}, group_id=sales,
                                        lines=frozenset({2}), language="en")
    made.sent = []  # the commands the web sent the engine

    def command(sent, timeout=5.0):
        made.sent.append(sent)
        return contract.FirewallReply()

    monkeypatch.setattr(made.deps.engine, "command", command)
    yield made
    made.box.close()


def firewall(office) -> Firewall:
    return Firewall(office.deps.store)


def numbers(office, list_name=None) -> list[str]:
    return sorted(entry.number for entry in firewall(office).entries(list_name))


def problem_of(answer) -> str:
    found = re.search(r'<p class="problem" role="alert">(.*?)</p>', answer.text, re.S)
    return found.group(1).strip() if found else ""


def test_who_may_see_and_change_what(office):
    for name in ("ben", "cai", "nol"):  # no firewall flag, no admin
        client = office.signed_in(name)
        assert 'href="/firewall"' not in client.get("/live").text
        assert client.get("/firewall").status == 403
        assert client.get("/firewall.xlsx").status == 403
        assert client.post("/firewall/numbers", {"number": "13800138000"}).status == 403
    ana = office.signed_in("ana")
    assert 'href="/firewall"' in ana.get("/live").text
    page_text = ana.get("/firewall").text
    assert 'action="/firewall/numbers"' in page_text and "/firewall/rules/new" not in page_text
    assert ana.post("/firewall/rules", {"kind": "prefix", "prefix": "1"}).status == 403
    assert ana.get("/firewall/rules/new").status == 403
    assert ana.post("/firewall/settings", {"approval": "yes"}).status == 403
    adm = office.signed_in("adm")  # the admin flag alone: the rules and the switch
    assert "/firewall/rules/new" in adm.get("/firewall").text
    # Without the CSRF token nothing changes.
    assert ana.post("/firewall/numbers", {"number": "13800138000"}, csrf="forged").status == 403
    assert numbers(office) == []


def test_numbers_are_listed_in_e164_with_one_line_errors_audited_and_sent_to_the_engine(office):
    boss = office.signed_in("boss")
    answer = boss.post("/firewall/numbers", {"list": "black", "number": "138 0013 8000",
                                             "note": "sales calls"})
    assert answer.status == 303 and "done=added" in answer.location
    assert numbers(office, "black") == ["+8613800138000"]
    assert office.sent == [contract.ReloadFirewallCommand()]
    for form, problem in (
        ({"list": "red", "number": "13800138000"}, "+8613800138000 is on the black list already."),
        ({"list": "black", "number": "call me"}, "is not a phone number"),
        ({"list": "grey", "number": "13900139000"}, "Choose the black or the red list."),
        ({"list": "black", "number": "13900139000", "action": "message"},
         "Answering with a message needs the message&#039;s prompt."),
        ({"list": "black", "number": "13900139000", "expires": "soon"},
         "soon is not a date (YYYY-MM-DD)."),
        ({"list": "black", "number": "13900139000", "note": "x" * 300},
         "A note is at most 200 characters."),
    ):
        answer = boss.post("/firewall/numbers", form)
        assert answer.status == 400, form
        assert problem in problem_of(answer) and "\n" not in problem_of(answer), form
        assert "Traceback" not in answer.text
    assert len(office.sent) == 1 and numbers(office) == ["+8613800138000"]
    (added,) = office.deps.audit.entries(action="firewall_entry_added")
    assert describe(EN, added.detail) == (
        "List: Black list; Number: +8613800138000; Note: sales calls; "
        "Action: Reject: answer and hang up")
    # Changed and taken off, audited each time; the page shows the entry meanwhile.
    entry = firewall(office).entries()[0]
    assert "sales calls" in boss.get("/firewall?list=black&q=0013").text
    go_away = str(spoken_prompt(office, "Go away").id)
    unknown = boss.post(f"/firewall/numbers/{entry.id}", {
        "note": "sales", "action": "message", "prompt": "9999", "expires": "2026-02-01"})
    assert unknown.status == 400 and "Choose a prompt of the list." in unknown.text
    assert f'<option value="{go_away}">Go away</option>' in boss.get(
        f"/firewall/numbers/{entry.id}").text
    answer = boss.post(f"/firewall/numbers/{entry.id}", {
        "note": "sales", "action": "message", "prompt": go_away, "expires": "2026-02-01"})
    assert answer.status == 303
    assert firewall(office).entry(entry.id).message_prompt == go_away
    assert "Go away" in boss.get("/firewall?list=black").text  # its name, not its id
    with pytest.raises(PromptError, match="call firewall's message"):
        office.deps.prompts.delete(int(go_away), user="adm")
    changed = describe(EN, office.deps.audit.entries(action="firewall_entry_changed")[0].detail)
    assert "Action: Reject: answer and hang up → Answer with a message" in changed
    assert boss.post(f"/firewall/numbers/{entry.id}/delete", {}).status == 303
    assert numbers(office) == [] and office.deps.audit.entries(action="firewall_entry_removed")
    assert len(office.sent) == 3
    assert boss.get(f"/firewall/numbers/{entry.id}").status == 404
    assert boss.post(f"/firewall/numbers/{entry.id}/delete", {}).status == 404


def spoken_prompt(office, name: str):
    """A prompt of the library (a short tone, uploaded as a WAV)."""
    buffer = io.BytesIO()
    tone = 0.3 * np.sin(2 * np.pi * 440 * np.arange(4000) / 8000)
    soundfile.write(buffer, tone, 8000, format="WAV", subtype="PCM_16")
    return office.deps.prompts.add_upload(name, buffer.getvalue(), f"{name}.wav", user="adm")


def test_errors_read_in_chinese_too(office):
    office.deps.accounts.update_user(office.ids["boss"], language="zh-CN")
    boss = office.signed_in("boss")
    answer = boss.post("/firewall/numbers", {"list": "black", "number": "abc"})
    assert problem_of(answer) == "abc 不是电话号码（3 到 32 位数字，可以 + 开头）。"
    answer = boss.post("/firewall/rules", {"kind": "location", "action": "reject"})
    assert problem_of(answer) == "归属地规则需要填写省份或城市。"
    assert "来电防火墙" in boss.get("/firewall").text


def test_rules_are_the_admins_kept_in_order_with_their_errors(office):
    adm = office.signed_in("adm")
    assert adm.post("/firewall/rules", {"kind": "prefix", "prefix": "0898", "action": "reject",
                                        "enabled": "yes"}).status == 303
    closed = str(spoken_prompt(office, "Closed").id)
    night = {"kind": "time", "action": "message", "prompt": closed, "enabled": "yes",
             "window-0-days": ["mon", "tue"], "window-0-start": "18:00",
             "window-0-end": "08:00"}
    form = [(key, day) for key, value in night.items()
            for day in (value if isinstance(value, list) else [value])]
    assert adm.post("/firewall/rules", form).status == 303
    first, second = firewall(office).rules()
    assert second.key == f"time:{second.id}" and second.message_prompt == closed
    shown = adm.get("/firewall").text
    assert "Numbers starting with 0898" in shown and "Every caller: Mon/Tue 18:00–08:00" in shown
    for bad, problem in (
        ({"kind": "prefix", "prefix": "08x", "action": "reject"}, "08x is not a prefix"),
        ({"kind": "withheld", "action": "reject"}, "A withheld rule needs one or more"),
        ({"kind": "time", "action": "reject", "window-0-days": "mon",
          "window-0-start": "25:00", "window-0-end": "08:00"}, "25:00 is not a time HH:MM"),
        ({"kind": "robot", "action": "reject"}, "Choose the kind of rule."),
    ):
        answer = adm.post("/firewall/rules", bad)
        assert answer.status == 400 and problem in problem_of(answer), bad
    assert adm.post(f"/firewall/rules/{second.id}/move", {"direction": "up"}).status == 303
    assert [r.id for r in firewall(office).rules()] == [second.id, first.id]
    assert adm.post(f"/firewall/rules/{second.id}/move", {"direction": "left"}).status == 400
    answer = adm.post(f"/firewall/rules/{first.id}", [
        ("kind", "withheld"), ("reason", "P"), ("reason", "none"), ("action", "reject")])
    assert answer.status == 303
    assert firewall(office).rule(first.id).key == "withheld:P,none"
    assert not firewall(office).rule(first.id).enabled
    assert adm.post(f"/firewall/rules/{first.id}/delete", {}).status == 303
    assert adm.post("/firewall/rules/999/delete", {}).status == 404
    assert adm.get("/firewall/rules/999").status == 404
    actions = {entry.action for entry in office.deps.audit.entries()}
    assert {"firewall_rule_added", "firewall_rule_changed", "firewall_rule_removed"} <= actions
    assert len(office.sent) == 5


def test_an_operators_changes_wait_for_a_leader_of_their_group(office):
    adm = office.signed_in("adm")
    assert adm.post("/firewall/settings", {"approval": "yes"}).status == 303
    assert office.deps.config().device.firewall.approval
    (switched,) = office.deps.audit.entries(action="settings_changed")
    assert describe(EN, switched.detail) == "Operators' changes need approval: no → yes"
    ana = office.signed_in("ana")
    answer = ana.post("/firewall/numbers", {"list": "black", "number": "13800138000"})
    assert "done=filed" in answer.location and numbers(office) == []
    assert office.sent == []  # nothing changed yet
    assert "Your changes waiting for approval" in ana.get("/firewall").text
    (change,) = firewall(office).pending()
    # Only a leader of ana's group with the flag (lea), or a super user, decides.
    assert ana.post(f"/firewall/pending/{change.id}", {"decision": "approve"}).status == 404
    assert office.signed_in("bob").post(f"/firewall/pending/{change.id}",
                                        {"decision": "approve"}).status == 404
    lea = office.signed_in("lea")
    live = lea.get("/live").text
    assert re.search(r'href="/firewall"[^>]*>Firewall<span class="count-badge"[^>]*>1</span>', live)
    assert lea.post(f"/firewall/pending/{change.id}", {"decision": "maybe"}).status == 400
    answer = lea.post(f"/firewall/pending/{change.id}", {"decision": "approve"})
    assert answer.status == 303 and "done=approved" in answer.location
    assert numbers(office) == ["+8613800138000"] and len(office.sent) == 1
    assert firewall(office).entries()[0].added_by_name == "ana"
    answer = lea.post(f"/firewall/pending/{change.id}", {"decision": "refuse"})
    assert answer.status == 409 and problem_of(answer) == "That change was approved already."
    # A removal is filed too, and refused.
    entry = firewall(office).entries()[0]
    ana.post(f"/firewall/numbers/{entry.id}/delete", {})
    (removal,) = firewall(office).pending()
    boss = office.signed_in("boss")
    assert boss.post(f"/firewall/pending/{removal.id}", {"decision": "refuse"}).status == 303
    assert numbers(office) == ["+8613800138000"]
    actions = [e.action for e in office.deps.audit.entries() if e.action.startswith("firewall")]
    assert actions == ["firewall_change_refused", "firewall_change_filed",
                       "firewall_change_approved", "firewall_change_filed"]
    # An operator with the admin flag, and a leader, change the lists directly.
    assert "done=added" in lea.post("/firewall/numbers", {"list": "red",
                                                          "number": "13900139000"}).location


def test_block_this_caller_from_the_call_log_and_the_blocked_calls_there(office):
    ana = office.signed_in("ana")
    call = office.calls[1][0]
    page_text = ana.get(f"/calls/{call}").text
    assert f'action="/calls/{call}/block"' in page_text
    assert f'action="/calls/{call}/block"' not in office.signed_in("cai").get(
        f"/calls/{office.calls[3][0]}").text  # no firewall flag: no button
    answer = ana.post(f"/calls/{call}/block", {})
    assert answer.status == 303 and "done=blocked" in answer.location
    number = office.deps.store.call(call).number
    assert numbers(office, "black") == ["+86" + number]
    (entry,) = office.deps.audit.entries(action="firewall_entry_added")
    assert entry.target == f"call {call}" and entry.username == "ana"
    again = ana.post(f"/calls/{call}/block", {})
    assert again.status == 409 and "is on the black list already." in problem_of(again)
    assert ana.post(f"/calls/{office.calls[3][0]}/block", {}).status == 404  # not her line
    assert office.signed_in("cai").post(f"/calls/{office.calls[3][0]}/block", {}).status == 403
    # A blocked call shows its rule, and the log is filtered by it.
    store = office.deps.store
    blocked = store.start_call(1, "in", started_at=office.deps.clock(), number="089812345678")
    store.update_call(blocked, blocked_by="prefix:0898")
    store.end_call(blocked, "blocked")
    other = store.start_call(1, "in", started_at=office.deps.clock(), number="13800138000")
    store.update_call(other, blocked_by="black_list")
    store.end_call(other, "blocked")
    log = ana.get("/calls").text
    assert "Numbers starting with 0898" in log and 'name="blocked"' in log
    filtered = ana.get("/calls?blocked=prefix:0898").text
    assert f'data-call="{blocked}"' in filtered and f'data-call="{other}"' not in filtered
    assert "Blocked by" in ana.get(f"/calls/{blocked}").text
    assert "problem" in ana.get("/calls?blocked=%00bad").text


def test_the_lists_go_to_excel_and_come_back(office):
    boss = office.signed_in("boss")
    fw = firewall(office)
    fw.add(ListEntry(0, "black", "+8613800138000", "=cmd|' /C calc'!A0"), Actor("boss"))
    fw.add(ListEntry(0, "red", "+8613900139000", "the owner"), Actor("boss"))
    answer = boss.get("/firewall.xlsx")
    assert answer.status == 200
    rows = [list(row) for row in load_workbook(io.BytesIO(answer.body)).active.iter_rows(
        values_only=True)]
    assert rows[0][:6] == ["List", "Number", "Note", "Action", "Message prompt", "Expires"]
    # Text that starts like a formula (+, =) gets a leading ': the import takes it off.
    assert rows[1][:3] == ["Red list", "'+8613900139000", "the owner"]
    assert rows[2][2] == "'=cmd|' /C calc'!A0"  # a formula is text in a spreadsheet
    assert office.deps.audit.entries(action="firewall_exported")
    # Back into an empty box: the same entries.
    for entry in fw.entries():
        fw.remove(entry.id, Actor("boss"))
    answer = upload(boss, "lists.xlsx", answer.body)
    assert answer.status == 200 and "2 numbers were imported." in answer.text
    assert numbers(office) == ["+8613800138000", "+8613900139000"]
    assert fw.listed("+8613800138000").note == "=cmd|' /C calc'!A0"
    assert office.deps.audit.entries(action="firewall_imported")


def upload(client, filename: str, data: bytes):
    client.get("/firewall/import")
    body, headers = multipart(filename, data, client.csrf_token)
    return client.request("POST", "/firewall/import", body, headers)


def test_an_import_lists_each_bad_row_in_one_line_and_adds_the_rest_together(office):
    boss = office.signed_in("boss")
    firewall(office).add(ListEntry(0, "red", "+8613900139000"), Actor("boss"))
    data = workbook_bytes([
        ["名单", "号码", "备注", "操作"],
        ["黑名单", "13800138000", "spam", ""],
        ["Red list", "not a number", "", ""],
        ["black", "13900139000", "", ""],
        ["purple", "13700137000", "", ""],
        ["", "13600136000", "", "Answer with a message"],
        ["black", "13800138000", "twice", ""],
        ["", "", "", ""],
    ])
    answer = upload(boss, "lists.xlsx", data)
    assert answer.status == 200 and "1 number was imported." in answer.text
    reasons = re.findall(r"<tr><td>(\d+)</td><td class=\"wrap\">(.*?)</td></tr>", answer.text)
    assert reasons == [
        ("3", "not a number is not a phone number (3 to 32 digits, optional leading +)."),
        ("4", "+8613900139000 is on the red list already."),
        ("5", "Choose the black or the red list."),
        ("6", "Answering with a message needs the message&#039;s prompt."),
        ("7", "+8613800138000 is on the black list already."),
    ]
    assert numbers(office, "black") == ["+8613800138000"]
    # Broken and hostile files: one line saying what is wrong, nothing imported.
    for name, data, problem in (
        ("x.xlsx", b"PK\x03\x04 not really a zip", "The file is not an Excel workbook (.xlsx)."),
        ("x.xlsx", b"plain text", "The file is not an Excel workbook (.xlsx)."),
        ("x.csv", b"", "The file is empty."),
        ("x.xlsx", workbook_bytes([["Name", "Company"], ["a", "b"]]),
         "No sheet has a header row with a Number column (the lists) or a Kind column"),
        ("x.csv", "名字,公司\na,b\n".encode(),
         "The header row has no Number column; start from the template."),
        ("x.bin", b"\x00\xff\xfe\x00" * 10, "neither an Excel workbook nor a CSV text file"),
    ):
        answer = upload(boss, name, data)
        assert answer.status in (400, 413) and problem in problem_of(answer), (name, problem)
        assert "Traceback" not in answer.text
    assert numbers(office, "black") == ["+8613800138000"]
    assert boss.get("/firewall/import/template.xlsx").status == 200
    # An operator's import waits for approval, all rows together.
    office.deps.config_store.save(_with_approval(office))
    ana = office.signed_in("ana")
    answer = upload(ana, "lists.csv", b"Number,Note\n13500135000,a\n13400134000,b\n")
    assert "2 numbers wait for a leader&#039;s approval." in answer.text
    assert len(firewall(office).pending()) == 2 and numbers(office, "black") == ["+8613800138000"]


def _with_approval(office):
    from firmware.config import to_plain, validate  # noqa: PLC0415

    plain = to_plain(office.deps.config())
    plain["device"]["firewall"] = {"approval": True}
    return validate(plain)


def test_every_word_of_the_firewall_has_its_chinese():
    words = [*store_firewall.ERRORS, *page.NOTICES.values(), *page.LIST_NAMES.values(),
             *page.ACTION_NAMES.values(), *page.KIND_NAMES.values(),
             *page.REASON_NAMES.values(), *page.CHANGE_NAMES.values(),
             *(english for _, english in (*firewall_sheets.COLUMNS, *firewall_sheets.EXPORT_ONLY,
                                        *firewall_sheets.RULE_COLUMNS,
                                        *firewall_sheets.RULE_EXPORT_ONLY)),
             *firewall_sheets.ROW_ERRORS,
             *audit_text.FIREWALL_WORDS.values()]
    assert [word for word in words if word not in ZH] == []
    error = store_firewall.FirewallError(store_firewall.ERRORS[0], number="x")
    assert str(error) == "x is not a phone number (3 to 32 digits, optional leading +)."

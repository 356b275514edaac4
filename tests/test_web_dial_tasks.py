"""Dialling tasks on the pages: who may make and see them, the settings form, numbers from
customers and from a file (checked first, then added), starting and pausing, the results
in Excel, every change in the audit log, both languages; and the operator's card when a
person answers a task's call."""

from __future__ import annotations

import calendar
import html
import io
import json
import re
import time
import uuid

import pytest
from openpyxl import Workbook, load_workbook

from firmware.link import contract
from firmware.link.contract import LineStatus, Phase
from firmware.store.crm import CustomerNumber
from firmware.store.dialling import DiallingTasks
from firmware.store.dialling_rules import ERRORS
from firmware.store.firewall import Actor, Firewall, ListEntry
from tests.calls_box import make_office
from tests.test_web_firewall import spoken_prompt
from tests.test_web_live import HEARTBEAT_S, Stream
from webui.messages_zh import ZH
from webui.pages import dial_tasks as pages
from webui.pages import live

WORKDAYS = ("mon", "tue", "wed", "thu", "fri")


@pytest.fixture
def office(tmp_path, monkeypatch):
    monkeypatch.setattr(live, "HEARTBEAT_S", HEARTBEAT_S)
    made = make_office(tmp_path, calls_per_line=1)
    accounts = made.deps.accounts
    made.ids["mgr"] = made.box.add_user(
        "mgr", permissions={"dial_tasks", "customers_view"}, language="en")
    accounts.update_user(made.ids["ana"], permissions={"pop", "customers_view"})
    accounts.update_user(made.ids["ben"], permissions={"pop", "customers_view"})
    made.deps.engine.reset_lines([LineStatus(n) for n in range(1, 5)])
    yield made
    made.box.close()


def form_of(**changes) -> list[tuple[str, str]]:
    """The settings form as a browser posts it (a field given several times, several
    pairs)."""
    fields = _fields(**changes)
    return [(name, item) for name, value in fields.items()
            for item in (value if isinstance(value, list) else [value])]


def _fields(**changes) -> dict[str, object]:
    fields: dict[str, object] = {
        "name": "Spring offer", "script": "Good morning, this is Acme about the spring offer.",
        "line": ["1", "2"], "operator": [], "window-0-days": list(WORKDAYS),
        "window-0-start": "09:00", "window-0-end": "18:00", "max_lines": "2", "gap_s": "30",
        "max_attempts": "5", "hold_s": "20", "machine": "mark", "prompt": "",
    }
    for result in pages.RULE_RESULTS:
        fields[f"rule-{result}-retries"] = "1"
        fields[f"rule-{result}-after"] = "15"
    fields.update(changes)
    return fields


def make_task(office, client=None, **changes) -> int:
    client = client or office.signed_in("mgr")
    client.get("/tasks/new")
    answer = client.post("/tasks/new", form_of(**changes))
    assert answer.status == 303, answer.text[:3000]
    return int(re.search(r"/tasks/(\d+)", answer.location).group(1))


def multipart(csrf: str, *, fields: dict[str, str] = (), file: tuple[str, bytes] | None = None
              ) -> tuple[bytes, dict[str, str]]:
    boundary = uuid.uuid4().hex
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="csrf"\r\n\r\n{csrf}\r\n'
             .encode()]
    for name, value in dict(fields).items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
                     .encode() + value.encode() + b"\r\n")
    if file is not None:
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
                     f'filename="{file[0]}"\r\nContent-Type: application/octet-stream\r\n\r\n'
                     .encode() + file[1] + b"\r\n")
    body = b"".join(parts) + f"--{boundary}--\r\n".encode()
    return body, {"Content-Type": f"multipart/form-data; boundary={boundary}"}


def upload(client, task_id: int, name: str, data: bytes):
    client.get(f"/tasks/{task_id}/import")
    body, headers = multipart(client.csrf_token, file=(name, data))
    return client.request("POST", f"/tasks/{task_id}/import", body, headers)


def entries(office, action: str):
    return office.deps.audit.entries(action=action)


def test_only_managers_make_tasks_and_operators_see_theirs_read_only(office):
    ana, mgr = office.signed_in("ana"), office.signed_in("mgr")
    assert ana.get("/tasks").status == 403
    assert 'href="/tasks"' not in ana.get("/live").text
    assert 'href="/tasks"' in mgr.get("/live").text
    assert ana.get("/tasks/new").status == 403
    task_id = make_task(office, operator=[str(office.ids["ana"])])
    [created] = entries(office, "dial_task_created")
    assert created.target == f"dialling task {task_id}" and created.username == "mgr"
    listing = ana.get("/tasks")
    assert listing.status == 200 and "Spring offer" in listing.text
    assert 'href="/tasks/new"' not in listing.text
    page = ana.get(f"/tasks/{task_id}")
    assert page.status == 200 and f"/tasks/{task_id}/start" not in page.text
    assert ana.post(f"/tasks/{task_id}/start", {}).status == 403
    assert office.signed_in("ben").get(f"/tasks/{task_id}").status == 404  # not his task
    # A form without the page's token changes nothing.
    mgr.get(f"/tasks/{task_id}")
    assert mgr.post(f"/tasks/{task_id}/pause", {}, csrf="forged").status in (400, 403)


def test_the_settings_form_refuses_with_the_reason_in_the_user_s_language(office):
    office.deps.accounts.update_user(office.ids["mgr"], language="zh-CN")
    mgr = office.signed_in("mgr")
    mgr.get("/tasks/new")
    answer = mgr.post("/tasks/new", form_of(hold_s="500"))
    assert answer.status == 400
    assert ZH[ERRORS[5]].format(low=5, high=120) in answer.text
    answer = mgr.post("/tasks/new", form_of(**{"window-0-days": [], "window-0-start": "",
                                                "window-0-end": ""}))
    assert answer.status == 400 and ZH[ERRORS[10]] in answer.text
    answer = mgr.post("/tasks/new", form_of(machine="message"))
    assert answer.status == 400 and ZH[ERRORS[7]] in answer.text
    assert mgr.post("/tasks/new", form_of(line=["9"])).status == 400  # no such line
    task_id = make_task(office, mgr, name="秋季回访", **{"rule-busy-retries": "3",
                                                        "rule-busy-after": "5"})
    task = DiallingTasks(office.deps.store).task(task_id)
    assert task.name == "秋季回访" and task.lines == (1, 2)
    assert (task.settings.rule("busy").retries, task.settings.rule("busy").after_min) == (3, 5)
    page = mgr.get(f"/tasks/{task_id}").text
    assert "草稿" in page and "周一–周五 09:00–18:00" in page
    mgr.get(f"/tasks/{task_id}/edit")
    assert mgr.post(f"/tasks/{task_id}/edit", form_of(name="秋季回访", gap_s="60")).status == 303
    [changed] = entries(office, "dial_task_changed")
    assert '"gap_s",30,60' in changed.detail.replace(" ", "")


def test_numbers_from_a_customer_group_skip_none_and_mark_the_blocked(office):
    customers = office.deps.customers
    for index in range(3):
        number = f"1390000{index:04d}"
        customers.create({"name": f"VIP {index}", "category": "VIP"},
                         [CustomerNumber(number, "+86" + number)], added_by=office.ids["mgr"])
    customers.create({"name": "VIP without a number", "category": "VIP"}, [],
                     added_by=office.ids["mgr"])
    Firewall(office.deps.store).add(ListEntry(0, "black", "+8613900000001"), Actor("boss"))
    task_id = make_task(office)
    mgr = office.signed_in("mgr")
    mgr.get(f"/tasks/{task_id}")
    answer = mgr.post(f"/tasks/{task_id}/customers", {"group": "VIP", "q": ""})
    assert answer.status == 200
    assert "3 numbers added (1 of them blocked by the call firewall)" in answer.text
    assert "1 customers without a number" in answer.text
    numbers = {n.dial: n for n in DiallingTasks(office.deps.store).numbers(task_id)}
    assert numbers["13900000001"].result == "blocked"
    assert numbers["13900000001"].blocked_by == "black_list"
    assert numbers["13900000000"].state == "waiting" and numbers["13900000000"].name == "VIP 0"
    assert "Black list" in mgr.get(f"/tasks/{task_id}?show=blocked").text
    # Again: merged into the numbers there, nothing twice.
    mgr.post(f"/tasks/{task_id}/customers", {"group": "VIP", "q": ""})
    assert DiallingTasks(office.deps.store).progress(task_id).total == 3
    assert [e.target for e in entries(office, "dial_task_numbers_added")] == [
        f"dialling task {task_id}"] * 2


def test_an_import_is_checked_first_row_by_row_then_added(office):
    Firewall(office.deps.store).add(ListEntry(0, "black", "13800138009"), Actor("boss"))
    task_id = make_task(office)
    mgr = office.signed_in("mgr")
    csv_file = (b"Number,Name,Note\n"
                b"138 0013 8000,Wang Wei,called in May\n"
                b"1234567,Bad Number,\n"
                b"+86 138-0013-8000,Wang Wei (office),second line\n"
                b"13800138009,On the black list,\n"
                b",,\n"
                b"010 6512 3456,Beijing office,\n")
    preview = upload(mgr, task_id, "numbers.csv", csv_file)
    assert preview.status == 200
    text = preview.text
    assert "Row 3: 1234567 is not a valid number in China" in text
    assert "Row 4: the number of row 2; name and note joined to it" in text
    assert "Row 5: 13800138009" in text and "Black list" in text
    assert "Add 4 numbers" in text
    assert DiallingTasks(office.deps.store).progress(task_id).total == 0  # nothing added yet
    body, headers = multipart(mgr.csrf_token, fields={"step": "add", "rows": rows_of(text)})
    added = mgr.request("POST", f"/tasks/{task_id}/import", body, headers)
    assert added.status == 303
    tasks = DiallingTasks(office.deps.store)
    numbers = {n.dial: n for n in tasks.numbers(task_id)}
    assert set(numbers) == {"13800138000", "13800138009", "01065123456"}
    assert numbers["13800138000"].name == "Wang Wei; Wang Wei (office)"
    assert numbers["13800138000"].note == "called in May; second line"
    assert numbers["13800138009"].result == "blocked"
    [imported] = entries(office, "dial_task_imported")
    assert json.loads(imported.detail)["facts"] == {
        "rows": 4, "added": 3, "merged": 1, "blocked": 1, "skipped": 0}


def test_an_excel_file_with_chinese_headers_imports_and_a_file_without_numbers_says_why(office):
    task_id = make_task(office)
    mgr = office.signed_in("mgr")
    workbook = Workbook()
    sheet = workbook.active
    for row in (["号码", "名称", "备注"], [13800138000, "王伟", "老客户"], ["abc", "", ""]):
        sheet.append(row)
    data = io.BytesIO()
    workbook.save(data)
    preview = upload(mgr, task_id, "numbers.xlsx", data.getvalue())
    assert preview.status == 200 and "Add 1 number" in preview.text
    assert "Row 3: abc is not a phone number" in preview.text
    refused = upload(mgr, task_id, "names.csv", b"Name\nWang\n")
    assert refused.status == 400 and "no Number column" in refused.text


def test_start_pause_resume_are_audited_and_a_task_needs_lines_and_numbers(office):
    mgr = office.signed_in("mgr")
    task_id = make_task(office, line=[])
    mgr.get(f"/tasks/{task_id}")
    refused = mgr.post(f"/tasks/{task_id}/start", {})
    assert refused.status == 409 and ERRORS[12] in refused.text
    mgr.get(f"/tasks/{task_id}/edit")
    mgr.post(f"/tasks/{task_id}/edit", form_of())
    mgr.get(f"/tasks/{task_id}")
    assert ERRORS[13] in mgr.post(f"/tasks/{task_id}/start", {}).text
    upload_and_add(mgr, task_id, b"13800138000\n13800138001\n")
    assert mgr.post(f"/tasks/{task_id}/start", {}).status == 303
    assert "Running" in mgr.get(f"/tasks/{task_id}?done=started").text
    assert mgr.post(f"/tasks/{task_id}/pause", {}).status == 303
    assert mgr.post(f"/tasks/{task_id}/start", {}).status == 303
    details = [json.loads(e.detail).get("what") for e in entries(office, "dial_task_started")]
    assert sorted(details) == ["resumed", "started"]
    assert len(entries(office, "dial_task_paused")) == 1


def rows_of(page: str) -> str:
    """The rows a preview posts back, as the browser reads its hidden field."""
    return html.unescape(re.search(r'name="rows" value="([^"]*)"', page).group(1))


def upload_and_add(client, task_id: int, data: bytes) -> None:
    preview = upload(client, task_id, "numbers.csv", data)
    body, headers = multipart(client.csrf_token, fields={"step": "add",
                                                         "rows": rows_of(preview.text)})
    assert client.request("POST", f"/tasks/{task_id}/import", body, headers).status == 303


def test_the_results_show_per_number_with_attempts_and_go_to_excel(office):
    mgr = office.signed_in("mgr")
    task_id = make_task(office)
    upload_and_add(mgr, task_id, b"13800138000,Wang Wei\n13800138001,Li Na\n")
    tasks = DiallingTasks(office.deps.store)
    tasks.start(task_id)
    first, second = tasks.numbers(task_id)
    at = time.time()
    busy = tasks.open_attempt(first.id, 1, at)
    tasks.close_attempt(busy.id, "busy", at + 5)
    talked = tasks.open_attempt(second.id, 2, at)
    tasks.close_attempt(talked.id, "handed_over", at + 20, decided_s=2.5)
    page = mgr.get(f"/tasks/{task_id}").text
    assert "1 of 2 numbers done" in page
    assert "Talked with an operator" in page and "decided in 2.5 s" in page
    assert "Busy" in page and "again from" in page
    exported = mgr.get(f"/tasks/{task_id}/results.xlsx")
    assert exported.status == 200
    book = load_workbook(io.BytesIO(exported.body))
    numbers = [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]
    assert numbers[0][:5] == ["Number", "Name", "Note", "State", "Result"]
    assert numbers[2][:5] == ["13800138001", "Li Na", None, "Done", "Talked with an operator"]
    attempts = [list(row) for row in book.worksheets[1].iter_rows(values_only=True)]
    assert [row[6] for row in attempts[1:]] == ["Busy", "Talked with an operator"]
    [exported_entry] = entries(office, "dial_task_exported")
    assert exported_entry.target == f"dialling task {task_id}"


def test_a_prompt_a_task_leaves_on_machines_cannot_be_deleted(office):
    prompt = spoken_prompt(office, "Sorry we missed you")
    make_task(office, machine="message", prompt=str(prompt.id))
    assert "Spring offer" in office.deps.prompts.use_of(prompt.id)


def held(line: int, call_id: int) -> LineStatus:
    return LineStatus(line, phase=Phase.SEIZED, call_id=call_id, direction="out",
                      number="13800138000", act="dial", office_wanted=True,
                      since=calendar.timegm(time.gmtime()))


def test_a_person_held_pops_the_task_s_card_for_its_operator_only(office):
    """Ana handles line 1 and is the task's operator; Ben sees line 1's cards too but is not:
    the outgoing call pops no card for him, and none for Ana until a person is held."""
    office.deps.accounts.update_user(office.ids["ben"], lines=frozenset({1}))
    mgr = office.signed_in("mgr")
    task_id = make_task(office, operator=[str(office.ids["ana"])], line=["1"])
    upload_and_add(mgr, task_id, b"13800138000,Wang Wei,called in May\n")
    tasks = DiallingTasks(office.deps.store)
    tasks.start(task_id)
    [number] = tasks.numbers(task_id)
    attempt = tasks.open_attempt(number.id, 1, time.time())
    ana, ben = Stream(office.signed_in("ana")), Stream(office.signed_in("ben"))
    assert ana.next()[0] == ben.next()[0] == "lines"
    call_id = office.deps.store.start_call(1, "out", time.time(), number="13800138000")
    dialling = LineStatus(1, phase=Phase.SEIZED, call_id=call_id, direction="out",
                          number="13800138000", act="dial")
    send = office.deps.engine.dispatch
    send(contract.DialProgress(1, call_id, dialling, number="13800138000", stage="ringing",
                               attempt=attempt.sent_as))
    send(contract.CallAnswered(1, call_id, dialling, direction="out", number="13800138000"))
    for stream in (ana, ben):
        assert [stream.next()[0] for _ in range(2)] == ["line", "line"]  # no card
    send(contract.DialProgress(1, call_id, held(1, call_id), number="13800138000",
                               stage="holding", attempt=attempt.sent_as))
    assert ana.next()[0] == "line"
    name, pop = ana.next()
    assert name == "pop" and pop["call_id"] == call_id and pop["event"] == "task_held"
    assert "pick up the phone of line 1 now" in pop["html"]
    assert "Good morning, this is Acme" in pop["html"] and "called in May" in pop["html"]
    assert ben.next()[0] == "line"
    # Nobody picked up in time: the card says so.
    send(contract.DialEnded(1, call_id, LineStatus(1), number="13800138000", result="human",
                            attempt=attempt.sent_as))
    assert ana.next()[0] == "line"
    name, pop = ana.next()
    assert name == "pop" and "Nobody picked up in time" in pop["html"]
    send(contract.CallEnded(1, call_id, LineStatus(1), outcome="answered"))
    assert ana.next()[0] == "line" and ana.next()[0] == "pop_end"
    assert ben.next()[0] == "line" and ben.next()[0] == "line"  # Ben: the line, no card
    ana.close()
    ben.close()


def test_every_page_text_of_the_tasks_has_its_chinese():
    words = [*pages.STATE_NAMES.values(), *pages.NUMBER_STATES.values(),
             *pages.RESULT_NAMES.values(), *pages.MACHINE_NAMES.values(),
             *pages.NOTICES.values(), *ERRORS]
    assert [word for word in words if word not in ZH] == []

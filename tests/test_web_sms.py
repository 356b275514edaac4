"""The Messages page and what it sends: a message to a number or a customer and to
customer groups, each previewed and queued as previewed; scheduled sends; the scope
(an operator sees the messages of the customers and numbers they see); cancel, send
again, approve and reject, each audited; the sensitive-word filter (block, hold,
Chinese written to slip past it); received messages on the customer's card; the GSM
modem's status; permissions, CSRF and hostile input; a send through the fake GSM modem
end to end."""

from __future__ import annotations

import re
import time
from dataclasses import replace
from html import unescape
from urllib.parse import urlencode

import pytest

from bench.peers.gsm_modem import FakeGsmModem
from firmware.config import Sms
from firmware.engine.sms import SmsService
from firmware.link import contract
from firmware.link.contract import LineStatus, Phase
from firmware.store.audit import parse_detail
from firmware.store.crm import CustomerNumber
from firmware.store.scopes import EVERYTHING
from firmware.store.sms import SmsStore
from firmware.store.sms_words import WordList
from tests.calls_box import make_office
from tests.test_web_live import Stream
from webui.audit_text import describe
from webui.i18n import Translator

SMS_USERS = ("ana", "cai", "lea", "adm")


@pytest.fixture
def office(tmp_path):
    made = make_office(tmp_path, calls_per_line=3)
    accounts = made.deps.accounts
    for name in SMS_USERS:
        user = accounts.user(made.ids[name])
        accounts.update_user(made.ids[name], permissions=set(user.permissions) | {"sms"})
    yield made
    made.box.close()


def customer_id(office, name: str) -> int:
    return next(customer.id for customer in office.deps.customers.search(EVERYTHING, limit=None)
                if customer.name == name)


def add_customer(office, name: str, number: str, adder: str = "boss", **fields) -> int:
    return office.deps.customers.create(
        {"name": name, **fields}, [CustomerNumber(number, "+86" + number if number.startswith(
            "1") else None)], added_by=office.ids[adder])


def queue(office) -> SmsStore:
    return SmsStore(office.deps.store)


def outgoing(office) -> list:
    return list(reversed(queue(office).outgoing(limit=None)))


def preview(client, **form):
    return client.post("/messages/new", {"step": "preview", **form})


def send_form(page) -> list[tuple[str, str]]:
    """The fields of the preview's Send button, as a browser posts them."""
    form = re.search(r'<form method="post" action="/messages/new" class="row send-form">(.*?)'
                     r'</form>', page.text, re.S).group(1)
    return [(name, unescape(value)) for name, value in re.findall(
        r'<input type="hidden" name="(\w+)" value="([^"]*)">', form) if name != "csrf"]


def send(client, **form):
    """Preview, then press the preview's Send button."""
    shown = preview(client, **form)
    assert shown.status == 200, shown.text[:3000]
    return client.post("/messages/new", send_form(shown))


def entries(office, action: str):
    return office.deps.audit.entries(action=action)


def texts_of(page) -> list[str]:
    return [unescape(text) for text in re.findall(
        r'<(?:span|p) class="sms-text">(.*?)</(?:span|p)>', page.text, re.S)]


# ---- permissions and CSRF -------------------------------------------------------------


def test_without_the_sms_flag_every_page_and_action_is_refused(office):
    ben = office.signed_in("ben")
    message = queue(office).enqueue("13800132001", "hello", now=time.time())
    for path in ("/messages", "/messages/new", "/messages/status"):
        assert ben.get(path).status == 403
    assert ben.post("/messages/new", {"to": "number", "number": "13800138000",
                                      "text": "hi"}).status == 403
    for action in ("cancel", "resend", "release", "reject"):
        assert ben.post(f"/messages/{message}/{action}").status == 403
    assert "/messages" not in re.findall(r'href="(/messages)"', ben.get("/live").text)
    assert ben.get("/admin/messages").status == 403
    ana = office.signed_in("ana")
    assert '<a href="/messages"' in ana.get("/live").text


def test_a_form_without_its_token_or_from_another_site_is_refused(office):
    ana = office.signed_in("ana")
    form = {"step": "preview", "to": "number", "number": "13800138000", "text": "hi"}
    assert ana.post("/messages/new", form, csrf="").status == 403
    assert ana.post("/messages/new", form, csrf="forged").status == 403
    assert ana.post("/messages/new", form,
                    headers={"Origin": "https://evil.example"}).status == 403
    message = queue(office).enqueue("13800131000", "hello", now=time.time())
    assert ana.post(f"/messages/{message}/cancel", csrf="").status == 403
    assert queue(office).outgoing_message(message).state == "queued"


# ---- writing and sending ----------------------------------------------------------------


def test_a_message_to_a_customer_is_previewed_then_queued_and_audited(office):
    ana = office.signed_in("ana")
    mine = customer_id(office, "Customer of ana")
    office.deps.customers.update(mine, {"gender": "female", "company": "Acme"})
    page = ana.get(f"/messages/new?customer={mine}")
    assert page.status == 200 and "Customer of ana" in page.text
    form = {"to": "customer", "customer": str(mine), "language": "en",
            "text": "Dear $title$ $name$ of $company$, see you on $date$."}
    shown = preview(ana, **form)
    assert shown.status == 200
    (text,) = texts_of(shown)
    assert text.startswith("Dear Ms Customer of ana of Acme, see you on ")
    assert re.search(r'c-length numeric">\d+ <span class="muted small">GSM 7-bit', shown.text)
    assert outgoing(office) == []  # a preview queues nothing
    answer = send(ana, **form)
    assert answer.status == 303 and answer.location.startswith("/messages?done=queued&n=1")
    (message,) = outgoing(office)
    assert (message.text, message.customer_id, message.queued_by, message.source,
            message.number_e164) == (text, mine, office.ids["ana"], "manual", "+8613800131000")
    (entry,) = entries(office, "sms_queued")
    assert entry.target == f"text message {message.id}" and entry.username == "ana"
    facts = parse_detail(entry.detail)["facts"]
    assert facts["messages"] == 1 and facts["recipients"] == "Customer of ana (13800131000)"
    page = ana.get("/messages")
    assert text in texts_of(page) and "Queued" in page.text
    card = ana.get(f"/customers/{mine}")
    assert text in texts_of(card) and f"/messages/new?customer={mine}" in card.text


def test_a_number_that_is_no_customers_cannot_take_customer_placeholders(office):
    ana = office.signed_in("ana")
    shown = preview(ana, to="number", number="139 0013 9000", text="Hi $name$!")
    assert shown.status == 400
    problem = unescape(re.search(r'<p class="problem" role="alert">(.*?)</p>', shown.text).group(1))
    assert problem == ("$name$ is the customer's: send the message to a customer, "
                       "or take it out.")
    answer = send(ana, to="number", number="139 0013 9000", text="Your parcel is here: $date$")
    assert answer.status == 303
    (message,) = outgoing(office)
    assert (message.number, message.number_e164, message.customer_id) == (
        "13900139000", "+8613900139000", None)
    assert preview(ana, to="number", number="12ab", text="x").status == 400


def test_a_group_send_is_queued_exactly_as_previewed(office):
    boss = office.signed_in("boss")
    texts = office.deps.sms_templates
    template = texts.add("春节", "zh", "$name$$title$，$公司$祝您$节日$快乐！（$日期$）",
                         by="boss", now=1.0)
    holiday = texts.add_holiday("2099-01-28", "春节", "Spring Festival", template_id=None,
                                days_ahead=0, groups=[], by="boss", now=1.0)
    add_customer(office, "张三", "13911110001", category="VIP", gender="male", company="华为")
    add_customer(office, "李四", "13911110002", category="VIP", gender="female")
    add_customer(office, "王五", "01065123456", category="VIP")  # a landline: passed over
    add_customer(office, "赵六", "13911110002", category="VIP")  # the same number as 李四
    add_customer(office, "Supplier", "13911110009", category="Supplier")
    form = {"to": "groups", "groups": "VIP", "template": str(template), "text": "",
            "holiday": str(holiday)}
    shown = preview(boss, **form)
    assert shown.status == 200, shown.text[:2000]
    previewed = texts_of(shown)
    assert previewed == ["张三先生，华为祝您春节快乐！（2099年1月28日）",
                         "李四女士，祝您春节快乐！（2099年1月28日）"]
    assert "No mobile number." in shown.text and "The same number as 李四." in shown.text
    assert "2 messages" in shown.text and "2 passed over" in shown.text
    # Sent as previewed: the rendered texts, one per number, from the template.
    fields = send_form(shown)
    assert dict(fields)["text"] == texts.template(template).text
    answer = boss.post("/messages/new", fields)
    assert answer.status == 303, answer.text[:2000]
    assert [m.text for m in outgoing(office)] == previewed
    assert {m.source for m in outgoing(office)} == {"template"}
    facts = parse_detail(entries(office, "sms_queued")[0].detail)["facts"]
    assert (facts["messages"], facts["recipients"], facts["template"]) == (2, "groups: VIP", "春节")
    # A customer added after the preview: the send is refused and previewed again.
    fields = send_form(preview(boss, **form))
    add_customer(office, "孙七", "13911110007", category="VIP")
    answer = boss.post("/messages/new", fields)
    assert answer.status == 409 and "changed since the preview" in answer.text
    assert len(outgoing(office)) == 2 and "孙七" in answer.text


def test_a_scheduled_send_waits_for_its_time(office):
    ana = office.signed_in("ana")
    t = office.deps.utc_offset_s()
    at = time.time() + 2 * 3600
    local = time.strftime("%Y-%m-%dT%H:%M", time.gmtime(at + t))
    answer = send(ana, to="number", number="13800131001", text="Reminder", send_at=local)
    assert answer.status == 303 and "done=scheduled" in answer.location
    (message,) = outgoing(office)
    assert message.state == "queued" and abs(message.next_try_at - (at - at % 60)) < 61
    assert queue(office).next_due(now=time.time()) is None
    past = time.strftime("%Y-%m-%dT%H:%M", time.gmtime(time.time() - 3600 + t))
    assert "has passed" in preview(ana, to="number", number="13800131001", text="x",
                                   send_at=past).text


def test_hostile_input_is_one_line_naming_what_is_wrong(office):
    ana = office.signed_in("ana")
    huge = preview(ana, to="number", number="13800131001", text="长" * 5000)
    assert huge.status == 400 and "The message has 5000 characters: at most 4000." in huge.text
    unknown = preview(ana, to="number", number="13800131001", text="Hi $nmae$")
    assert unknown.status == 400
    assert "$nmae$ is not a placeholder: use $name$, $title$, $company$, $holiday$ or $date$." \
        in unescape(unknown.text)
    no_holiday = preview(ana, to="number", number="13800131001", text="$holiday$!")
    assert "$holiday$ names a holiday" in unescape(no_holiday.text)
    assert preview(ana, to="groups", text="hi").status == 400
    assert preview(ana, to="customer", customer="999999", text="hi").status == 400
    assert outgoing(office) == []


# ---- who sees what --------------------------------------------------------------------


def test_an_operator_sees_the_messages_of_the_customers_and_numbers_they_see(office):
    boss = office.signed_in("boss")
    for number, text in (("13800133000", "to cai's customer"),
                         ("13800131001", "to a caller of line 1"),
                         ("13900000000", "to a stranger")):
        assert send(boss, to="number", number=number, text=text).status == 303
    by_text = {m.text: m for m in outgoing(office)}
    ana, cai, lea = (office.signed_in(name) for name in ("ana", "cai", "lea"))
    assert set(texts_of(ana.get("/messages"))) == {"to a caller of line 1"}
    assert set(texts_of(cai.get("/messages"))) == {"to cai's customer"}
    assert set(texts_of(lea.get("/messages"))) == {"to a caller of line 1"}  # her group's lines
    assert set(texts_of(boss.get("/messages"))) == set(by_text)
    assert set(texts_of(office.signed_in("adm").get("/messages"))) == set(by_text)
    other = by_text["to cai's customer"].id
    assert ana.post(f"/messages/{other}/cancel").status == 404
    assert queue(office).outgoing_message(other).state == "queued"
    # What ana sends herself she sees, wherever it goes.
    assert send(ana, to="number", number="13900000001", text="ana's own").status == 303
    assert "ana's own" in texts_of(ana.get("/messages"))
    assert "ana's own" in texts_of(lea.get("/messages"))  # her leader's too
    assert "ana's own" not in texts_of(cai.get("/messages"))
    # Received messages: from cai's customer, seen by cai only, counted in cai's menu.
    inbox = queue(office).inbox
    received = inbox.receive("13800133000", "Call me back", number_e164="+8613800133000",
                             sent_at=None, now=time.time())
    assert "Call me back" not in ana.get("/messages?view=received").text
    page = cai.get("/messages?view=received")
    assert "Call me back" in page.text
    assert re.search(r'data-sms-unread title="[^"]*">1</span>', page.text)
    assert cai.get("/messages/status", headers={"Accept": "application/json"}).json()[
        "unread"] == 1
    assert ana.post(f"/messages/received/{received}/read").status == 404
    assert cai.post(f"/messages/received/{received}/read").status == 303
    assert inbox.received_message(received).read_by == "cai"
    (read,) = entries(office, "sms_read")
    assert read.target == f"received text message {received}"
    card = cai.get(f"/customers/{customer_id(office, 'Customer of cai')}")
    assert "Call me back" in texts_of(card) and "to cai's customer" in texts_of(card)


# ---- cancel, send again -----------------------------------------------------------------


def test_cancel_and_send_again_are_audited(office):
    ana = office.signed_in("ana")
    send(ana, to="number", number="13800131001", text="first")
    (message,) = outgoing(office)
    answer = ana.post(f"/messages/{message.id}/cancel")
    assert answer.status == 303
    cancelled = queue(office).outgoing_message(message.id)
    assert (cancelled.state, cancelled.error) == ("failed", "cancelled by ana")
    assert "Cancelled by ana." in ana.get("/messages").text
    assert ana.post(f"/messages/{message.id}/cancel").status == 409
    assert ana.post(f"/messages/{message.id}/resend").status == 303
    assert queue(office).outgoing_message(message.id).state == "queued"
    assert ana.post(f"/messages/{message.id}/resend").status == 409
    assert [e.target for e in entries(office, "sms_cancelled")] == [f"text message {message.id}"]
    assert [e.target for e in entries(office, "sms_resent")] == [f"text message {message.id}"]
    facts = parse_detail(entries(office, "sms_cancelled")[0].detail)["facts"]
    assert facts == {"number": "13800131001", "message": "first"}


# ---- the word filter ----------------------------------------------------------------------


def words(office, *listed):
    admin = office.signed_in("boss")
    answer = admin.post("/admin/messages/words", {"words": "\n".join(listed)})
    assert answer.status == 303, answer.text[:1000]


def filter_mode(office, mode: str):
    admin = office.signed_in("boss")
    answer = admin.post("/admin/messages", {"word_filter": mode, "language": "zh",
                                            "greeting_time": "09:00", "validity_hours": "24",
                                            "birthday_template": "0",
                                            "birthday_days_ahead": "0"})
    assert answer.status == 303, answer.text[:2000]
    assert office.deps.config().device.sms.word_filter == mode


def test_held_messages_wait_for_a_leader_who_approves_or_rejects(office):
    words(office, "代开发票", "VIP")
    filter_mode(office, "hold")
    ana, lea = office.signed_in("ana"), office.signed_in("lea")
    shown = preview(ana, to="number", number="13800131001", text="本公司代 开 发 票")
    assert "1 of the messages hold sensitive words: they will be held" in shown.text
    assert "Holds the sensitive words 代开发票." in shown.text
    assert send(ana, to="number", number="13800131001",
                text="本公司代 开 发 票").location.startswith("/messages?done=held")
    assert send(ana, to="number", number="13800131002", text="ＶＩＰ专享").status == 303
    first, second = outgoing(office)
    assert (first.state, first.hold_reason) == ("held", "sensitive words: 代开发票")
    assert (second.state, second.hold_reason) == ("held", "sensitive words: VIP")
    assert "Waiting for your approval" not in ana.get("/messages").text
    assert ana.post(f"/messages/{first.id}/release").status == 403
    page = lea.get("/messages")
    assert "Waiting for your approval" in page.text and f"/messages/{first.id}/release" in page.text
    assert lea.post(f"/messages/{first.id}/release").status == 303
    assert queue(office).outgoing_message(first.id).state == "queued"
    assert lea.post(f"/messages/{first.id}/release").status == 409
    assert lea.post(f"/messages/{second.id}/reject").status == 303
    rejected = queue(office).outgoing_message(second.id)
    assert (rejected.state, rejected.error) == ("failed", "rejected by lea")
    assert "Rejected by lea." in ana.get("/messages").text
    (released,) = entries(office, "sms_released")
    assert released.username == "lea" and parse_detail(released.detail)["facts"]["words"] == [
        "代开发票"]
    assert entries(office, "sms_rejected")[0].target == f"text message {second.id}"
    # cai's leader is not lea: a held message of cai's is not hers to decide.
    send(office.signed_in("cai"), to="number", number="13800133001", text="VIP")
    held = outgoing(office)[-1]
    assert lea.post(f"/messages/{held.id}/release").status == 404
    assert office.signed_in("adm").post(f"/messages/{held.id}/release").status == 303


def test_block_refuses_with_one_line_naming_the_words_chinese_evasion_included(office):
    words(office, "代开发票", "贷款")
    filter_mode(office, "block")
    ana = office.signed_in("ana")
    for text in ("代开发票", "代 开 发 票", "代★开☆发☆票", "低息贷\u3000款",
                 "ｄａｉ 代\u200b开发票"):
        answer = send(ana, to="number", number="13800131001", text=text)
        assert answer.status == 400, text
        problem = unescape(re.search(r'<p class="problem" role="alert">(.*?)</p>',
                                     answer.text).group(1))
        assert problem.startswith("Not sent: the message holds the sensitive words ")
        assert "\n" not in problem
    assert outgoing(office) == []
    assert send(ana, to="number", number="13800131001", text="开发新票务").status == 303


def test_the_word_list_is_edited_imported_and_exported(office):
    boss = office.signed_in("boss")
    page = boss.get("/admin/messages/words")
    assert page.status == 200 and "代开发票" in page.text  # the seed list
    words(office, "贷款", " 贷款 ", "", "VIP")
    assert WordList(office.deps.store).current().words == ("贷款", "VIP")
    text = boss.get("/admin/messages/words.txt")
    assert text.status == 200 and text.text == "贷款\nVIP\n"
    workbook = boss.get("/admin/messages/words.xlsx")
    assert workbook.status == 200 and workbook.body[:2] == b"PK"
    assert [e.action for e in entries(office, "sms_words_exported")] == ["sms_words_exported"] * 2
    # Imported back: the workbook replaces, a text file adds.
    upload(boss, "words.txt", "刷单\r\n套现\n".encode("gb18030"), "add")
    assert WordList(office.deps.store).current().words == ("贷款", "VIP", "刷单", "套现")
    upload(boss, "words.xlsx", workbook.body, "replace")
    assert WordList(office.deps.store).current().words == ("贷款", "VIP")
    changed = entries(office, "sms_words_changed")
    assert parse_detail(changed[0].detail)["facts"]["words_removed"] == ["刷单", "套现"]
    # A broken workbook: one line, and the list as it was.
    for name, data, said in (
            ("words.xlsx", b"PK\x03\x04 not really a zip", "not an Excel workbook"),
            ("words.xlsx", b"plain text", "not an Excel workbook"),
            ("words.txt", b"\xff\xfe\x00\x00\x00", "neither an Excel workbook"),
            ("words.txt", b"", "The file is empty.")):
        answer = upload(boss, name, data, "replace", status=400)
        problem = re.search(r'<p class="problem" role="alert">(.*?)</p>', answer.text).group(1)
        assert said in problem and "\n" not in problem
    assert WordList(office.deps.store).current().words == ("贷款", "VIP")
    tried = boss.get("/admin/messages/words?" + urlencode({"try": "低息贷 款"}))
    assert "Holds the sensitive words 贷款." in tried.text


def upload(client, filename: str, data: bytes, how: str, status: int = 303):
    boundary = "----linerec-test"
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="csrf"\r\n\r\n'
             f"{client.csrf_token}\r\n".encode(),
             f'--{boundary}\r\nContent-Disposition: form-data; name="how"\r\n\r\n{how}\r\n'
             .encode(),
             f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"'
             "\r\nContent-Type: application/octet-stream\r\n\r\n".encode() + data + b"\r\n",
             f"--{boundary}--\r\n".encode()]
    answer = client.request("POST", "/admin/messages/words/import", b"".join(parts),
                            {"Content-Type": f"multipart/form-data; boundary={boundary}"})
    assert answer.status == status, answer.text[:2000]
    return answer


# ---- settings: templates, holidays, the lines' replies ------------------------------------


def test_templates_and_holidays_are_kept_and_audited(office):
    boss = office.signed_in("boss")
    bad = boss.post("/admin/messages/templates/new", {"name": "Bad", "language": "en",
                                                      "text": "Hi $nmae$"})
    assert bad.status == 400 and "$nmae$ is not a placeholder" in unescape(bad.text)
    answer = boss.post("/admin/messages/templates/new", {
        "name": "Birthday", "language": "zh", "text": "$name$$title$，生日快乐！"})
    assert answer.status == 303
    template = int(re.search(r"/templates/(\d+)", answer.location).group(1))
    page = boss.get(answer.location)
    assert "张三先生，生日快乐！" in page.text and "1 part" in page.text
    assert boss.post("/admin/messages/templates/new", {
        "name": "Birthday", "language": "zh", "text": "x"}).status == 400
    saved = boss.post("/admin/messages", {
        "word_filter": "hold", "language": "zh", "greeting_time": "08:30",
        "validity_hours": "48", "birthday_template": str(template), "birthday_days_ahead": "3",
        "modem": "serial:/dev/ttyUSB2", "delivery_reports": "yes"})
    assert saved.status == 303
    sms = office.deps.config().device.sms
    assert (sms.birthday_template, sms.birthday_days_ahead, sms.greeting_time, sms.modem,
            sms.validity_hours) == (template, 3, "08:30", "serial:/dev/ttyUSB2", 48)
    refused = boss.post(f"/admin/messages/templates/{template}/delete")
    assert refused.status == 409 and "the birthday greeting" in refused.text
    added = boss.post("/admin/messages/holidays", {
        "day": "2099-10-01", "name_zh": "国庆节", "name_en": "National Day",
        "template": str(template), "days_ahead": "1", "groups": "VIP"})
    assert added.status == 303
    page = boss.get("/admin/messages")
    assert "国庆节" in page.text and "National Day" in page.text
    (holiday,) = office.deps.sms_templates.holidays()
    assert (holiday.days_ahead, holiday.groups, holiday.template_id) == (1, ("VIP",), template)
    assert boss.post("/admin/messages/holidays", {"day": "2099-13-01", "name_zh": "x",
                                                  "name_en": "y"}).status == 400
    assert boss.post(f"/admin/messages/holidays/{holiday.id}/delete").status == 303
    assert office.deps.sms_templates.holidays() == []
    for action in ("sms_template_added", "sms_holiday_added", "sms_holiday_deleted",
                   "settings_changed"):
        assert entries(office, action), action
    assert office.signed_in("ana").get("/admin/messages").status == 403


def test_a_holiday_is_changed_in_its_form_and_the_change_audited(office):
    boss = office.signed_in("boss")
    texts = office.deps.sms_templates
    holiday_id = texts.add_holiday("2099-10-01", "国庆节", "Natonal Day", template_id=None,
                                   days_ahead=0, groups=[], by="boss", now=time.time())
    form = boss.get(f"/admin/messages?holiday={holiday_id}")
    assert form.status == 200
    assert f'action="/admin/messages/holidays/{holiday_id}"' in form.text
    assert 'value="Natonal Day"' in form.text and "Change the holiday" in form.text
    bad = boss.post(f"/admin/messages/holidays/{holiday_id}", {
        "day": "2099-02-30", "name_zh": "国庆节", "name_en": "National Day"})
    assert bad.status == 400 and "2099-02-30 is not a date" in unescape(bad.text)
    assert f'action="/admin/messages/holidays/{holiday_id}"' in bad.text  # still changing it
    saved = boss.post(f"/admin/messages/holidays/{holiday_id}", {
        "day": "2099-10-02", "name_zh": "国庆节", "name_en": "National Day",
        "days_ahead": "2", "groups": "VIP"})
    assert saved.status == 303 and "holiday_changed" in saved.location
    holiday = texts.holiday(holiday_id)
    assert (holiday.day, holiday.name_en, holiday.days_ahead, holiday.groups) == (
        "2099-10-02", "National Day", 2, ("VIP",))
    (entry,) = entries(office, "sms_holiday_changed")
    assert entry.target == f"holiday {holiday_id}"
    shown = describe(Translator("en"), entry.detail, action=entry.action)
    assert "Day: 2099-10-01 → 2099-10-02" in shown
    assert "Name in English: Natonal Day → National Day" in shown
    assert "Name in Chinese" not in shown  # unchanged
    assert boss.get("/admin/messages?holiday=999").status == 404
    for no_row in ("99999999999999999999999", "%C2%B2"):  # too big; "²", a digit to isdigit
        assert boss.get(f"/admin/messages?holiday={no_row}").status == 404
    odd = boss.post(f"/admin/messages/holidays/{holiday_id}", {
        "day": "2099-10-02", "name_zh": "国庆节", "name_en": "National Day", "template": "²"})
    assert odd.status == 400 and "Choose a template from the list." in odd.text
    assert boss.post("/admin/messages/holidays/999", {
        "day": "2099-10-02", "name_zh": "x", "name_en": "y"}).status == 404
    assert boss.post(f"/admin/messages/holidays/{holiday_id}", {
        "day": "2099-10-03", "name_zh": "x", "name_en": "y"}, csrf="forged").status == 403
    assert office.signed_in("ana").post(f"/admin/messages/holidays/{holiday_id}", {
        "day": "2099-10-03", "name_zh": "x", "name_en": "y"}).status == 403
    assert texts.holiday(holiday_id).day == "2099-10-02"


def test_a_lines_reply_and_voicemail_notice_are_set_on_its_page(office):
    boss = office.signed_in("boss")
    assert 'name="sms_reply"' in boss.get("/admin/lines/1").text
    form = {"name": "Front desk", "mode": "auto", "encoding": "alaw", "vox_threshold": "-45",
            "vox_hangover": "3000", "vox_preroll": "500", "audio": "sim:", "signals": "sim:",
            "playback": "sim:", "modem": "", "enabled": "yes",
            "sms_reply": "Sorry $nmae$", "sms_notify": "13800138000"}
    bad = boss.post("/admin/lines/1", form)
    assert bad.status == 400 and "$nmae$ is not a placeholder" in unescape(bad.text)
    form.update(sms_reply="您好$name$，我们稍后回电。", sms_notify="138 0013 8000, 13900139000")
    assert boss.post("/admin/lines/1", form).status == 303
    line = office.deps.config().lines[0]
    assert line.sms.missed_call_reply == "您好$name$，我们稍后回电。"
    assert line.sms.voicemail_notify == ["13800138000", "13900139000"]
    form.update(sms_notify="call me")
    assert "write phone numbers" in boss.post("/admin/lines/1", form).text


# ---- the modem's status, and a send end to end -----------------------------------------------


def test_the_modem_panel_says_what_the_engine_told(office):
    ana = office.signed_in("ana")
    page = ana.get("/messages")
    assert "No GSM modem is set" in page.text
    config = office.deps.config()
    office.deps.config_store.save(replace(config, device=replace(
        config.device, sms=Sms(modem="serial:/dev/x"))))
    office.deps.engine.connected = True
    office.deps.engine.dispatch(contract.SmsChanged(contract.SmsState(
        enabled=True, present=True, model="SIMCOM SIM800", network="roaming",
        operator="China Mobile", signal_dbm=-81, sim="READY", last_error="a text message "
        "to 139 failed: unassigned number", last_error_at=time.time())))
    panel = ana.get("/messages/status")
    assert panel.status == 200
    for said in ("SIMCOM SIM800", "China Mobile", "Roaming", "-81 dBm", "unassigned number"):
        assert said in panel.text, said
    zh = office.deps.accounts
    zh.update_user(office.ids["ana"], language="zh-CN")
    page = office.signed_in("ana").get("/messages")
    assert "漫游" in page.text and "GSM 短信猫" in page.text


def test_a_message_written_on_the_page_goes_out_through_the_fake_gsm_modem(office, tmp_path):
    fake = FakeGsmModem(tmp_path / "ttyGSM")
    sms = SmsService(office.deps.store, lambda: Sms(modem=f"serial:{fake.port}"),
                     lambda: "CN", queue_look_s=0.05, check_s=0.5)
    sms.start()
    try:
        ana = office.signed_in("ana")
        mine = customer_id(office, "Customer of ana")
        assert send(ana, to="customer", customer=str(mine), language="zh",
                    text="$name$您好，您的订单已发货。").status == 303
        (message,) = outgoing(office)
        deadline = time.monotonic() + 15
        while queue(office).outgoing_message(message.id).state != "sent":
            assert time.monotonic() < deadline, "not sent"
            time.sleep(0.05)
    finally:
        sms.stop()
        fake.close()
    (taken,) = fake.taken
    assert (taken.number, taken.text) == ("+8613800131000", "Customer of ana您好，您的订单已发货。")
    page = ana.get(f"/messages?customer={mine}")
    assert 'sms-state-sent' in page.text and "Customer of ana" in page.text


def test_the_event_stream_tells_users_with_the_flag_of_the_modem(office):
    ana, ben = Stream(office.signed_in("ana")), Stream(office.signed_in("ben"))
    try:
        assert ana.next()[0] == "lines" and ben.next()[0] == "lines"
        office.deps.engine.dispatch(contract.SmsChanged(contract.SmsState(
            enabled=True, present=True, received=2)))
        office.deps.engine.dispatch(contract.CallStarted(
            2, 99, LineStatus(2, phase=Phase.RINGING, call_id=99, direction="in"),
            direction="in"))
        assert ana.next() == ("sms", {"present": True, "received": 2})
        assert ben.next()[0] == "line"  # no news of the modem for him
    finally:
        ana.close()
        ben.close()


def test_a_failed_messages_reason_reads_in_the_users_language(office):
    from drivers import gsm_errors  # noqa: PLC0415
    from webui.messages_zh import ZH  # noqa: PLC0415

    store = queue(office)
    now = time.time()
    reasons = {
        "13800131001": (gsm_errors.meaning_of("CMS", 1)[0], "空号：该号码不存在"),
        "13800131002": (gsm_errors.meaning_of("CMS", 42)[0] + " (tried 4 times)",
                        "网络拥塞（已尝试 4 次）"),
        "13800131003": (gsm_errors.meaning_of("CMS", 77)[0], "网络原因 77"),
        "13800131004": (gsm_errors.meaning_of("CMS", 555)[0],
                        "模块自身错误 555（见其 AT 命令手册）"),
    }
    for number, (reason, _) in reasons.items():
        store.fail(store.enqueue(number, "hello", now=now), reason, now=now)
    office.deps.accounts.update_user(office.ids["boss"], language="zh-CN")
    page = office.signed_in("boss").get("/messages").text
    for reason, chinese in reasons.values():
        assert chinese in page and reason not in page, reason
    # Every meaning of the modem's tables has its Chinese.
    for table in (gsm_errors.CMS_ERRORS, gsm_errors.CME_ERRORS):
        assert [meaning for meaning, _ in table.values() if meaning not in ZH] == []

"""Templates rendered per customer and language, the word check before every message is
queued, and the box's own messages, each sent once: birthday greetings across restarts
and years, holiday greetings to their groups, replies to missed calls, voicemail
notices; all over a real SQLite store, and the engine's ``sms-jobs`` thread on it."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta

import pytest

import firmware.sms.words as words_module
from firmware.config import validate
from firmware.engine.sms_jobs import SmsJobs
from firmware.sms import greetings as greetings_module
from firmware.sms import templates
from firmware.sms.greetings import Greetings
from firmware.sms.outbox import BLOCKED_ERROR, WORDS_REASON, BlockedError, Outbox
from firmware.store.audit import AuditLog, parse_detail
from firmware.store.crm import CustomerNumber, Customers
from firmware.store.db import Store
from firmware.store.sms import NewMessage, SmsStore
from firmware.store.sms_templates import SmsTemplateError, SmsTemplates
from firmware.store.sms_words import SEED_WORDS, WordList
from firmware.store.voicemail import Voicemails

BEIJING = 8 * 3600


def local_of(at: float) -> datetime:
    return datetime.fromtimestamp(at + BEIJING, UTC).replace(tzinfo=None)


def moment(text: str) -> float:
    """A Beijing wall time as Unix time."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp() - BEIJING


def config_of(**sms) -> object:
    lines = sms.pop("lines", [{"number": 1}])
    return validate({"device": {"sms": {"modem": "serial:/dev/null", **sms}}, "lines": lines})


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "linerec.db") as opened:
        yield opened


def customer(store, name, number, **fields) -> int:
    return Customers(store).create({"name": name, **fields},
                                   [CustomerNumber(number, "+86" + number)], added_by=None)


def queued(store) -> list:
    return list(reversed(SmsStore(store).outgoing(limit=None)))


# ---- templates ------------------------------------------------------------------------


def test_placeholders_are_rendered_per_customer_and_language():
    text = "尊敬的$name$$title$，$company$祝您$holiday$快乐（$date$）。"
    zhang = templates.Recipient("张三", "male", "华为")
    assert templates.render(text, language="zh", day=date(2026, 2, 17), recipient=zhang,
                            holiday="春节") == "尊敬的张三先生，华为祝您春节快乐（2026年2月17日）。"
    li = templates.Recipient("李四", "female", "")
    assert templates.render("$姓名$$称呼$ $日期$", language="zh", day=date(2026, 3, 8),
                            recipient=li) == "李四女士 2026年3月8日"
    english = "Dear $title$ $name$ of $company$: happy $holiday$ on $date$! $$5 off"
    assert templates.render(english, language="en", day=date(2026, 12, 25),
                            recipient=templates.Recipient("Ann Lee", "female", "Acme"),
                            holiday="Christmas") == (
        "Dear Ms Ann Lee of Acme: happy Christmas on 25 December 2026! $5 off")
    # No gender: no title, and no double space in English.
    assert templates.render("Dear $title$ $name$", language="en", day=date(2026, 1, 1),
                            recipient=templates.Recipient("Bo")) == "Dear Bo"
    assert templates.placeholders(text) == ["name", "title", "company", "holiday", "date"]


def test_an_unknown_or_unfilled_placeholder_is_one_line_naming_it():
    with pytest.raises(templates.TemplateError, match=r"^\$nmae\$ is not a placeholder") as caught:
        templates.render("Hi $nmae$", language="en", day=date(2026, 1, 1))
    assert caught.value.placeholder == "$nmae$" and "\n" not in str(caught.value)
    with pytest.raises(templates.TemplateError, match=r"\$name\$ is the customer's"):
        templates.render("Hi $name$", language="en", day=date(2026, 1, 1))
    with pytest.raises(templates.TemplateError, match=r"\$holiday\$ names a holiday"):
        templates.render("$节日$快乐", language="zh", day=date(2026, 1, 1),
                         recipient=templates.Recipient("张三"))
    assert templates.render("Hi $name$!", language="en", day=date(2026, 1, 1),
                            strict=False) == "Hi !"
    assert templates.render("cost $5 or 6$ each", language="en", day=date(2026, 1, 1)) == (
        "cost $5 or 6$ each")  # no placeholder: a space inside


def test_sizes_and_parts_as_the_modem_sends_them():
    assert templates.size("a" * 160) == templates.Size(160, "GSM 7-bit", 1, 160)
    assert templates.size("a" * 161) == templates.Size(161, "GSM 7-bit", 2, 153)
    assert templates.size("a" * 306).parts == 2 and templates.size("a" * 307).parts == 3
    assert templates.size("中" * 70) == templates.Size(70, "UCS2", 1, 70)
    assert templates.size("中" * 71) == templates.Size(71, "UCS2", 2, 67)
    assert templates.size("€" * 81).parts == 2  # an extension character takes two septets
    assert templates.size("x" * 20000).parts == 131  # counted even beyond what is sent


# ---- the word check -------------------------------------------------------------------


def test_the_seed_list_then_the_admins_and_the_matcher_is_built_once_per_version(
        store, monkeypatch):
    outbox = Outbox(store)
    assert WordList(store).current().words == SEED_WORDS
    assert outbox.words_in("本公司代 开 发 票") == ["代开发票"]
    builds = []
    real = words_module.WordFilter
    monkeypatch.setattr(words_module, "WordFilter",
                        lambda words: builds.append(words) or real(words))
    outbox._filter = None
    for _ in range(50):
        outbox.words_in("你好")
    assert len(builds) == 1
    WordList(store).save(["贷款", "VIP", " ", "贷款"], by="adm", now=1.0)
    assert WordList(store).current().words == ("贷款", "VIP")
    assert outbox.words_in("低息贷★款，ｖｉｐ专享，代开发票") == ["贷款", "VIP"]
    assert len(builds) == 2
    WordList(store).save([], by="adm", now=2.0)
    assert outbox.words_in("贷款") == [] and len(builds) == 2  # no words: no automaton


def test_block_refuses_the_whole_send_and_hold_keeps_each_message_held(store):
    WordList(store).save(["代开发票", "贷款"], by="adm", now=1.0)
    outbox = Outbox(store)
    messages = [NewMessage("13800138000", "您好，明天见"),
                NewMessage("13800138001", "代开发票，低息贷 款")]
    with pytest.raises(BlockedError) as caught:
        outbox.send(messages, mode="block", now=10.0)
    assert caught.value.words == ("代开发票", "贷款")
    assert str(caught.value) == (
        "the message holds the sensitive words 代开发票, 贷款: it was not sent")
    assert queued(store) == []
    sent = outbox.send(messages, mode="hold", now=10.0)
    first, second = queued(store)
    assert (first.state, second.state) == ("queued", "held")
    assert second.hold_reason == WORDS_REASON + "代开发票, 贷款" and sent.held == (second.id,)
    # The box's own messages are never refused as a whole: each is kept failed instead.
    sent = outbox.send(messages, mode="block", now=11.0, refused="fail")
    assert sent.failed and queued(store)[-1].state == "failed"
    assert queued(store)[-1].error == BLOCKED_ERROR + "代开发票, 贷款"


# ---- birthdays ------------------------------------------------------------------------


def birthday_box(store):
    templates_store = SmsTemplates(store)
    wish = templates_store.add("生日", "zh", "$name$$title$，生日快乐！（$date$）", by="adm",
                               now=1.0)
    zhang = customer(store, "张三", "13800138000", birthday="1980-03-10", gender="male")
    leap = customer(store, "Leap", "13800138001", birthday="2000-02-29")
    customer(store, "No mobile", "01012345678", birthday="1980-03-10")  # a landline
    customer(store, "Later", "13800138002", birthday="1980-09-01")
    return config_of(birthday_template=wish, birthday_days_ahead=2), zhang, leap


def test_birthday_greetings_are_sent_once_a_year_across_restarts(tmp_path):
    database = tmp_path / "linerec.db"
    with Store(database) as store:
        config, zhang, leap = birthday_box(store)

        def run(at: str):
            greetings = Greetings(store, can_text=lambda number: number.startswith("+861"))
            return greetings.run(config, now=moment(at), local=local_of)

        assert run("2026-03-07 12:00").queued == {}  # three days ahead: not yet
        assert run("2026-03-08 08:59").queued == {}  # two days ahead, before 09:00
        assert run("2026-03-08 09:00").queued == {"birthday": 1}
        (wish,) = queued(store)
        assert (wish.number, wish.customer_id, wish.source) == ("13800138000", zhang, "template")
        assert wish.text == "张三先生，生日快乐！（2026年3月10日）"
        assert run("2026-03-09 09:00").queued == {}  # the same birthday: not again
    with Store(database) as store:  # the engine restarted
        mobile = Greetings(store, can_text=lambda number: number.startswith("+861"))
        assert mobile.run(config, now=moment("2026-03-10 10:00"), local=local_of).queued == {}
        assert len(queued(store)) == 1
        # 29 February is greeted on the 28th in a year without it, two days ahead.
        mobile.run(config, now=moment("2027-02-26 09:30"), local=local_of)
        assert [m.customer_id for m in queued(store)] == [zhang, leap]
        assert queued(store)[-1].text.endswith("（2027年2月28日）")
        mobile.run(config, now=moment("2027-03-09 09:30"), local=local_of)
        assert [m.customer_id for m in queued(store)] == [zhang, leap, zhang]  # next year
        (entry, *_) = AuditLog(store).entries(action="sms_queued")
        assert parse_detail(entry.detail)["facts"] == {"occasion": "birthday", "messages": 1}
        assert entry.username == "(box)"


def test_a_birthday_late_in_december_is_greeted_in_the_year_before_once(store):
    wish = SmsTemplates(store).add("Birthday", "en", "Happy birthday, $name$ ($date$)",
                                   by="adm", now=1.0)
    customer(store, "Ann", "13800138000", birthday="1990-01-01")
    config = config_of(birthday_template=wish, birthday_days_ahead=3)
    for at in ("2026-12-29 09:00", "2026-12-31 09:00", "2027-01-01 09:00"):
        Greetings(store).run(config, now=moment(at), local=local_of)
    (message,) = queued(store)
    assert message.text == "Happy birthday, Ann (1 January 2027)"


def test_a_gone_template_is_a_problem_not_a_failure(store):
    customer(store, "Ann", "13800138000", birthday="1990-03-10")
    done = Greetings(store).run(config_of(birthday_template=99), now=moment("2026-03-10 10:00"),
                                local=local_of)
    assert done.queued == {} and "the template of the birthday greeting (99) is gone" in (
        done.problems[0])


# ---- holidays -------------------------------------------------------------------------


def test_a_holiday_greeting_goes_to_its_groups_from_its_days_ahead_once(store):
    texts = SmsTemplates(store)
    greeting = texts.add("Festival", "en", "Happy $holiday$, $title$ $name$! ($date$)",
                         by="adm", now=1.0)
    texts.add_holiday("2026-02-17", "春节", "Spring Festival", template_id=greeting,
                      days_ahead=1, groups=["VIP"], by="adm", now=1.0)
    texts.add_holiday("2026-05-01", "劳动节", "Labour Day", template_id=None, days_ahead=0,
                      groups=[], by="adm", now=1.0)
    vip = customer(store, "Wang", "13800138000", category="VIP", gender="female")
    customer(store, "Other", "13800138001", category="Supplier")
    config = config_of()
    run = lambda at: Greetings(store).run(config, now=moment(at), local=local_of)  # noqa: E731
    assert run("2026-02-15 10:00").queued == {}
    assert run("2026-02-16 09:00").queued == {"holiday": 1}
    assert run("2026-02-17 09:00").queued == {}
    (message,) = queued(store)
    assert (message.customer_id, message.text) == (
        vip, "Happy Spring Festival, Ms Wang! (17 February 2026)")
    zh = texts.add("节日", "zh", "$name$$title$，$节日$快乐！", by="adm", now=2.0)
    texts.add_holiday("2026-10-01", "国庆节", "National Day", template_id=zh, days_ahead=0,
                      groups=[], by="adm", now=2.0)
    assert run("2026-10-01 09:00").queued == {"holiday": 2}  # no groups: every customer
    assert queued(store)[-1].text == "Wang女士，国庆节快乐！"  # by name: Other, Wang
    with pytest.raises(SmsTemplateError, match="used by the greeting of National Day"):
        texts.delete(zh)


# ---- missed calls and voicemail -------------------------------------------------------


def test_a_missed_call_is_replied_to_once_and_a_number_not_twice_within_the_hour(store):
    config = config_of(lines=[
        {"number": 1, "sms": {"missed_call_reply": "$name$您好，刚才未能接听，我们稍后回电。"}},
        {"number": 2}])
    zhang = customer(store, "张三", "13800138000")
    now = moment("2026-03-10 15:00")

    def missed(line, number, at, outcome="missed"):
        call = store.start_call(line, "in", started_at=at - 30, number=number,
                                number_e164=("+86" + number) if number else None)
        store.end_call(call, outcome, ended_at=at)
        return call

    missed(1, "13800138000", now - 60)
    missed(1, "13800138000", now - 30)  # rang again: one reply
    missed(1, "", now - 20)  # withheld: none
    missed(1, "13900139000", now - 5000)  # too long ago
    missed(1, "13700137000", now - 10, outcome="answered")
    missed(2, "13600136000", now - 10)  # a line without a reply
    greetings = Greetings(store, can_text=lambda number: number.startswith("+861"))
    assert greetings.run(config, now=now, local=local_of).queued == {"missed_call": 1}
    (reply,) = queued(store)
    assert (reply.number_e164, reply.customer_id, reply.source, reply.text) == (
        "+8613800138000", zhang, "auto_reply", "张三您好，刚才未能接听，我们稍后回电。")
    assert greetings.run(config, now=now + 5, local=local_of).queued == {}
    missed(1, "13800138000", now + 600)  # within the hour: no second reply
    missed(1, "13500135000", now + 600)
    assert greetings.run(config, now=now + 610, local=local_of).queued == {"missed_call": 1}
    assert queued(store)[-1].text == "您好，刚才未能接听，我们稍后回电。"  # not a customer
    missed(1, "13800138000", now + 4000)
    assert greetings.run(config, now=now + 4010, local=local_of).queued == {"missed_call": 1}


def test_a_voicemail_message_is_told_to_the_lines_numbers_once(store):
    config = config_of(language="zh", lines=[
        {"number": 1, "name": "Sales", "sms": {"voicemail_notify": ["13900139000",
                                                                     "13900139001"]}}])
    now = moment("2026-03-10 15:00")
    Voicemails(store).add(call_id=None, line=1, number="13800138000", started_at=now - 120,
                          seconds=14.6, path="a.wav", sha256="0" * 64)
    greetings = Greetings(store, e164=lambda number: "+86" + number)
    assert greetings.run(config, now=now, local=local_of).queued == {"voicemail": 2}
    assert greetings.run(config, now=now + 30, local=local_of).queued == {}
    first, second = queued(store)
    assert (first.number, first.number_e164, first.source) == (
        "13900139000", "+8613900139000", "system")
    assert first.text == "Sales有新留言：来自13800138000，14:58，15秒。"
    assert second.number == "13900139001"


def test_the_engines_thread_queues_what_is_due_and_only_with_a_modem(store):
    config = config_of(lines=[{"number": 1, "sms": {"missed_call_reply": "Sorry we missed you"}}])
    call = store.start_call(1, "in", number="13800138000", number_e164="+8613800138000")
    store.end_call(call, "missed")
    off = validate({"lines": [{"number": 1, "sms": {"missed_call_reply": "Sorry"}}]})
    jobs = SmsJobs(store, lambda: off, look_s=0.05)
    jobs.round()
    assert queued(store) == []
    jobs = SmsJobs(store, lambda: config, look_s=0.05)
    jobs.start()
    try:
        deadline = time.monotonic() + 10
        while not queued(store) and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        jobs.stop()
    (reply,) = queued(store)
    assert reply.text == "Sorry we missed you" and jobs.queued == 1
    assert jobs.local(moment("2026-03-10 15:00")) == datetime(2026, 3, 10, 15, 0)


def test_the_box_own_messages_with_a_sensitive_word_are_held_or_refused(store):
    WordList(store).save(["贷款"], by="adm", now=1.0)
    config = config_of(word_filter="hold", lines=[
        {"number": 1, "sms": {"missed_call_reply": "低息贷款，欢迎来电"}}])
    now = time.time()
    call = store.start_call(1, "in", number="13800138000", number_e164="+8613800138000")
    store.end_call(call, "missed", ended_at=now)
    Greetings(store).run(config, now=now, local=local_of)
    (reply,) = queued(store)
    assert reply.state == "held" and reply.hold_reason == WORDS_REASON + "贷款"
    assert greetings_module.QUIET_S >= 3600
    blocked = config_of(word_filter="block", lines=[
        {"number": 1, "sms": {"missed_call_reply": "低息贷款"}}])
    other = store.start_call(1, "in", number="13800138009", number_e164="+8613800138009")
    store.end_call(other, "missed", ended_at=now)
    Greetings(store).run(blocked, now=now + 1, local=local_of)
    assert queued(store)[-1].state == "failed"
    assert queued(store)[-1].error == BLOCKED_ERROR + "贷款"


def test_birthday_windows_never_reach_past_the_birthday():
    born = date(1980, 3, 10)
    assert greetings_module.birthday_in(born, 2026) == date(2026, 3, 10)
    assert greetings_module.birthday_in(date(2000, 2, 29), 2027) == date(2027, 2, 28)
    assert greetings_module.birthday_in(date(2000, 2, 29), 2028) == date(2028, 2, 29)
    assert date(2026, 3, 10) - timedelta(days=0) == date(2026, 3, 10)

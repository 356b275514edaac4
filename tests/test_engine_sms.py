"""The engine's text messages end to end: the ``sms`` thread over a real SQLite queue and
the fake GSM modem on a pty. Sending short and long messages, delivery reports, the
modem's errors, the modem unplugged mid-queue, received messages linked to customers,
a text-mode modem, and the engine's status and events over the bus."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta

import pytest

from bench.peers.gsm_modem import FakeGsmModem
from firmware.cli.commands import main as linerec
from firmware.config import Sms
from firmware.engine import Engine
from firmware.engine.sms import SmsService
from firmware.link import contract
from firmware.link.bus import BusClient
from firmware.sms import pdu
from firmware.store.crm import CustomerNumber, Customers
from firmware.store.db import Store
from firmware.store.sms import SmsStore
from tests.engine_config import configure

WAIT = 15.0
LONG_CHINESE = "您好，这是一条很长的中文短信，用来检验长短信的分段发送和接收是否正确。" * 5


def wait_until(condition: Callable[[], object], timeout: float = WAIT, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what or condition}"
        time.sleep(0.02)


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "linerec.db") as opened:
        yield opened


@pytest.fixture
def queue(store):
    return SmsStore(store)


@pytest.fixture
def fakes(tmp_path):
    made: list[FakeGsmModem] = []

    def make(**options) -> FakeGsmModem:
        fake = FakeGsmModem(tmp_path / f"ttyGSM{len(made)}", **options)
        made.append(fake)
        return fake

    yield make
    for fake in made:
        fake.close()


@pytest.fixture
def service(store):
    started: list[SmsService] = []

    def start(fake: FakeGsmModem, **settings) -> SmsService:
        states: list[contract.SmsState] = []
        sms = SmsService(
            store,
            lambda: Sms(modem=f"serial:{fake.port}", **settings),
            lambda: "CN",
            publish=states.append,
            retry_delays_s=(0.2, 0.2),
            reopen_delays_s=(0.1, 0.3),
            modem_wait_s=0.3,
            check_s=0.5,
            queue_look_s=0.05,
        )
        sms.published = states
        sms.start()
        started.append(sms)
        return sms

    yield start
    for sms in started:
        sms.stop()
        assert not sms.is_alive()


def state_of(queue: SmsStore, message_id: int) -> str:
    return queue.outgoing_message(message_id).state


def test_a_short_and_a_long_chinese_message_are_sent(queue, fakes, service):
    fake = fakes()
    short = queue.enqueue(
        "13800138000", "Your order has shipped", number_e164="+8613800138000", now=time.time()
    )
    long = queue.enqueue(
        "+8613912345678",
        LONG_CHINESE,
        number_e164="+8613912345678",
        source="template",
        now=time.time(),
    )
    sms = service(fake)
    wait_until(lambda: state_of(queue, long) == "sent", what="the long message sent")
    assert state_of(queue, short) == "sent"
    first, *parts = fake.taken
    assert (first.number, first.text, first.part) == (
        "+8613800138000",
        "Your order has shipped",
        None,
    )
    assert [part.part for part in parts] == [
        (long & 0xFF, 3, 1),
        (long & 0xFF, 3, 2),
        (long & 0xFF, 3, 3),
    ]
    assert "".join(part.text for part in parts) == LONG_CHINESE
    assert all(taken.status_report for taken in fake.taken)
    found = queue.outgoing_message(long)
    assert found.references == tuple(part.reference for part in parts)
    assert found.parts == 3 and found.attempts == 0 and found.error is None
    assert sms.sent == 2
    wait_until(lambda: sms.published and sms.published[-1].queued == 0)
    state = sms.state()
    assert (state.enabled, state.present, state.mode, state.sim, state.network) == (
        True,
        True,
        "pdu",
        "READY",
        "home",
    )
    assert (state.model, state.operator, state.signal_dbm, state.reports) == (
        "LINEREC FAKE-GSM",
        "CHINA MOBILE",
        -73,
        "direct",
    )


def test_delivery_reports_mark_messages_delivered_or_failed(queue, fakes, service):
    fake = fakes()
    delivered = queue.enqueue("+8613800138000", LONG_CHINESE, now=time.time())
    lost = queue.enqueue("+8613900139000", "hello", now=time.time())
    service(fake)
    wait_until(lambda: state_of(queue, lost) == "sent")
    fake.deliver_reports(0x00, only=lambda taken: taken.number == "+8613800138000")
    fake.deliver_reports(0x46, only=lambda taken: taken.number == "+8613900139000")
    wait_until(lambda: state_of(queue, delivered) == "delivered")
    wait_until(lambda: state_of(queue, lost) == "failed")
    assert queue.outgoing_message(lost).error == (
        "not delivered: validity period expired: the recipient's phone stayed off"
    )
    assert [part.report for part in queue.outgoing_message(delivered).part_list] == [
        "delivered"
    ] * 3


def test_no_report_is_asked_for_when_reports_are_off(queue, fakes, service):
    fake = fakes()
    message = queue.enqueue("10086", "balance", now=time.time())
    service(fake, delivery_reports=False)
    wait_until(lambda: state_of(queue, message) == "sent")
    assert not fake.taken[0].status_report


def test_a_message_the_network_refuses_fails_with_the_meaning(queue, fakes, service):
    fake = fakes()
    fake.fail_next("AT+CMGS", "+CMS ERROR: 1")
    bad = queue.enqueue("+8613000000000", "to nobody", now=time.time())
    good = queue.enqueue("+8613800138000", "to somebody", now=time.time())
    sms = service(fake)
    wait_until(lambda: state_of(queue, good) == "sent")
    found = queue.outgoing_message(bad)
    assert (found.state, found.error) == ("failed", "unassigned number: the number does not exist")
    assert [taken.text for taken in fake.taken] == ["to somebody"]
    assert "unassigned number" in sms.state().last_error


def test_a_passing_failure_is_tried_again_then_given_up(queue, fakes, service):
    fake = fakes()
    fake.fail_next("AT+CMGS", "+CMS ERROR: 38")
    once = queue.enqueue("+8613800138000", "tried twice", now=time.time())
    service(fake)
    wait_until(lambda: state_of(queue, once) == "sent")
    found = queue.outgoing_message(once)
    assert (found.attempts, found.error) == (1, None)
    fake.fail_next("AT+CMGS", "+CMS ERROR: 42", count=3)
    never = queue.enqueue("+8613800138000", "never goes", now=time.time())
    wait_until(lambda: state_of(queue, never) == "failed")
    found = queue.outgoing_message(never)
    assert (found.attempts, found.error) == (2, "network congestion (tried 3 times)")
    assert [taken.text for taken in fake.taken] == ["tried twice"]


@pytest.mark.parametrize(
    "case",
    [
        ("network", lambda fake: setattr(fake, "network", True), "searching"),
        (
            "smsc",
            lambda fake: setattr(fake, "smsc", "+8613800100500"),
            "service centre (SMSC) address unknown",
        ),
    ],
)
def test_a_modem_that_cannot_send_holds_the_queue_without_blaming_it(queue, fakes, service, case):
    problem, fix, words = case
    fake = fakes()
    if problem == "network":
        fake.network = False
    else:
        fake.smsc = None
    messages = [queue.enqueue("+8613800138000", f"waits {n}", now=time.time()) for n in range(3)]
    sms = service(fake)
    wait_until(lambda: sms.state().last_error and words in sms.state().last_error)
    time.sleep(0.5)
    assert fake.taken == [] and all(state_of(queue, m) == "queued" for m in messages)
    fix(fake)
    wait_until(lambda: all(state_of(queue, m) == "sent" for m in messages))
    assert [queue.outgoing_message(m).attempts for m in messages] == [0, 0, 0]
    assert [taken.text for taken in fake.taken] == ["waits 0", "waits 1", "waits 2"]


def test_a_full_store_refusal_empties_the_store_and_the_message_waits(queue, fakes, service):
    fake = fakes()
    sms = service(fake)
    wait_until(lambda: sms.state().present)
    fake.cnmi = (2, 0, 0, 1, 0)  # a modem that stopped announcing: messages pile up
    fake.inject("+8613912345678", "piled up")
    fake.fail_next("AT+CMGS", "+CMS ERROR: 322")
    message = queue.enqueue("+8613800138000", "after the store is emptied", now=time.time())
    wait_until(lambda: state_of(queue, message) == "sent")
    assert [received.text for received in queue.inbox.received()] == ["piled up"]
    assert fake.stored() == 0 and queue.outgoing_message(message).attempts == 0
    assert "memory full" in sms.state().last_error


def test_a_modem_without_a_sim_says_so(queue, fakes, service):
    fake = fakes()
    fake.sim = "absent"
    message = queue.enqueue("+8613800138000", "waits for a SIM", now=time.time())
    sms = service(fake)
    wait_until(lambda: sms.state().sim == "SIM not inserted")
    assert not sms.state().present and state_of(queue, message) == "queued"
    fake.sim = "READY"
    wait_until(lambda: state_of(queue, message) == "sent")
    assert sms.state().present


def test_unplugged_mid_queue_and_plugged_back_nothing_lost_or_sent_twice(queue, fakes, service):
    fake = fakes()
    numbers = [f"+861380013{n:04d}" for n in range(30)]
    ids = [
        queue.enqueue(number, LONG_CHINESE if n % 5 == 0 else f"message {n}", now=time.time())
        for n, number in enumerate(numbers)
    ]
    fake.unplug_at("AT+CMGS", 14)  # the 14th part never reaches the modem
    sms = service(fake)
    wait_until(lambda: not fake.plugged, what="the modem unplugged")
    wait_until(lambda: not sms.state().present and "gone" in (sms.state().last_error or ""))
    time.sleep(0.3)  # the sender tries the port that is not there
    assert any(state_of(queue, i) == "queued" for i in ids)
    fake.plug()
    wait_until(lambda: all(state_of(queue, i) == "sent" for i in ids), what="every message")
    taken = {}
    for part in fake.taken:
        key = (part.number, part.part)
        taken[key] = taken.get(key, 0) + 1
    assert set(taken.values()) == {1}, "a part was sent twice"
    assert {number for number, _ in taken} == set(numbers)
    assert len(fake.taken) == 30 + 6 * 2  # six long messages of three parts
    assert sms.state().present


def test_received_messages_are_kept_linked_and_deleted_from_the_modem(store, queue, fakes, service):
    zhang = Customers(store).create(
        {"name": "Zhang San"}, [CustomerNumber("13800138000", "+8613800138000")], added_by=None
    )
    fake = fakes(store_size=2)
    for n in range(3):  # while the box was off: the third waits at the network
        fake.inject("+8613800138000", f"before {n}")
    sms = service(fake)
    wait_until(lambda: len(queue.inbox.received()) == 3, what="the messages kept at start")
    fake.inject("+8613800138000", LONG_CHINESE, reference=9)
    fake.inject("10086", "your balance is low")
    wait_until(lambda: len(queue.inbox.received()) == 5, what="the messages announced")
    wait_until(lambda: fake.stored() == 0)
    received = {message.text: message for message in queue.inbox.received()}
    assert received[LONG_CHINESE].customer_id == zhang and received[LONG_CHINESE].parts == 3
    assert received["before 2"].customer_name == "Zhang San"
    assert received["before 0"].number_e164 == "+8613800138000"
    assert received["your balance is low"].customer_id is None
    assert sms.received == 5


def test_a_text_mode_modem_sends_and_receives(queue, fakes, service):
    fake = fakes(pdu_mode=False)
    message = queue.enqueue("+8613800138000", "您好，明天见", now=time.time())
    sms = service(fake)
    wait_until(lambda: state_of(queue, message) == "sent")
    assert sms.state().mode == "text"
    assert (fake.taken[0].number, fake.taken[0].text) == ("+8613800138000", "您好，明天见")
    fake.deliver_reports()
    wait_until(lambda: state_of(queue, message) == "delivered")
    fake.inject("+8613912345678", "收到")
    wait_until(lambda: [m.text for m in queue.inbox.received()] == ["收到"])


def test_the_engine_runs_text_messages_set_up_from_the_command_line(tmp_path, fakes, capsys):
    fake = fakes()
    config = configure(tmp_path, 1)
    config.update_line(1, enabled=False)  # the box's text messages need no line
    engine = Engine(tmp_path, lambda line: None)
    events: list = []
    engine.publish = events.append
    data = ["--data", str(tmp_path)]
    engine.start()
    try:
        assert linerec(["sms", "modem", f"serial:{fake.port}", *data]) == 0
        assert "the engine took it" in capsys.readouterr().out
        assert linerec(["sms", "send", "13800138000", "from the engine", *data]) == 0
        queue = SmsStore(engine.store)
        (message,) = queue.outgoing()
        assert message.number_e164 == "+8613800138000" and message.source == "manual"
        wait_until(lambda: state_of(queue, message.id) == "sent")
        assert fake.taken[0].number == "+8613800138000"
        wait_until(
            lambda: any(isinstance(e, contract.SmsChanged) and e.sms.sent == 1 for e in events)
        )
        with BusClient(tmp_path / "engine.sock") as client:
            status = client.command(contract.StatusCommand())
        assert status.sms.present and status.sms.sent == 1 and status.sms.queued == 0
        capsys.readouterr()
        assert linerec(["sms", "status", *data]) == 0
        said = capsys.readouterr().out
        assert "modem: ready (LINEREC FAKE-GSM, pdu mode)" in said
        assert "network: home (CHINA MOBILE), signal -73 dBm" in said
        assert "queue: 0 queued, 0 sending, 1 sent, 0 delivered, 0 failed, 0 held" in said
        assert linerec(["sms", "modem", "off", *data]) == 0
        wait_until(lambda: not engine.sms.state().enabled)
        assert any(isinstance(e, contract.SmsChanged) and not e.sms.enabled for e in events)
    finally:
        engine.stop()
    capsys.readouterr()
    assert linerec(["sms", "status", *data]) == 1
    said = capsys.readouterr().out
    assert "modem setting: (none: text messages are off)" in said and "engine: not running" in said


def part_pdus(queue: SmsStore, message_id: int) -> list[str]:
    """A message's parts as the sender makes them (delivery reports off)."""
    message = queue.outgoing_message(message_id)
    submits = pdu.submits(
        message.address,
        message.text,
        concat_reference=message_id & 0xFF,
        status_report=False,
        validity=timedelta(hours=Sms().validity_hours),
    )
    return [pdu.encode(submit).hex for submit in submits]


def test_messages_go_through_the_modem_store_and_its_places_are_freed(queue, fakes, service):
    fake = fakes(store_commands=True)
    short = queue.enqueue("+8613800138000", "hello", now=time.time())
    long = queue.enqueue("+8613912345678", LONG_CHINESE, now=time.time())
    sms = service(fake, delivery_reports=False)
    wait_until(lambda: state_of(queue, long) == "sent", what="the long message sent")
    assert state_of(queue, short) == "sent" and len(fake.taken) == 4
    assert [c for c in fake.commands if c.startswith("AT+CMSS")] and not [
        c for c in fake.commands if c.startswith("AT+CMGS")
    ]
    assert queue.outgoing_message(long).references == tuple(p.reference for p in fake.taken[1:])
    wait_until(lambda: fake.stored_outgoing() == {}, what="the store freed")
    assert sms.sent == 2


def test_after_a_kill_the_modem_store_says_which_parts_went(queue, fakes, service):
    """Parts a kill left: one written, its place committed, sent (found sent: not sent
    again); one written, its place committed, unsent (sent from there); one written, its
    place not committed, sent (found by its PDU: not sent again); one written and not
    committed, unsent (deleted, written again); a stranger's (deleted)."""
    fake = fakes(store_commands=True)
    now = time.time()
    ids = [queue.enqueue(f"+86138000000{n:02d}", f"message {n}", now=now) for n in range(4)]
    pdus = [part_pdus(queue, message_id)[0] for message_id in ids]
    for message_id, hex_pdu in zip(ids, pdus, strict=True):
        queue.begin(message_id, 1, now=now, pdus=[hex_pdu])
    queue.part_stored(ids[0], 1, fake.put_stored("ME", 3, pdus[0]), now=now)
    queue.part_stored(ids[1], 1, fake.put_stored("ME", 2, pdus[1]), now=now)
    fake.put_stored("ME", 3, pdus[2])
    fake.put_stored("ME", 2, pdus[3])
    fake.put_stored("ME", 2, part_pdus(queue, ids[0])[0].replace("6D657373", "6D657374"))
    queue.recover(now=now)
    sms = service(fake, delivery_reports=False)
    wait_until(lambda: all(state_of(queue, m) == "sent" for m in ids), what="all sent")
    assert sorted(part.number for part in fake.taken) == ["+8613800000001", "+8613800000003"]
    references = [queue.outgoing_message(m).references for m in ids]
    assert references[0] == (None,) and references[2] == (None,)
    assert references[1] != (None,) and references[3] != (None,)
    wait_until(lambda: fake.stored_outgoing() == {}, what="the store freed")
    assert sms.sent == 4


def test_a_full_store_or_a_modem_without_one_sends_with_cmgs(queue, fakes, service):
    full = fakes(store_commands=True)
    full.fail_next("AT+CMGW", "+CMS ERROR: 322")  # the store full at that moment
    message = queue.enqueue("+8613800138000", "hello", now=time.time())
    sms = service(full, delivery_reports=False)
    wait_until(lambda: state_of(queue, message) == "sent", what="sent")
    assert any(c.startswith("AT+CMGS") for c in full.commands)
    assert len(full.taken) == 1
    sms.stop()
    plain = fakes()
    other = queue.enqueue("+8613800138001", "hello again", now=time.time())
    service(plain, delivery_reports=False)
    wait_until(lambda: state_of(queue, other) == "sent", what="sent")
    assert len(plain.taken) == 1 and any(c.startswith("AT+CMGS") for c in plain.commands)

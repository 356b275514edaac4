"""The text-message store on a real SQLite database: the send queue's states, exactly-once
across a restart, delivery reports, received messages and long ones in parts."""

from __future__ import annotations

import pytest

from firmware.store.crm import CustomerNumber, Customers
from firmware.store.db import NoSuchRowError, Store
from firmware.store.sms import MISSING_PART, NewMessage, SmsError, SmsStore

NOW = 1_790_000_000.0


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "linerec.db") as opened:
        yield opened


@pytest.fixture
def sms(store):
    return SmsStore(store)


@pytest.fixture
def zhang(store):
    return Customers(store).create(
        {"name": "Zhang San"}, [CustomerNumber("13800138000", "+8613800138000")], added_by=None
    )


def test_a_message_is_queued_linked_to_its_customer(sms, zhang):
    first = sms.enqueue("13800138000", "hello", number_e164="+8613800138000", now=NOW)
    second = sms.enqueue("+8613800138000", "again", number_e164="+8613800138000", now=NOW)
    other = sms.enqueue("13900139000", "to someone else", source="template", now=NOW)
    found = {message.id: message for message in sms.outgoing()}
    assert found[first].customer_id == zhang and found[first].customer_name == "Zhang San"
    assert found[second].customer_id == zhang
    assert found[other].customer_id is None and found[other].source == "template"
    assert found[first].state == "queued" and found[first].address == "+8613800138000"
    assert found[other].address == "13900139000"
    assert sms.counts() == dict(queued=3, sending=0, sent=0, delivered=0, failed=0, held=0)


@pytest.mark.parametrize(
    ("number", "text", "source", "problem"),
    [
        (" ", "hello", "manual", "needs a number"),
        ("10086", "", "manual", "is empty"),
        ("10086", "x" * 4001, "manual", "4001 characters"),
        ("10086", "hello", "spam", "source 'spam' is not one of"),
    ],
)
def test_a_message_the_queue_refuses(sms, number, text, source, problem):
    with pytest.raises(SmsError, match=problem):
        sms.enqueue(number, text, source=source, now=NOW)
    assert sms.outgoing() == []


def test_held_messages_wait_for_release_and_cancelled_ones_end(sms):
    held = sms.enqueue("10086", "a word to check", hold_reason="sensitive word: 发票", now=NOW)
    later = sms.enqueue("10086", "tomorrow", not_before=NOW + 86400, now=NOW)
    assert sms.next_due(now=NOW + 10) is None
    assert sms.next_due_at() == NOW + 86400
    assert sms.outgoing_message(held).hold_reason == "sensitive word: 发票"
    assert sms.release(held, now=NOW + 1) and not sms.release(held, now=NOW + 1)
    assert sms.next_due(now=NOW + 2).id == held
    assert sms.cancel(later, "cancelled by admin", now=NOW + 3)
    message = sms.outgoing_message(later)
    assert (message.state, message.error) == ("failed", "cancelled by admin")
    assert not sms.cancel(later, "again", now=NOW + 4)


def test_parts_sent_one_by_one_make_the_message_sent(sms):
    message = sms.enqueue("10086", "long", now=NOW)
    assert sms.next_due(now=NOW).id == message
    assert sms.begin(message, 3, now=NOW + 1) == (1, 2, 3)
    assert sms.outgoing_message(message).state == "sending"
    assert not sms.part_sent(message, 1, 17, now=NOW + 2)
    assert not sms.part_sent(message, 2, 18, now=NOW + 3)
    assert sms.part_sent(message, 3, 19, now=NOW + 4)
    found = sms.outgoing_message(message)
    assert (found.state, found.parts, found.sent_at, found.references) == (
        "sent",
        3,
        NOW + 4,
        (17, 18, 19),
    )
    assert sms.next_due(now=NOW + 10) is None


def test_a_restart_sends_only_the_parts_the_modem_did_not_take(sms):
    whole = sms.enqueue("10086", "all parts taken", now=NOW)
    half = sms.enqueue("10086", "one part taken", now=NOW)
    none = sms.enqueue("10086", "marked sending, nothing taken", now=NOW)
    waiting = sms.enqueue("10086", "never started", now=NOW)
    for message in (whole, half, none):
        sms.begin(message, 2, now=NOW)
    sms.part_sent(half, 1, 5, now=NOW)
    # The last part's commit also marks the message sent; a store written by an older
    # sender (or by hand) may hold a message 'sending' with every part taken.
    sms.part_sent(whole, 1, 6, now=NOW)
    sms.part_sent(whole, 2, 7, now=NOW + 1)
    sms.store.connection().execute("UPDATE sms_outbox SET state = 'sending' WHERE id = ?", (whole,))
    recovered = sms.recover(now=NOW + 60)
    assert (recovered.sent, recovered.resumed) == (1, 2)
    assert sms.outgoing_message(whole).state == "sent"
    assert sms.outgoing_message(whole).sent_at == NOW + 1
    assert sms.next_due(now=NOW + 60).id == half
    assert sms.begin(half, 2, now=NOW + 61) == (2,)
    assert sms.begin(none, 2, now=NOW + 61) == (1, 2)
    assert sms.outgoing_message(waiting).state == "queued"


def test_parts_counted_anew_only_while_none_was_taken(sms):
    message = sms.enqueue("10086", "text", now=NOW)
    sms.begin(message, 2, now=NOW)
    sms.recover(now=NOW)
    assert sms.begin(message, 3, now=NOW) == (1, 2, 3)
    sms.part_sent(message, 1, 1, now=NOW)
    sms.recover(now=NOW)
    with pytest.raises(SmsError, match="was 3 parts, 1 of them sent, and is 2 now"):
        sms.begin(message, 2, now=NOW)
    with pytest.raises(NoSuchRowError):
        sms.begin(9999, 1, now=NOW)


def test_passing_failures_are_tried_again_and_others_fail(sms):
    message = sms.enqueue("10086", "text", now=NOW)
    sms.begin(message, 1, now=NOW)
    sms.try_again(message, "network out of order", at=NOW + 30, now=NOW)
    sms.begin(message, 1, now=NOW + 30)
    sms.try_again(message, "no network service", at=NOW + 60, now=NOW + 30, counted=False)
    found = sms.outgoing_message(message)
    assert (found.state, found.attempts, found.error, found.next_try_at) == (
        "queued",
        1,
        "no network service",
        NOW + 60,
    )
    sms.begin(message, 1, now=NOW + 60)
    sms.fail(message, "unassigned number: the number does not exist", now=NOW + 61)
    found = sms.outgoing_message(message)
    assert (found.state, found.error) == ("failed", "unassigned number: the number does not exist")
    assert sms.resend(message, now=NOW + 100) and not sms.resend(message, now=NOW + 100)
    found = sms.outgoing_message(message)
    assert (found.state, found.attempts, found.error, found.parts, found.part_list) == (
        "queued",
        0,
        None,
        None,
        (),
    )
    assert sms.begin(message, 1, now=NOW + 100) == (1,)


def test_a_cancelled_message_is_not_begun(sms):
    message = sms.enqueue("10086", "text", now=NOW)
    sms.cancel(message, "cancelled", now=NOW)
    assert sms.begin(message, 1, now=NOW) == ()


def sent(sms, number, references, now=NOW, e164=None):
    message = sms.enqueue(number, "text", number_e164=e164, now=now)
    sms.begin(message, len(references), now=now)
    for sequence, reference in enumerate(references, start=1):
        sms.part_sent(message, sequence, reference, now=now)
    return message


def test_delivery_reports_make_a_message_delivered_or_failed(sms):
    two = sent(sms, "13800138000", [40, 41], e164="+8613800138000")
    report = {"number": "+8613800138000", "number_e164": "+8613800138000", "now": NOW + 5}
    assert sms.report(40, outcome="delivered", status=0, meaning="delivered", **report) == two
    assert sms.outgoing_message(two).state == "sent"  # one part of two
    assert sms.report(41, outcome="pending", status=0x21, meaning="recipient busy", **report) == two
    assert sms.outgoing_message(two).state == "sent"
    assert sms.report(41, outcome="delivered", status=0, meaning="delivered", **report) == two
    found = sms.outgoing_message(two)
    assert (found.state, found.delivered_at) == ("delivered", NOW + 5)
    assert [part.report for part in found.part_list] == ["delivered", "delivered"]
    assert sms.report(41, outcome="delivered", status=0, meaning="x", **report) is None
    lost = sent(sms, "13800138000", [42])
    assert (
        sms.report(
            42,
            number="13800138000",
            number_e164=None,
            outcome="failed",
            status=0x46,
            meaning="validity period expired",
            now=NOW + 9,
        )
        == lost
    )
    found = sms.outgoing_message(lost)
    assert (found.state, found.error) == ("failed", "not delivered: validity period expired")


def test_a_reused_reference_finds_the_part_sent_to_the_reports_number(sms):
    older = sent(sms, "13800138000", [7], now=NOW)
    newer = sent(sms, "13900139000", [7], now=NOW + 10)
    assert (
        sms.report(
            7,
            number="13800138000",
            number_e164=None,
            outcome="delivered",
            status=0,
            meaning="",
            now=NOW + 20,
        )
        == older
    )
    assert (
        sms.report(
            7,
            number="+8613700137000",
            number_e164=None,
            outcome="delivered",
            status=0,
            meaning="",
            now=NOW + 20,
        )
        == newer
    )
    ancient = sent(sms, "10086", [9], now=NOW - 30 * 86400)
    assert (
        sms.report(
            9, number="10086", number_e164=None, outcome="delivered", status=0, meaning="", now=NOW
        )
        is None
    )
    assert sms.outgoing_message(ancient).state == "sent"
    with pytest.raises(ValueError, match="outcome"):
        sms.report(9, number=None, number_e164=None, outcome="lost", status=0, meaning="", now=NOW)


def test_listing_with_filters_newest_first(sms, zhang):
    ids = sms.enqueue_many(
        [
            NewMessage("13800138000", "order shipped", "template", "+8613800138000"),
            NewMessage("13900139000", "hello there", queued_by=None),
            NewMessage("10086", "balance?", "auto_reply", hold_reason="check"),
        ],
        now=NOW,
    )
    sms.enqueue("10010", "later one", now=NOW + 100)
    assert sms.outgoing()[0].text == "later one"
    assert [m.id for m in sms.outgoing(states=("held",))] == [ids[2]]
    assert [m.id for m in sms.outgoing(customer_id=zhang)] == [ids[0]]
    assert [m.id for m in sms.outgoing(number="0139")] == [ids[1]]
    assert [m.id for m in sms.outgoing(number="+86138")] == [ids[0]]
    assert [m.id for m in sms.outgoing(text="ship")] == [ids[0]]
    assert [m.id for m in sms.outgoing(source="auto_reply")] == [ids[2]]
    assert len(sms.outgoing(since=NOW + 50)) == 1 and len(sms.outgoing(until=NOW + 50)) == 3
    assert len(sms.outgoing(limit=2)) == 2 and len(sms.outgoing(limit=None, offset=1)) == 3
    assert [m.text for m in sms.outgoing(text="100%")] == []
    with pytest.raises(ValueError, match="states"):
        sms.outgoing(states=("lost",))


def test_received_messages_are_kept_once_and_linked_to_the_customer(sms, zhang):
    inbox = sms.inbox
    first = inbox.receive(
        "+8613800138000", "收到", number_e164="+8613800138000", sent_at=NOW - 5, now=NOW
    )
    assert (
        inbox.receive(
            "+8613800138000", "收到", number_e164="+8613800138000", sent_at=NOW - 5, now=NOW + 1
        )
        is None
    )  # read twice
    stranger = inbox.receive("10086", "your balance", sent_at=None, now=NOW + 2)
    message = inbox.received_message(first)
    assert (message.customer_id, message.customer_name, message.text, message.complete) == (
        zhang,
        "Zhang San",
        "收到",
        True,
    )
    assert inbox.received_message(stranger).customer_id is None
    assert [m.id for m in inbox.received()] == [stranger, first]
    assert [m.id for m in inbox.received(customer_id=zhang)] == [first]
    assert [m.id for m in inbox.received(number="1008")] == [stranger]
    assert [m.id for m in inbox.received(text="balance")] == [stranger]
    assert inbox.unread_count() == 2
    assert inbox.mark_read(first, "admin", now=NOW + 3)
    assert not inbox.mark_read(first, "admin", now=NOW + 4)
    assert [m.id for m in inbox.received(unread=True)] == [stranger]
    assert [m.read_by for m in inbox.received(unread=False)] == ["admin"]
    assert inbox.unread_count() == 1


def test_a_long_received_message_is_kept_when_its_last_part_comes(sms, zhang):
    inbox = sms.inbox
    face = "😀"  # a surrogate pair in UTF-16: the sender's phone split it across parts
    wide = face.encode("utf-16-be")
    parts = [
        "第一部分" + wide[:2].decode("utf-16-be", "surrogatepass"),
        wide[2:].decode("utf-16-be", "surrogatepass") + "第二部分",
        "第三部分",
    ]
    common = {"reference": 12, "total": 3, "number_e164": "+8613800138000"}
    assert (
        inbox.receive_part("13800138000", parts[2], sequence=3, sent_at=NOW + 2, now=NOW, **common)
        is None
    )
    assert (
        inbox.receive_part("13800138000", parts[0], sequence=1, sent_at=NOW, now=NOW, **common)
        is None
    )
    assert (
        inbox.receive_part("13800138000", parts[0], sequence=1, sent_at=NOW, now=NOW, **common)
        is None
    )  # read twice
    whole = inbox.receive_part(
        "13800138000", parts[1], sequence=2, sent_at=NOW + 1, now=NOW + 3, **common
    )
    message = inbox.received_message(whole)
    assert message.text == "第一部分😀第二部分第三部分"
    assert (message.parts, message.complete, message.sent_at, message.customer_id) == (
        3,
        True,
        NOW,
        zhang,
    )
    with pytest.raises(SmsError, match="part 4 of 3"):
        inbox.receive_part("10086", "x", reference=1, total=3, sequence=4, sent_at=None, now=NOW)


def test_a_long_message_whose_parts_never_all_came_is_kept_with_the_gaps_marked(sms):
    inbox = sms.inbox
    inbox.receive_part("10086", "one ", reference=3, total=3, sequence=1, sent_at=None, now=NOW)
    inbox.receive_part("10086", " three", reference=3, total=3, sequence=3, sent_at=None, now=NOW)
    inbox.receive_part(
        "10010", "fresh", reference=4, total=2, sequence=1, sent_at=None, now=NOW + 3600
    )
    assert inbox.expire_parts(older_than=NOW + 60, now=NOW + 7200) == 1
    (message,) = inbox.received()
    assert (message.text, message.complete, message.parts) == (
        f"one {MISSING_PART} three",
        False,
        3,
    )
    assert inbox.expire_parts(older_than=NOW + 60, now=NOW + 7200) == 0


def test_a_part_written_to_the_modem_store_is_known_by_its_place_and_its_pdu(sms):
    message = sms.enqueue("+8613800138000", "hello", now=1000.0)
    assert sms.begin(message, 2, now=1001.0, pdus=["AA", "BB"]) == (1, 2)
    sms.part_stored(message, 1, 7, now=1002.0)
    assert [(p.sequence, p.index, p.pdu) for p in sms.stored_parts()] == [(1, 7, "AA")]
    assert [(p.sequence, p.index, p.pdu) for p in sms.unstored_parts()] == [(2, None, "BB")]
    # a restart: the PDU of a part written to the store is kept as written
    sms.recover(now=1003.0)
    sms.begin(message, 2, now=1004.0, pdus=["AC", "BC"])
    assert [p.pdu for p in sms.stored_parts() + sms.unstored_parts()] == ["AA", "BC"]
    # both found sent in the modem's store, their references unknown
    assert not sms.part_sent(message, 1, None, now=1005.0)
    sms.recover(now=1006.0)
    assert sms.part_sent(message, 2, None, now=1007.0)
    found = sms.outgoing_message(message)
    assert (found.state, found.references) == ("sent", (None, None))
    assert sms.stored_parts() == [] and sms.unstored_parts() == []


def test_a_message_whose_parts_were_all_found_taken_is_sent_when_begun(sms):
    message = sms.enqueue("+8613800138000", "hello", now=1000.0)
    sms.begin(message, 1, now=1001.0)
    sms.recover(now=1002.0)  # back in the queue
    with sms.store.connection() as connection:
        connection.execute("UPDATE sms_parts SET sent_at = 1002.5 WHERE message_id = ?", (message,))
    assert sms.begin(message, 1, now=1003.0) == ()
    assert sms.outgoing_message(message).state == "sent"

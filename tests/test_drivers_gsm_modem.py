"""The GSM modem driver against the fake GSM modem on a pseudo-terminal: starting, sending,
receiving, delivery reports, the modem's errors, and the modem unplugged."""

from __future__ import annotations

import os
import termios

import pytest
import serial

from bench.peers.gsm_modem import FakeGsmModem
from drivers import errors, gsm_errors
from drivers.gsm_modem import (
    Arrived,
    GsmModem,
    MessageWaiting,
    ReportWaiting,
    fields,
    text_timestamp,
)
from firmware.sms import pdu
from tests.drivers_fakes import driver_threads

WAIT = 5.0
LONG_CHINESE = (
    "您好，这是一条很长的中文短信，用来检验长短信的分段发送和接收是否正确。" * 5
)  # 3 parts


@pytest.fixture
def fake(tmp_path):
    made = FakeGsmModem(tmp_path / "ttyGSM")
    yield made
    made.close()


@pytest.fixture
def no_thread_left():
    yield
    assert driver_threads() == []


def opened(fake: FakeGsmModem) -> GsmModem:
    modem = GsmModem(f"serial:{fake.port}", command_timeout=WAIT, send_timeout=WAIT)
    modem.initialise()
    return modem


def submit_all(modem: GsmModem, number: str, text: str, **options) -> list[int | None]:
    return [
        modem.send_pdu(encoded.hex, encoded.length)
        for encoded in map(pdu.encode, pdu.submits(number, text, **options))
    ]


def test_initialise_turns_echo_off_and_chooses_pdu_mode_with_direct_reports(fake, no_thread_left):
    with GsmModem(f"serial:{fake.port}", command_timeout=WAIT) as modem:
        facts = modem.initialise()
    assert (facts.manufacturer, facts.model, facts.text_mode, facts.reports, facts.smsc) == (
        "LINEREC",
        "FAKE-GSM",
        False,
        "direct",
        "+8613800100500",
    )
    assert fake.commands[:3] == ["AT", "ATE0", "AT+CMEE=1"]
    assert "AT+CMGF=0" in fake.commands and "AT+CNMI=2,1,0,1,0" in fake.commands
    assert not fake.echo


def test_the_sim_network_and_signal(fake, no_thread_left):
    with opened(fake) as modem:
        assert modem.sim_status() == "READY"
        assert modem.registration().name == "home" and modem.require_network().registered
        assert modem.signal_dbm() == -113 + 2 * 20
        assert modem.operator() == "CHINA MOBILE"
        assert modem.storage_use() == (0, 20)
        fake.network = False
        with pytest.raises(errors.NoNetworkError, match="searching"):
            modem.require_network()
        assert modem.signal_dbm() is None and modem.operator() is None


def test_a_short_message_is_sent_with_its_reference(fake, no_thread_left):
    with opened(fake) as modem:
        assert submit_all(modem, "+8613800138000", "Hello from the office") == [0]
        assert submit_all(modem, "13800138000", "again", status_report=True) == [1]
    first, second = fake.taken
    assert (first.number, first.text, first.part, first.status_report) == (
        "+8613800138000",
        "Hello from the office",
        None,
        False,
    )
    assert (second.number, second.reference, second.status_report) == ("13800138000", 1, True)


def test_a_long_chinese_message_goes_in_three_ucs2_parts(fake, no_thread_left):
    with opened(fake) as modem:
        references = submit_all(modem, "+8613800138000", LONG_CHINESE, concat_reference=77)
    assert references == [0, 1, 2]
    assert [taken.part for taken in fake.taken] == [(77, 3, 1), (77, 3, 2), (77, 3, 3)]
    assert "".join(taken.text for taken in fake.taken) == LONG_CHINESE


@pytest.mark.parametrize(
    "case",
    [
        (
            lambda f: f.fail_next("AT+CMGS", "+CMS ERROR: 38"),
            38,
            "network out of order",
            gsm_errors.RETRY,
        ),
        (
            lambda f: f.fail_next("AT+CMGS", "+CMS ERROR: 1"),
            1,
            "unassigned number",
            gsm_errors.MESSAGE,
        ),
        (lambda f: setattr(f, "network", False), 331, "no network service", gsm_errors.MODEM),
        (
            lambda f: setattr(f, "smsc", None),
            330,
            "service centre (SMSC) address unknown",
            gsm_errors.MODEM,
        ),
        (lambda f: f.fail_next("AT+CMGS", "+CMS ERROR: 322"), 322, "memory full", gsm_errors.MODEM),
    ],
)
def test_a_refused_message_says_what_the_error_means(fake, case, no_thread_left):
    setup, code, meaning, scope = case
    with opened(fake) as modem:
        setup(fake)
        with pytest.raises(errors.GsmCommandError) as caught:
            submit_all(modem, "+8613800138000", "hello")
        assert (caught.value.family, caught.value.code, caught.value.scope) == ("CMS", code, scope)
        assert meaning in caught.value.meaning and meaning in str(caught.value)
        assert f"+CMS ERROR {code} to 'AT+CMGS=" in str(caught.value)
        assert isinstance(caught.value, errors.ModemCommandError)
        fake.network, fake.smsc = True, "+8613800100500"
        assert submit_all(modem, "+8613800138000", "hello") == [0]  # nothing was taken before
    assert len(fake.taken) == 1


def test_every_error_code_has_a_one_line_meaning():
    for table in (gsm_errors.CMS_ERRORS, gsm_errors.CME_ERRORS):
        for meaning, scope in table.values():
            assert meaning and "\n" not in meaning
            assert scope in (gsm_errors.MESSAGE, gsm_errors.RETRY, gsm_errors.MODEM)
    assert gsm_errors.meaning_of("CME", 10) == ("SIM not inserted", gsm_errors.MODEM)
    assert gsm_errors.meaning_of("CMS", 63)[0] == "network cause 63"
    assert gsm_errors.meaning_of("CMS", 0xE0)[1] == gsm_errors.MESSAGE
    assert "own error 9001" in gsm_errors.meaning_of("CMS", 9001)[0]
    assert gsm_errors.meaning_of("CME", None, "SIM busy") == ("SIM busy", gsm_errors.RETRY)


def test_a_modem_without_a_sim_refuses_to_start(fake, no_thread_left):
    fake.sim = "absent"
    with (
        GsmModem(f"serial:{fake.port}", command_timeout=WAIT) as modem,
        pytest.raises(errors.SimNotReadyError, match=r"SIM not inserted.*insert a SIM"),
    ):
        modem.initialise()
    fake.sim = "SIM PIN"
    with (
        GsmModem(f"serial:{fake.port}", command_timeout=WAIT) as modem,
        pytest.raises(errors.SimNotReadyError, match=r"SIM PIN.*remove its PIN"),
    ):
        modem.initialise()


def test_a_received_message_is_announced_read_and_deleted(fake, no_thread_left):
    with opened(fake) as modem:
        fake.inject("+8613912345678", "Call me back please")
        waiting = modem.next_event(WAIT)
        assert isinstance(waiting, MessageWaiting) and (waiting.storage, waiting.index) == ("SM", 1)
        stored = modem.read_message(waiting.index, waiting.storage)
        deliver = pdu.decode(stored.pdu)
        assert isinstance(deliver, pdu.Deliver) and stored.status == "unread"
        assert (str(deliver.originator), deliver.user_data.text) == (
            "+8613912345678",
            "Call me back please",
        )
        modem.delete_message(waiting.index)
        assert fake.stored() == 0 and modem.read_message(waiting.index) is None


def test_a_full_store_is_emptied_and_the_network_delivers_what_it_kept(tmp_path, no_thread_left):
    fake = FakeGsmModem(tmp_path / "ttyGSM", store_size=2)
    try:
        for number in range(3):  # before the box is there: the third waits at the network
            fake.inject(f"+861391234567{number}", f"message {number}")
        with opened(fake) as modem:
            assert modem.storage_use() == (2, 2)
            listed = modem.list_messages()
            assert [message.index for message in listed] == [1, 2]
            assert [pdu.decode(m.pdu).user_data.text for m in listed] == ["message 0", "message 1"]
            modem.delete_message(1)
            waiting = modem.next_event(WAIT)
            assert isinstance(waiting, MessageWaiting) and waiting.index == 1
            text = pdu.decode(modem.read_message(1).pdu).user_data.text
            assert text == "message 2"
    finally:
        fake.close()


def test_delivery_reports_straight_to_the_box(fake, no_thread_left):
    with opened(fake) as modem:
        (reference,) = submit_all(modem, "+8613800138000", "report this", status_report=True)
        assert fake.deliver_reports() == 1
        arrived = modem.next_event(WAIT)
        assert isinstance(arrived, Arrived)
        report = pdu.decode(arrived.pdu)
        assert isinstance(report, pdu.StatusReport)
        assert report.reference == reference and report.outcome is pdu.Outcome.DELIVERED


def test_delivery_reports_stored_on_a_modem_that_cannot_give_them_straight(
    tmp_path, no_thread_left
):
    fake = FakeGsmModem(tmp_path / "ttyGSM", reports="stored")
    try:
        with opened(fake) as modem:
            assert modem.reports == "stored"
            submit_all(modem, "+8613800138000", "report this", status_report=True)
            fake.deliver_reports(0x41)  # incompatible destination: failed
            waiting = modem.next_event(WAIT)
            assert isinstance(waiting, ReportWaiting) and waiting.storage == "SR"
            report = pdu.decode(modem.read_message(waiting.index, waiting.storage).pdu)
            assert report.outcome is pdu.Outcome.FAILED and report.status == 0x41
            modem.delete_message(waiting.index)
            assert fake.stored("SR") == 0
    finally:
        fake.close()


def test_text_mode_for_a_modem_without_pdu_mode(tmp_path, no_thread_left):
    fake = FakeGsmModem(tmp_path / "ttyGSM", pdu_mode=False)
    try:
        with opened(fake) as modem:
            assert modem.text_mode
            assert 'AT+CSCS="UCS2"' in fake.commands
            reference = modem.send_text(
                "+8613800138000", "您好，明天见", wide=True, status_report=True
            )
            assert reference == 0
            assert (fake.taken[0].number, fake.taken[0].text, fake.taken[0].status_report) == (
                "+8613800138000",
                "您好，明天见",
                True,
            )
            fake.deliver_reports()
            arrived = modem.next_event(WAIT)
            assert arrived.report.reference == 0 and arrived.report.status == 0
            assert arrived.report.recipient == "+8613800138000"
            fake.inject("+8613912345678", "收到，谢谢")
            waiting = modem.next_event(WAIT)
            stored = modem.read_message(waiting.index)
            assert (stored.message.sender, stored.message.text) == ("+8613912345678", "收到，谢谢")
            assert stored.message.timestamp is not None
            assert [m.message.text for m in modem.list_messages()] == ["收到，谢谢"]
    finally:
        fake.close()


def test_an_unplugged_modem_is_a_named_error_and_found_again_when_plugged_back(
    fake, no_thread_left
):
    modem = opened(fake)
    try:
        fake.unplug()
        with pytest.raises(errors.ModemGoneError, match="unplugged"):
            modem.next_event(WAIT)
        with pytest.raises(errors.ModemGoneError):
            modem.command("AT")
    finally:
        modem.close()
    with pytest.raises(errors.DeviceError, match="cannot open the modem port"):
        GsmModem(f"serial:{fake.port}")
    fake.plug()
    with opened(fake) as modem:
        assert submit_all(modem, "+8613800138000", "back again") == [0]


def test_a_prompt_left_open_by_a_killed_run_is_closed_at_start(fake, no_thread_left):
    port = serial.Serial(fake.port, timeout=0.1)
    port.write(b"ATE0\rAT+CMGS=23\r0011000D91683108")  # killed in the middle of the PDU
    assert fake.wait_for_command("AT+CMGS=23")
    port.close()
    with opened(fake) as modem:
        assert fake.cancelled == 1
        assert submit_all(modem, "+8613800138000", "whole") == [0]
    assert [taken.text for taken in fake.taken] == ["whole"]


def test_response_fields_and_text_mode_time_stamps():
    assert fields('"REC READ","+8613800138000",,"26/01/02,10:00:00+32"') == [
        "REC READ",
        "+8613800138000",
        "",
        "26/01/02,10:00:00+32",
    ]
    stamp = text_timestamp("26/01/02,10:00:00+32")
    assert stamp.isoformat() == "2026-01-02T10:00:00+08:00"
    assert text_timestamp("garbage") is None


def test_the_fake_keeps_its_name_across_plugging(fake):
    fake.unplug()
    assert not os.path.exists(fake.port)
    fake.plug()
    assert os.readlink(fake.port).startswith("/dev/pts/")


def test_a_port_that_vanishes_mid_write_is_the_modem_gone(no_thread_left):
    """pyserial lets termios.error (not an OSError) through from tcdrain on a port that
    disappeared under the write."""
    port = serial.serial_for_url("loop://", timeout=0.05)

    def vanished() -> None:
        raise termios.error(5, "Input/output error")

    port.flush = vanished
    modem = GsmModem("loop://", serial_factory=lambda *args, **kwargs: port)
    try:
        with pytest.raises(errors.ModemGoneError, match="writing to the modem port"):
            modem.command("AT")
        with pytest.raises(errors.ModemGoneError):
            modem.next_event(0)
    finally:
        modem.close()


@pytest.mark.parametrize("storages", [("SM", "ME"), ("SM",)])
def test_a_part_is_written_to_the_store_sent_from_there_and_freed(
    tmp_path, storages, no_thread_left
):
    fake = FakeGsmModem(tmp_path / "ttyGSM", store_commands=True, storages=storages)
    try:
        with opened(fake) as modem:
            assert modem.write_storage == storages[-1]  # ME when the modem has it
            encoded = pdu.encode(pdu.submits("+8613800138000", "hello")[0])
            index = modem.write_pdu(encoded.hex, encoded.length)
            assert fake.taken == []
            [unsent] = modem.list_outgoing(modem.write_storage)
            assert (unsent.index, unsent.status, unsent.pdu) == (index, "unsent", encoded.hex)
            reference = modem.send_stored(index)
            assert [(part.number, part.text, part.reference) for part in fake.taken] == [
                ("+8613800138000", "hello", reference)
            ]
            assert modem.read_message(index, modem.write_storage).status == "sent"
            assert [stored.status for stored in modem.list_outgoing()] == ["sent"]
            modem.delete_message(index)
            assert modem.list_outgoing() == []
            assert modem.read_message(index) is None
    finally:
        fake.close()


def test_a_full_store_refuses_a_written_part_and_a_modem_without_one_errors(
    tmp_path, no_thread_left
):
    fake = FakeGsmModem(tmp_path / "ttyGSM", store_commands=True, me_size=1)
    try:
        with opened(fake) as modem:
            encoded = pdu.encode(pdu.submits("+8613800138000", "hello")[0])
            modem.write_pdu(encoded.hex, encoded.length)
            with pytest.raises(errors.GsmCommandError) as full:
                modem.write_pdu(encoded.hex, encoded.length)
            assert full.value.code == 322
    finally:
        fake.close()
    plain = FakeGsmModem(tmp_path / "ttyGSM2")
    try:
        with opened(plain) as modem:
            with pytest.raises(errors.ModemCommandError):
                modem.write_pdu(encoded.hex, encoded.length)
            with pytest.raises(errors.ModemCommandError):
                modem.send_stored(1)
    finally:
        plain.close()

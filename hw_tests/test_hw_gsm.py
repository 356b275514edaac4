"""A real GSM modem for text messages (LINEREC_HW_GSM, a serial URL; LINEREC_HW_SMS_TO, a
mobile number whose owner checks that the messages came)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from drivers.gsm_modem import open_gsm_modem
from firmware.sms import pdu
from hw_tests.hardware import announce, interactive_wait

pytestmark = pytest.mark.hw


@pytest.fixture
def gsm_url() -> str:
    url = os.environ.get("LINEREC_HW_GSM")
    if not url:
        pytest.skip("no GSM modem given: set LINEREC_HW_GSM=serial:/dev/linerec-gsm")
    device = url.removeprefix("serial:").partition("?")[0]
    if url.startswith("serial:") and not Path(device).exists():
        pytest.skip(f"no GSM modem at {device} ({url!r}); is it plugged in?")
    return url


def test_the_gsm_modem_is_ready_to_send(gsm_url):
    with open_gsm_modem(gsm_url) as modem:
        facts = modem.initialise()
        registration = modem.registration()
        signal = modem.signal_dbm()
        store = modem.write_storage
    print(f"\nGSM modem: {facts}; network {registration.name}; signal {signal} dBm; "
          f"sends through its store: {store or 'no (AT+CMGS: the one-part window applies)'}")
    assert registration.registered, "the modem is not on a network (SIM, aerial, coverage?)"


def test_a_short_and_a_long_chinese_message_reach_a_phone(gsm_url):
    number = os.environ.get("LINEREC_HW_SMS_TO")
    if not number:
        pytest.skip("set LINEREC_HW_SMS_TO to a mobile number whose owner checks the messages")
    interactive_wait()
    long_text = "linerec 长短信测试：" + "这是一条分成几部分发送的中文短信。" * 6
    texts = ["linerec: a short test message", long_text]
    with open_gsm_modem(gsm_url) as modem:
        modem.initialise()
        for reference, text in enumerate(texts):
            parts = [pdu.encode(submit) for submit in pdu.submits(
                number, text, reference=reference * 8, concat_reference=reference + 1)]
            references = [modem.send_pdu(part.hex, part.length) for part in parts]
            print(f"\n{len(parts)} part(s) sent, references {references}")
            assert all(ref is not None for ref in references), "the modem gave no reference"
    announce(f"{number} should now show two messages, the second one whole, in Chinese")

"""The engine's ``sms`` thread in a process of its own, until it is killed.

``python tests/sms_sender_process.py DATABASE MODEM_URL`` sends the queue in DATABASE
through the GSM modem at MODEM_URL (delivery reports off) and never ends by itself:
``tests/test_sms_kills.py`` kills it (SIGKILL) at random moments and starts it again.
"""

from __future__ import annotations

import sys

from firmware.config import Sms
from firmware.engine.sms import SmsService
from firmware.store.db import Store


def main(database: str, url: str) -> None:
    store = Store(database)
    service = SmsService(
        store,
        lambda: Sms(modem=url, delivery_reports=False),
        lambda: "CN",
        reopen_delays_s=(0.05, 0.2),
        modem_wait_s=0.5,
        check_s=3600.0,
        queue_look_s=0.05,
    )
    service.start()
    print("sending", flush=True)
    service.join()


if __name__ == "__main__":
    main(*sys.argv[1:3])

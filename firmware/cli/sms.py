"""``linerec sms status|modem|send``: the GSM modem for text messages, for installers.

``modem URL`` sets the modem's port (``device.sms.modem``; ``off`` clears it) and tells a
running engine; ``status`` says what the engine sees of the modem (SIM, network, signal,
the last problem) and counts the queue; ``send NUMBER TEXT`` queues a message, to try
the modem out. The pages for everyday text messages are the web's.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from firmware.config import Config, ConfigStore, default_config
from firmware.country.numbers import describe
from firmware.country.profiles import profile
from firmware.datafolder import DATA_HELP, DataFolder, default_data_folder
from firmware.health.report import engine_status
from firmware.link import contract
from firmware.store.db import Store
from firmware.store.sms import SmsStore

EXIT_OK = 0
EXIT_NOT_READY = 1


def _config(folder: DataFolder) -> Config:
    return ConfigStore(folder.root).read() or default_config()


def _tell_engine(folder: DataFolder) -> str:
    from firmware.link.bus import BusClient, BusError  # noqa: PLC0415 - sockets only when asked

    try:
        with BusClient(folder.bus_socket, timeout=10) as client:
            client.command(contract.ReloadConfigCommand())
    except (BusError, OSError, contract.CommandRefusedError, contract.ContractError):
        return "the engine is not running: it uses the modem when it starts"
    return "the engine took it"


def _modem(args: argparse.Namespace) -> int:
    folder = DataFolder(args.data)
    folder.check()
    store = ConfigStore(folder.root)
    url = "" if args.url == "off" else args.url
    sms = store.load().device.sms
    store.set_device(
        sms={
            "modem": url,
            "delivery_reports": sms.delivery_reports,
            "validity_hours": sms.validity_hours,
        }
    )
    said = f"the GSM modem is {url}" if url else "no GSM modem: text messages wait in the queue"
    print(f"{store.path}: {said}; {_tell_engine(folder)}")
    return EXIT_OK


def _status(args: argparse.Namespace) -> int:
    folder = DataFolder(args.data)
    folder.check()
    config = _config(folder)
    reply = engine_status(folder)
    state = reply.sms if reply is not None else None
    with Store(folder.database) as store:
        counts = SmsStore(store).counts()
        unread = SmsStore(store).inbox.unread_count()
    print(f"modem setting: {config.device.sms.modem or '(none: text messages are off)'}")
    if reply is None:
        print("engine: not running")
    elif state is None or not state.enabled:
        print("modem: not used")
    else:
        print(
            f"modem: {'ready' if state.present else 'not ready'}"
            + (f" ({state.model}, {state.mode} mode)" if state.model else "")
        )
        print(f"SIM: {state.sim or 'unknown'}")
        signal = f", signal {state.signal_dbm} dBm" if state.signal_dbm is not None else ""
        operator = f" ({state.operator})" if state.operator else ""
        print(f"network: {state.network or 'unknown'}{operator}{signal}")
        print(f"delivery reports: {state.reports or 'none'}")
        if state.last_error:
            when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(state.last_error_at or 0))
            print(f"last problem: {state.last_error} ({when})")
    print(
        "queue: "
        + ", ".join(f"{count} {name}" for name, count in counts.items())
        + f"; received: {unread} unread"
    )
    return EXIT_OK if state is not None and state.present else EXIT_NOT_READY


def _send(args: argparse.Namespace) -> int:
    folder = DataFolder(args.data)
    folder.check()
    region = profile(_config(folder).device.country).region
    with Store(folder.database) as store:
        message = SmsStore(store).enqueue(
            args.number,
            args.text,
            source="manual",
            number_e164=describe(args.number, region).e164,
            now=time.time(),
        )
    print(f"text message {message} queued to {args.number}; see it go with: linerec sms status")
    return EXIT_OK


def register(commands: argparse._SubParsersAction) -> None:
    sms = commands.add_parser("sms", help="the GSM modem for text messages: set it, see it, try it")
    actions = sms.add_subparsers(dest="sms_action", metavar="ACTION", required=True)
    status = actions.add_parser("status", help="the modem, its SIM and network, the queue")
    status.set_defaults(handler=_status)
    modem = actions.add_parser("modem", help="set the modem's port (off: no modem)")
    modem.add_argument(
        "url",
        metavar="URL",
        help="e.g. serial:/dev/ttyUSB2 or serial:/dev/linerec-gsm?baud=115200; off",
    )
    modem.set_defaults(handler=_modem)
    send = actions.add_parser("send", help="queue a text message (to try the modem out)")
    send.add_argument("number", metavar="NUMBER")
    send.add_argument("text", metavar="TEXT")
    send.set_defaults(handler=_send)
    for action in (status, modem, send):
        action.add_argument("--data", type=Path, default=default_data_folder(), help=DATA_HELP)

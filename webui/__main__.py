"""``python -m webui``: the web process (``linerec web`` runs this).

Serves the web UI of a data folder until SIGINT or SIGTERM, following the
engine through its bus socket in the same folder. Prints its address once
it listens (``linerec run`` waits for that line).
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sqlite3
import sys
import threading
from pathlib import Path

from firmware.cli.processes import WEB_READY
from firmware.datafolder import DATA_HELP, DataFolder, default_data_folder, private_files
from firmware.engine.systemd import Notifier
from firmware.errors import LinerecError
from firmware.prompts.library import make_own_prompts
from webui.server import InsecureBindError, open_server


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="linerec web", description=__doc__)
    parser.add_argument("--data", type=Path, default=default_data_folder(), help=DATA_HELP)
    parser.add_argument("--host", default="0.0.0.0", help="address to listen on (0.0.0.0)")
    parser.add_argument("--port", type=int, default=8443, help="port (8443)")
    parser.add_argument(
        "--http", action="store_true", help="plain HTTP (loopback addresses only: development)"
    )
    # linerec run: stop when the process that started us is gone, even if it was killed.
    parser.add_argument("--parent-pid", type=int, help=argparse.SUPPRESS)
    return parser


def watch_parent(parent_pid: int, stop: threading.Event, every_s: float = 0.5) -> None:
    """Set ``stop`` once ``parent_pid`` is no longer our parent (it died, even by SIGKILL)."""

    def watch() -> None:
        while not stop.wait(every_s):
            if os.getppid() != parent_pid:
                stop.set()
                logging.getLogger("webui").info("the process that started the web UI is gone")

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def main(argv: list[str] | None = None) -> int:
    private_files()  # what the web makes in the data folder is the box's user's alone
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        DataFolder(args.data).check()  # missing or read-only: named in one line, not a traceback
        server = open_server(args.data, args.host, args.port, tls=not args.http)
        server.start()
    except (InsecureBindError, LinerecError) as error:
        print(f"linerec web: error: {error}", file=sys.stderr)
        return 2
    except sqlite3.DatabaseError as error:
        database = DataFolder(args.data).database
        print(
            f"linerec web: error: {database}: cannot use the database: {error}; "
            f"run: linerec recover --data {args.data}",
            file=sys.stderr,
        )
        return 2
    except OSError as error:
        print(f"linerec web: error: cannot listen on {args.host}:{args.port}: {error}",
              file=sys.stderr)
        return 1
    # The server's worker threads keep the process alive until it is stopped: whatever
    # ends this (a signal, the parent gone, a pipe closed under the ready line), stop it.
    stop = threading.Event()
    notifier = Notifier.from_environment()  # systemd's Type=notify: ready once it listens
    try:
        print(WEB_READY + server.url, flush=True)
        threading.Thread(target=make_own_prompts, args=(args.data, stop), name="prompts",
                         daemon=True).start()
        notifier.notify("READY=1", f"STATUS=serving at {server.url}")
        if args.parent_pid is not None:
            watch_parent(args.parent_pid, stop)
        for signal_number in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signal_number, lambda *_: stop.set())
        while not stop.wait(0.5):
            pass
    except OSError:  # the process that started it closed the pipe it reads: it is gone
        pass
    finally:
        stop.set()
        notifier.notify("STOPPING=1")
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""``linerec run``, ``linerec engine`` and ``linerec web``: the box's processes.

``run`` is the embedded default for development: the engine on the
simulated office (lines whose driver setting is plain ``sim:``), with its
data in ``./data``, and the web UI beside it as its own process on
``http://127.0.0.1:<port>/``, printing each call as it happens until Ctrl-C;
SIGUSR1 cues the office (the scenario's next call marked ``cue`` comes).
``engine`` is the engine alone, on the lines as configured, for systemd;
``web`` is the web process alone (``python -m webui``), also for systemd.
The web UI runs as a separate process (never imported here), so a busy
page can never make the recorder drop audio.

A data folder that is missing or read-only, or a configuration that cannot
be read, is one line naming it and the problem, and exit status 2: the
engine's start checks them, and ``run`` checks them before it builds the
simulated office.
"""

from __future__ import annotations

import argparse
import contextlib
import faulthandler
import io
import logging
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from drivers.opening import open_capture, open_playback, open_signals
from firmware.config import Config, ConfigStore, Line
from firmware.datafolder import DATA_HELP, DataFolder, default_data_folder
from firmware.engine import Engine
from firmware.engine.systemd import EngineWatchdog, Notifier, watchdog_interval_s
from firmware.engine.worker import LineIO
from firmware.link import contract

log = logging.getLogger(__name__)

# The line the web process prints once it listens, followed by its address.
WEB_READY = "linerec web: serving at "
WEB_START_TIMEOUT_S = 60.0


def _say(text: str) -> None:
    print(text, flush=True)


def _caller(event: contract.CallerIdKnown) -> str:
    name = f" {event.name}" if event.name else ""
    where = f" ({event.location_en})" if event.location_en else ""
    return f"caller {event.number or 'withheld'}{name}{where}"


def _answered(event: contract.CallAnswered) -> str:
    if event.direction == "out":
        return f"answered (dialled {event.number or 'no digits'})"
    return "answered"


_DESCRIPTIONS: dict[type[contract.Event], Callable[[Any], str]] = {
    contract.CallStarted: lambda e: "incoming call" if e.direction == "in" else "outgoing call",
    contract.CallerIdKnown: _caller,
    contract.CallAnswered: _answered,
    contract.RecordingStarted: lambda e: f"recording {e.path}",
    contract.RecordingFailed: lambda e: f"recording FAILED: {e.error}",
    contract.CallEnded: lambda e: f"call ended ({e.outcome})",
    contract.ActStarted: lambda e: f"the box: {e.act}",
    contract.ActEnded: lambda e: f"the box: {e.act} {e.outcome}"
    + (f" ({e.value})" if e.value is not None else ""),
}


def describe_event(event: contract.Published) -> str | None:
    """One line of text for the events a person watching the console cares about."""
    describe = _DESCRIPTIONS.get(type(event))
    return f"line {event.line}: {describe(event)}" if describe else None


def _print_event(event: contract.Published) -> None:
    text = describe_event(event)
    if text:
        _say(text)


def open_configured_line(line: Line, simulated_prefix: str | None = None) -> LineIO:
    """Open a line's drivers; plain ``sim:`` means the simulated office's line of that number.

    A line with a voice modem takes its audio both ways and its signals from the modem.
    """
    if line.modem:
        from drivers.modem_line import open_modem_line  # noqa: PLC0415 - pyserial only if used

        modem_line = open_modem_line(line.modem)
        try:
            modem_line.start()
        except BaseException:
            modem_line.close()
            raise
        return LineIO(modem_line.capture, modem_line.signals, modem_line.playback)

    def resolve(url: str) -> str:
        if url == "sim:" and simulated_prefix is not None:
            return f"sim:{simulated_prefix}{line.number}"
        return url

    signals = open_signals(resolve(line.signals)) if line.signals else None
    capture = open_capture(resolve(line.audio))
    try:
        playback = open_playback(resolve(line.playback)) if line.playback else None
    except BaseException:
        capture.close()
        if signals is not None:
            signals.close()
        raise
    return LineIO(capture, signals, playback)


def _wait_for_stop(stop: threading.Event) -> None:
    for signal_number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signal_number, lambda *_: stop.set())
    while not stop.wait(0.5):
        pass


def checked_configuration(data_dir: Path, *, create: bool) -> Config:
    """The configuration of a data folder that an engine can work in.

    The folder must be there (``create``: made if missing, never its parents)
    and writable, and the configuration readable; each failure is a
    LinerecError naming the file and the problem.
    """
    folder = DataFolder(data_dir)
    folder.check(create=create)
    return ConfigStore(folder.root).load()


def configuration_for_run(data_dir: Path, scenario: Any) -> tuple[Config, list[str]]:
    """The data folder's configuration for ``run``, and what was set up on it: a folder
    without one gets the default configuration, set up for the scenario's calls
    (``firmware.simulation.demo.prepare_demo_box``: voicemail, the announcement, a voice
    menu, the call firewall's lists); a folder that had one is left as it is."""
    new = not DataFolder(data_dir).config.exists()
    config = checked_configuration(data_dir, create=True)
    if not new:
        return config, []
    from firmware.simulation.demo import prepare_demo_box  # noqa: PLC0415

    set_up = prepare_demo_box(data_dir, scenario)
    return (ConfigStore(data_dir).load() if set_up else config), set_up


def run(args: argparse.Namespace) -> int:
    # Imported here: the simulator needs the DSP generators, `linerec engine` does not.
    from firmware.simulation import scenario as scenarios  # noqa: PLC0415
    from firmware.simulation.office import PREFIX, Office  # noqa: PLC0415
    from firmware.simulation.sounds import box_sounds  # noqa: PLC0415

    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    data_dir: Path = args.data
    DataFolder(data_dir).check(create=True)
    office_scenario = scenarios.load(args.scenario)
    config, set_up = configuration_for_run(data_dir, office_scenario)
    for text in set_up:
        _say(f"linerec: a new box, set up for the scenario: {text}")
    from firmware.simulation.prompts import prompt_audio  # noqa: PLC0415

    simulated = [line.number for line in config.lines if line.enabled and line.audio == "sim:"]
    # The box plays its prompt library's prompts (its own are spoken a few seconds after
    # the start); the office's stand-ins fill in for any the library does not have yet.
    engine = Engine(
        data_dir,
        lambda line: open_configured_line(line, PREFIX),
        publish=_print_event,
        fallback_prompts=prompt_audio,
    )
    office = Office(
        office_scenario, box_sounds(), speed=args.speed, engine_frames=engine.line_frames
    )
    # `kill -USR1 <pid>`: the next cued call comes (a test once it is ready for it).
    signal.signal(signal.SIGUSR1, lambda *_: office.cue())
    engine.start()
    office.start()
    _say(
        f"linerec: {len(engine.workers)} lines ({len(simulated)} on the simulated office, "
        f"scenario {args.scenario!r} at x{args.speed:g}); data in {data_dir}"
    )
    try:
        web, url = start_web(data_dir, "127.0.0.1", args.port, tls=False)
    except WebStartError as error:
        _say(f"linerec: error: {error}")
        office.stop()
        engine.stop()
        return 1
    _say(f"linerec: web UI at {url}  (first visit: create the admin account)")
    _say("linerec: press Ctrl-C to stop")
    stop = threading.Event()
    threading.Thread(target=lambda: (office.join(), stop.set()), daemon=True).start()
    threading.Thread(target=lambda: (web.wait(), stop.set()), daemon=True).start()
    _wait_for_stop(stop)
    stop_web(web)
    office.stop()
    engine.stop()
    _say("linerec: stopped")
    return 0


class WebStartError(RuntimeError):
    """The web process did not come up."""


def web_command(data_dir: Path, host: str, port: int, tls: bool) -> list[str]:
    command = [sys.executable, "-m", "webui", "--data", str(data_dir), "--host", host]
    command += ["--port", str(port)] + ([] if tls else ["--http"])
    return command


def start_web(
    data_dir: Path, host: str, port: int, *, tls: bool
) -> tuple[subprocess.Popen, str]:
    """Start the web process; return it and its address once it listens."""
    web = subprocess.Popen(
        [*web_command(data_dir, host, port, tls), "--parent-pid", str(os.getpid())],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    ready: list[str] = []
    said: list[str] = []
    found = threading.Event()

    def read_output() -> None:
        for text in web.stdout:
            if text.startswith(WEB_READY) and not found.is_set():
                ready.append(text[len(WEB_READY) :].strip())
                found.set()
            elif not found.is_set():
                said.append(text.rstrip())
            elif " ERROR " in text or text.startswith(("ERROR", "Traceback")):
                print(f"web: {text.rstrip()}", flush=True)
        found.set()

    threading.Thread(target=read_output, name="web-output", daemon=True).start()
    found.wait(WEB_START_TIMEOUT_S)
    if not ready:
        stop_web(web)
        last = said[-1] if said else "no output"
        raise WebStartError(f"the web UI did not start ({last})")
    return web, ready[0]


def stop_web(web: subprocess.Popen) -> None:
    if web.poll() is None:
        web.terminate()
        try:
            web.wait(10)
        except subprocess.TimeoutExpired:
            web.kill()
            web.wait()


def web_process(args: argparse.Namespace) -> int:
    """``linerec web``: become the web process (``python -m webui``)."""
    command = web_command(args.data, args.host, args.port, tls=not args.http)
    os.execv(sys.executable, command)
    return 1  # not reached: execv replaces this process


def engine_command(args: argparse.Namespace) -> int:
    """``linerec engine``: the engine alone; under systemd it says READY=1 once the lines
    run, how they are (STATUS=), pings the watchdog while every line's worker is well, and
    STOPPING=1 (``firmware.engine.systemd``). When the watchdog kills it (SIGABRT), every
    thread's stack goes to stderr (the journal) first: where the frozen worker was."""
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    with contextlib.suppress(io.UnsupportedOperation, AttributeError, ValueError):
        faulthandler.enable()  # not where stderr is no file (the command run in-process)
    notifier = Notifier.from_environment()
    try:
        checked_configuration(args.data, create=False)
        engine = Engine(args.data, open_configured_line)
        notifier.status("recovering the data folder and starting the lines")
        engine.start()
    except Exception as error:  # the reason is the service's last status too
        notifier.status(f"cannot start: {error}")
        raise
    watchdog = EngineWatchdog(engine, notifier, ping_every_s=watchdog_interval_s())
    watchdog.start()
    stop = threading.Event()
    _wait_for_stop(stop)
    watchdog.stop()
    engine.stop()
    notifier.close()
    return 0


def register(commands: argparse._SubParsersAction, positive_float, port) -> None:
    run_parser = commands.add_parser(
        "run", help="start the box on the simulated office lines (development default)"
    )
    run_parser.add_argument("--data", type=Path, default=default_data_folder(), help=DATA_HELP)
    run_parser.add_argument(
        "--speed", type=positive_float, default=1.0, help="simulated clock speed-up (1)"
    )
    run_parser.add_argument(
        "--port", type=port, default=8080, help="web port (8080; 0: any free port)"
    )
    run_parser.add_argument(
        "--scenario", default="demo-office", help="scenario name or TOML file (demo-office)"
    )
    run_parser.set_defaults(handler=run)

    engine = commands.add_parser("engine", help="run the line engine on the configured lines")
    engine.add_argument("--data", type=Path, default=default_data_folder(), help=DATA_HELP)
    engine.set_defaults(handler=engine_command)

    web = commands.add_parser("web", help="run the web UI (HTTPS) for the data folder")
    web.add_argument("--data", type=Path, default=default_data_folder(), help=DATA_HELP)
    web.add_argument("--host", default="0.0.0.0", help="address to listen on (0.0.0.0)")
    web.add_argument("--port", type=port, default=8443, help="port (8443)")
    web.add_argument(
        "--http", action="store_true", help="plain HTTP (loopback addresses only: development)"
    )
    web.set_defaults(handler=web_process)


__all__ = [
    "WEB_READY",
    "checked_configuration",
    "describe_event",
    "engine_command",
    "open_configured_line",
    "register",
    "run",
    "start_web",
    "stop_web",
]

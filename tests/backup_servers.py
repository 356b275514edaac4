"""Real backup servers on loopback for the backup tests, started and stopped by the tests.

- ``sftp_server``: ``rclone serve sftp`` over a folder, with a user and password (it runs
  ``md5sum`` for its clients, as an OpenSSH server with coreutils does);
- ``s3_server``: moto's S3 server (``moto[server]``, the ``dev`` extra);
- ``smb_server``: Samba's ``smbd`` (Debian's ``samba``) with a private configuration, its
  own state under the test's folder, one share and one user; smbd serves users only as
  root, so these tests need root (as CI runs ``make test``);
- ``recorded_box``: a data folder that recorded the ``short`` scenario of the simulated
  office (played once per test session, copied for each test).

A test that needs rclone, moto or smbd and cannot have them is skipped with the reason,
except in CI (``CI`` set), where that is a failure: CI must run them.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from firmware.config import ConfigStore, to_plain

SERVER_START_S = 20.0


def require(program_or_module: str, why: str) -> None:
    """Skip (fail in CI) unless ``program_or_module`` is here."""
    found = (shutil.which(program_or_module) is not None if "." not in program_or_module
             else _module_exists(program_or_module))
    if found:
        return
    missing(f"{program_or_module} is not installed: {why}")


def missing(message: str) -> None:
    """Skip with ``message`` (fail in CI, which must run every test)."""
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def _module_exists(name: str) -> bool:
    import importlib.util  # noqa: PLC0415 - only here

    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:
        return False


def require_rclone() -> None:
    require("rclone", "backups off the box run rclone (sudo apt-get install rclone)")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_for_port(port: int, process: subprocess.Popen, what: str, log: Path) -> None:
    deadline = time.monotonic() + SERVER_START_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = log.read_text(encoding="utf-8", errors="replace")
            raise AssertionError(f"{what} stopped at its start: {output[-2000:]}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.05)
    process.kill()
    raise AssertionError(f"{what} did not listen on port {port} within {SERVER_START_S} s")


def _environment(home: Path) -> dict[str, str]:
    environment = {name: value for name, value in os.environ.items()
                   if not name.startswith(("AWS_", "RCLONE_"))}
    environment["HOME"] = str(home)
    environment["XDG_CACHE_HOME"] = str(home / "cache")
    return environment


@contextlib.contextmanager
def _running(command: list[str], port: int, what: str, home: Path,
             environment: dict[str, str] | None = None, *, own_group: bool = False
             ) -> Iterator[int]:
    """``command`` running until the block ends; ``own_group``: in a process group of its
    own, stopped with all its processes (a server that signals its group as it stops
    must not reach the tests)."""
    home.mkdir(parents=True, exist_ok=True)
    log = home / f"server-{port}.log"
    # A file, not a pipe: a server logs every request, and a full pipe would stop it.
    with log.open("wb") as output:
        process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT,
                                   env={**_environment(home), **(environment or {})},
                                   start_new_session=own_group)
    try:
        _wait_for_port(port, process, what, log)
        yield port
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if own_group:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)  # whatever it left running


@contextlib.contextmanager
def sftp_server(root: Path, user: str, password: str, home: Path) -> Iterator[int]:
    require_rclone()
    root.mkdir(parents=True, exist_ok=True)
    port = free_port()
    command = ["rclone", "serve", "sftp", str(root), "--addr", f"127.0.0.1:{port}",
               "--user", user, "--pass", password, "--config", str(home / "none.conf")]
    with _running(command, port, "rclone serve sftp", home) as port:
        yield port


@contextlib.contextmanager
def s3_server(home: Path) -> Iterator[tuple[int, str, str]]:
    """moto's S3 server checking credentials as S3 does; yields its port and the one access
    key (id and secret) it takes, made through its IAM before it starts checking."""
    require("moto.server", "the S3 tests run moto's server (pip install 'moto[server]': the "
            "dev extra)")
    import boto3  # noqa: PLC0415 - comes with moto

    port = free_port()
    command = [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)]
    # The first three requests (the user, its key, its policy) go unchecked; every later
    # one must be signed with that key.
    checking = {"INITIAL_NO_AUTH_ACTION_COUNT": "3"}
    with _running(command, port, "moto's S3 server", home, checking) as port:
        iam = boto3.client(
            "iam", endpoint_url=f"http://127.0.0.1:{port}", region_name="us-east-1",
            aws_access_key_id="setup", aws_secret_access_key="setup",
        )
        iam.create_user(UserName="box")
        key = iam.create_access_key(UserName="box")["AccessKey"]
        iam.put_user_policy(
            UserName="box", PolicyName="backups",
            PolicyDocument='{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", '
                           '"Action": "s3:*", "Resource": "*"}]}',
        )
        yield port, key["AccessKeyId"], key["SecretAccessKey"]


SMB_CONF = """\
[global]
    server role = standalone server
    smb ports = {port}
    bind interfaces only = yes
    interfaces = lo
    disable netbios = yes
    server min protocol = SMB2
    lock directory = {state}/lock
    state directory = {state}/state
    cache directory = {state}/cache
    private dir = {state}/private
    pid directory = {state}/pid
    ncalrpc dir = {state}/ncalrpc
    log file = {state}/log.%m
    passdb backend = tdbsam:{state}/passdb.tdb
    username map = {state}/users.map
    map to guest = Never
    load printers = no
    printing = bsd
    printcap name = /dev/null
    disable spoolss = yes

[Backups]
    path = {share}
    read only = no
    valid users = root
    force user = root
"""


@contextlib.contextmanager
def smb_server(share: Path, user: str, password: str, home: Path) -> Iterator[int]:
    """smbd serving ``share`` as ``Backups`` on loopback to ``user`` with ``password``;
    yields its port. Samba authenticates a Unix account: ``user`` is mapped to root (the
    account smbd runs as), so no account is added to the system."""
    for program in ("smbd", "smbpasswd"):
        require(program, "the SMB tests run Samba's server (sudo apt-get install samba)")
    if os.geteuid() != 0:
        missing("the SMB tests need root: smbd serves its users only when run as root")
    share.mkdir(parents=True, exist_ok=True)
    state = home / "samba"
    for folder in ("lock", "state", "cache", "private", "pid", "ncalrpc"):
        (state / folder).mkdir(parents=True, exist_ok=True)
    (state / "users.map").write_text(f"root = {user}\n", encoding="utf-8")
    port = free_port()
    conf = state / "smb.conf"
    conf.write_text(SMB_CONF.format(port=port, state=state, share=share), encoding="utf-8")
    added = subprocess.run(["smbpasswd", "-c", str(conf), "-a", "-s", "root"],
                           input=f"{password}\n{password}\n", text=True, capture_output=True,
                           check=False, env=_environment(home))
    assert added.returncode == 0, f"smbpasswd did not add the user: {added.stderr.strip()}"
    # --no-process-group: smbd stays in the group it is started in, its own; as it stops,
    # it signals every process of that group.
    command = ["smbd", "--foreground", "--no-process-group", "--debug-stdout", "-s", str(conf)]
    with _running(command, port, "Samba's smbd", home, own_group=True) as port:
        yield port


def add_target(data: Path, **target) -> None:
    """Add a backup target to ``data``'s configuration (backups stay as they are)."""
    store = ConfigStore(data)
    plain = to_plain(store.load())
    plain["device"]["backup"]["targets"].append(target)
    store.set_device(backup=plain["device"]["backup"])


def copy_box(template: Path, target: Path) -> Path:
    """A copy of a recorded data folder (its own box: no box id yet)."""
    shutil.copytree(template, target, symlinks=True)
    (target / "box-id").unlink(missing_ok=True)
    (target / "engine.lock").unlink(missing_ok=True)
    return target


def add_recordings(data: Path, count: int, seconds: float, *, line: int = 1,
                   number: str = "13912345678", start: float = 1_790_000_000.0) -> list[int]:
    """``count`` finished recordings of ``seconds`` of A-law noise, each with its call, as
    the engine leaves them (file, sidecar, index); their ids."""
    import secrets  # noqa: PLC0415 - only here

    from firmware.store.db import Store  # noqa: PLC0415
    from firmware.store.recordings import RecordingFile, relative_path  # noqa: PLC0415

    ids = []
    with Store(data / "linerec.db") as store:
        for index in range(count):
            started = start + index * 600
            call_id = store.start_call(line, "in", started, number=number)
            relative = relative_path(line, started, str(call_id))
            recording = RecordingFile(
                data / "recordings", relative, "alaw",
                {"line": line, "started_at": started,
                 "call": {"call_id": call_id, "direction": "in", "started_at": started,
                          "answered_at": started, "number": number}},
            )
            recording.append(secrets.token_bytes(int(8000 * seconds)))
            ended = started + seconds
            sha256 = recording.close(ended)
            recording_id = store.add_recording(line, relative, "alaw", started, call_id=call_id)
            store.finish_recording(recording_id, ended_at=ended, samples=recording.samples,
                                   sha256=sha256)
            store.update_call(call_id, answered_at=started)
            store.end_call(call_id, "answered", ended)
            ids.append(recording_id)
    return ids


def record_short(data: Path, prefix: str) -> Path:
    """``data`` after the simulated office played its ``short`` scenario through an Engine
    (two lines, three calls, two recordings)."""
    from firmware.cli.processes import open_configured_line  # noqa: PLC0415 - engine tests
    from firmware.engine import Engine  # noqa: PLC0415
    from firmware.simulation.office import Office  # noqa: PLC0415
    from firmware.simulation.scenario import load  # noqa: PLC0415
    from firmware.simulation.sounds import box_sounds  # noqa: PLC0415
    from tests.engine_config import configure  # noqa: PLC0415

    data.mkdir(parents=True, exist_ok=True)
    configure(data, 2)
    office = Office(load("short"), box_sounds(), speed=0, prefix=prefix)
    engine = Engine(data, lambda line: open_configured_line(line, prefix))
    engine.start()
    office.start()
    office.join(timeout=120)
    assert engine.wait(timeout=60), "the lines did not finish"
    engine.stop()
    return data

"""A data folder the box cannot work in: each command says so in one line, exit status 2.

``linerec run``, ``engine``, ``recover``, ``check-config`` and ``web`` on a folder that is
read-only (mounted so: the tests run as root, whom chmod does not stop), missing, or a
file: one line naming the folder and the problem, never a traceback, and nothing made.
"""

from __future__ import annotations

import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from firmware.cli.commands import main
from firmware.config import ConfigStore
from tests.recovery_folders import linerec, office_folder, run_read_only
from webui.__main__ import main as web_main


def commands(data: str) -> dict[str, list[str]]:
    return {
        "run": linerec("run", "--data", data, "--scenario", "short", "--port", "0"),
        "engine": linerec("engine", "--data", data),
        "recover": linerec("recover", "--data", data),
        "check-config": linerec("check-config", "--data", data),
        "web": [sys.executable, "-m", "webui", "--data", data, "--http", "--host", "127.0.0.1",
                "--port", "0"],
    }


def prefix(name: str) -> str:
    return "linerec web: error: " if name == "web" else "linerec: error: "


def test_a_read_only_data_folder_is_one_line_from_every_command(tmp_path):
    office = office_folder(tmp_path / "data", busy_calls=0)
    ConfigStore(office.folder.root).load()
    data = str(office.folder.root)
    before = sorted(path.name for path in office.folder.root.iterdir())
    named = commands(data)
    results = run_read_only(office.folder.root, list(named.values()))
    for name, (status, out, err) in zip(named, results, strict=True):
        assert status == 2, (name, out, err)
        assert err == (
            f"{prefix(name)}data folder {data} is read-only: the box must write its database "
            "and recordings there\n"
        ), name
        assert "Traceback" not in out
    assert sorted(path.name for path in office.folder.root.iterdir()) == before


@pytest.mark.parametrize("fault", ["missing", "missing parent", "a file"])
def test_a_missing_data_folder_is_one_line_from_every_command(tmp_path, capsys, fault):
    data = tmp_path / "data"
    if fault == "missing parent":
        data = tmp_path / "unmounted-disk" / "data"
    elif fault == "a file":
        data.write_text("not a folder")
    for name, command in commands(str(data)).items():
        if name == "run" and fault == "missing":
            continue  # `linerec run` makes its ./data (the development default)
        # In this process, as the command's own process would run it: faster than starting one.
        status = web_main(command[3:]) if name == "web" else main(command[3:])
        out, err = capsys.readouterr()
        assert (status, out) == (2, ""), (name, out, err)
        assert err.count("\n") == 1, (name, err)
        if fault == "a file":
            problem = "is not a folder"
        elif name == "run":
            problem = f"does not exist, nor the folder it would be made in ({data.parent})"
        else:
            problem = "does not exist"
        assert err.startswith(f"{prefix(name)}data folder {data} {problem}"), (name, err)
    assert data.is_file() if fault == "a file" else not data.exists()


def test_the_web_on_a_damaged_database_is_one_line_naming_it(tmp_path, capsys):
    office = office_folder(tmp_path / "data", busy_calls=0)
    office.folder.database.write_bytes(b"no database" * 100)
    data = str(office.folder.root)
    assert web_main(["--data", data, "--http", "--host", "127.0.0.1", "--port", "0"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1
    assert err.startswith(f"linerec web: error: {office.folder.database}: ")


def processes_on(data: Path) -> list[str]:
    """The command lines of the processes running on the data folder ``data``."""
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            words = cmdline.read_bytes().split(b"\0")
        except OSError:
            continue
        if str(data).encode() in words and b"webui" in words:
            found.append(b" ".join(words).decode(errors="replace"))
    return found


def test_what_the_box_keeps_is_readable_by_its_user_only_whatever_the_umask(tmp_path):
    """Started under the usual umask (022), the box's processes still make the data folder
    and everything in it private: the folder 0700, files 0600."""
    data = tmp_path / "data"
    data.mkdir(mode=0o755)
    script = (
        "import os, sys\n"
        "os.umask(0o022)\n"
        "from firmware.cli import main\n"
        "sys.exit(main(['run', '--data', sys.argv[1], '--scenario', 'short', '--speed', '40',"
        " '--port', '0']))\n"
    )
    process = subprocess.Popen([sys.executable, "-c", script, str(data)],
                               stdout=subprocess.PIPE, text=True)
    for line in process.stdout:
        if "recording " in line:  # a recording has begun: files of every kind exist
            break
    process.send_signal(signal.SIGINT)
    process.wait(timeout=60)
    process.stdout.close()
    # Stopped early in its start, the box leaves no web process behind either.
    deadline = time.monotonic() + 10
    while processes_on(data):
        assert time.monotonic() < deadline, f"left running: {processes_on(data)}"
        time.sleep(0.1)
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    loose = []
    for path in data.rglob("*"):
        mode = stat.S_IMODE(path.lstat().st_mode)
        if path.is_socket():
            continue  # the engine's sockets: 0660, inside the private folder
        if mode & 0o077:
            loose.append((str(path.relative_to(data)), oct(mode)))
    assert loose == []
    assert (data / "linerec.db").exists() and list((data / "recordings").rglob("*.wav"))

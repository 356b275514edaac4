"""The systemd units in deploy/systemd: valid for systemd (``systemd-analyze verify``),
recovery before the engine, the engine watched, both processes hardened."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.test_systemd_notify import NotifySocket
from tests.unit_verify import verify_units

UNITS = Path(__file__).resolve().parents[1] / "deploy" / "systemd"
NAMES = ("linerec-recovery.service", "linerec-engine.service", "linerec-web.service")
PROGRAM = "/opt/linerec/current/venv/bin/linerec"


def unit(name: str) -> dict[str, dict[str, list[str]]]:
    """A unit's settings: section -> key -> every value given (in order)."""
    sections: dict[str, dict[str, list[str]]] = {}
    section = None
    for raw in (UNITS / name).read_text().splitlines():
        text = raw.strip()
        if not text or text.startswith("#"):
            continue
        if text.startswith("["):
            section = sections.setdefault(text.strip("[]"), {})
            continue
        key, _, value = text.partition("=")
        section.setdefault(key, []).append(value)
    return sections


def test_the_units_pass_systemd_analyze_verify(tmp_path):
    said = verify_units(tmp_path, [UNITS / name for name in NAMES], programs=(PROGRAM,))
    assert said == ""


def test_the_units_stay_well_confined(tmp_path):
    """systemd's own exposure score (0 confined .. 10 exposed) stays below 5 ("OK")."""
    verify_units(tmp_path, [UNITS / name for name in NAMES], programs=(PROGRAM,))
    result = subprocess.run(
        ["systemd-analyze", "security", "--offline=true", f"--root={tmp_path}",
         "--threshold=50", "--no-pager", *NAMES],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr


def test_verify_would_see_a_mistake(tmp_path):
    broken = tmp_path / "units" / "linerec-engine.service"
    broken.parent.mkdir()
    broken.write_text((UNITS / "linerec-engine.service").read_text()
                      .replace("WatchdogSec=", "WatchdogSecs="))
    said = verify_units(tmp_path / "root", [broken], programs=(PROGRAM,))
    assert "Unknown key 'WatchdogSecs'" in said


def test_recovery_runs_once_before_the_engine_and_the_web():
    recovery = unit("linerec-recovery.service")
    assert recovery["Service"]["Type"] == ["oneshot"]
    # An unconfirmed update rolled back first, as root ("+"), its failure not stopping the
    # recovery ("-"); it starts the services with --no-block (never waits for the engine,
    # which is ordered after this oneshot). Then the recovery of the data folder.
    assert recovery["Service"]["ExecStart"] == [
        f"-+{PROGRAM} update --recover --root /opt/linerec --data ${{LINEREC_DATA}}",
        f"{PROGRAM} recover"]
    assert set(recovery["Unit"]["Before"][0].split()) >= {"linerec-engine.service",
                                                           "linerec-web.service"}
    for name in NAMES[1:]:
        assert "linerec-recovery.service" in unit(name)["Unit"]["After"][0].split()
    # The engine pulls it in; the web only waits for it (the engine holds the folder).
    assert unit("linerec-engine.service")["Unit"]["Wants"] == ["linerec-recovery.service"]
    assert "Wants" not in unit("linerec-web.service")["Unit"]


def test_the_engine_is_watched_and_restarted():
    engine = unit("linerec-engine.service")
    service = engine["Service"]
    assert service["Type"] == ["notify"]
    assert service["WatchdogSec"] == ["10s"]
    assert service["ExecStart"] == [f"{PROGRAM} engine"]
    assert service["Restart"] == ["always"]
    assert service["RestartSec"] == ["5s"]
    assert engine["Unit"]["StartLimitBurst"] == ["10"]
    assert service["SupplementaryGroups"] == ["audio gpio dialout"]
    assert service["AmbientCapabilities"] == ["CAP_SYS_NICE"]  # the capture threads' nice -10
    assert service["CapabilityBoundingSet"] == ["CAP_SYS_NICE"]
    web = unit("linerec-web.service")["Service"]
    assert web["Type"] == ["notify"]
    assert web["ExecStart"] == [f"{PROGRAM} web"]
    assert web["CapabilityBoundingSet"] == [""]


@pytest.mark.parametrize("name", NAMES)
def test_every_process_is_hardened_and_writes_only_its_data(name):
    service = unit(name)["Service"]
    assert service["User"] == ["linerec"]
    for key, value in (("NoNewPrivileges", "yes"), ("ProtectSystem", "strict"),
                       ("ProtectHome", "yes"), ("PrivateTmp", "yes"), ("UMask", "0077")):
        assert service[key] == [value], key
    assert "-/var/lib/linerec" in service["ReadWritePaths"][0].split()
    assert service["Environment"][0] == "LINEREC_DATA=/var/lib/linerec"
    assert service["EnvironmentFile"] == ["-/etc/default/linerec"]
    assert "StandardOutput" not in service  # the journal, systemd's default


def test_the_web_process_says_ready_once_it_listens(tmp_path):
    listener = NotifySocket(str(tmp_path / "notify"))
    data = tmp_path / "data"
    data.mkdir()
    environment = {**os.environ, "NOTIFY_SOCKET": listener.address, "PYTHONUNBUFFERED": "1"}
    web = subprocess.Popen(
        [sys.executable, "-m", "webui", "--data", str(data), "--http", "--host", "127.0.0.1",
         "--port", "0"],
        env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        listener.wait_for("READY=1", timeout=60)
        assert listener.statuses()[0].startswith("serving at http://127.0.0.1:")
        web.terminate()
        web.communicate(timeout=30)
        listener.wait_for("STOPPING=1")
    finally:
        if web.poll() is None:
            web.kill()
            web.wait()
        listener.close()

"""The service manager behind linerec update: systemctl on the box's units, or a command."""

from __future__ import annotations

import pytest

from firmware.update.updater import CommandServices, Systemctl, UpdateError, services_from


@pytest.fixture
def systemctl(tmp_path, monkeypatch):
    """A systemctl on PATH that writes its arguments down (and fails when asked to)."""
    said = tmp_path / "said"
    tool = tmp_path / "bin" / "systemctl"
    tool.parent.mkdir()
    tool.write_text(f'#!/bin/sh\necho "$@" >> {said}\n'
                    f'[ -e {tmp_path}/fail ] && {{ echo "Job canceled" >&2; exit 1; }}\nexit 0\n')
    tool.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tool.parent}:/usr/bin:/bin")
    return said


def test_systemctl_stops_and_restarts_the_engine_and_the_web(systemctl):
    Systemctl().stop()
    Systemctl().restart()
    Systemctl(no_block=True).restart()
    assert systemctl.read_text().splitlines() == [
        "stop linerec-engine.service linerec-web.service",
        "restart linerec-engine.service linerec-web.service",
        "restart --no-block linerec-engine.service linerec-web.service",
    ]


def test_a_failing_systemctl_is_one_line(systemctl, tmp_path):
    (tmp_path / "fail").touch()
    with pytest.raises(UpdateError) as raised:
        Systemctl().restart()
    assert str(raised.value) == "systemctl restart failed (exit status 1): Job canceled"


def test_a_services_command_comes_before_systemd(tmp_path):
    services = services_from(f"{tmp_path}/box services --quiet")
    assert services == CommandServices([f"{tmp_path}/box", "services", "--quiet"])

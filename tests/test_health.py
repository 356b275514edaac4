"""The box's health as a person reads it: linerec status and the health page."""

from __future__ import annotations

import json
import time

import pytest

from firmware.cli.commands import main
from firmware.config import ConfigStore, default_config
from firmware.datafolder import DataFolder
from firmware.health import report as health
from firmware.health import system
from firmware.link import contract
from firmware.link.contract import LineStatus, Phase
from firmware.store.db import Store
from tests.web_client import web_box


def status_of_a_struggling_engine(now: float) -> contract.StatusReply:
    return contract.StatusReply(
        (
            contract.LineReport(LineStatus(1, phase=Phase.IN_CALL, recording=True),
                                behind_s=7.5, most_behind_s=8.0, overruns=12, unsaved=4),
            contract.LineReport(LineStatus(2, online=False)),
            contract.LineReport(LineStatus(3)),
        ),
        (contract.StorageProblem(1, "a new call", "database or disk is full", now - 300, now - 5,
                                 count=9),
         contract.StorageProblem(3, "a recording", "No space left on device", now - 9000,
                                 now - 8000)),
        contract.RetentionState(stuck=True, last_problem=(
            "storage nearly full: nothing left that retention may delete (7 protected, "
            "0 not backed up)")),
    )


@pytest.fixture
def hot_machine(tmp_path, monkeypatch):
    """A machine that looks like a hot Pi short of memory."""
    root = tmp_path / "machine"
    (root / "proc/device-tree").mkdir(parents=True)
    (root / "sys/class/thermal/thermal_zone0").mkdir(parents=True)
    (root / "proc/device-tree/model").write_text("Raspberry Pi 5 Model B Rev 1.0\0")
    (root / "sys/class/thermal/thermal_zone0/temp").write_text("83312\n")
    (root / "proc/loadavg").write_text("2.50 1.90 1.20 3/200 999\n")
    (root / "proc/uptime").write_text("86400.5 100.0\n")
    (root / "proc/meminfo").write_text("MemTotal: 4000000 kB\nMemAvailable: 200000 kB\n")
    monkeypatch.setattr(system, "ROOT", root)
    return root


def test_the_report_lists_what_needs_a_person(tmp_path, hot_machine):
    folder = DataFolder(tmp_path / "data")
    folder.root.mkdir()
    ConfigStore(folder.root).save(default_config(3))
    now = time.time()
    report = health.gather(folder, status_of_a_struggling_engine(now), now=now)
    said = [str(problem) for problem in report.problems]
    assert not report.healthy
    assert "line 1 is 7.5 s behind its audio (a power cut now would lose that much)" in said
    assert "line 1 lost 12 frames of audio" in said
    assert "line 1: 4 call-log writes wait for the store" in said
    assert "line 2 is not running" in said
    assert ("line 1 could not write a new call (9 times, last 5 s ago): database or disk is "
            "full") in said
    assert not any("line 3 could not write" in text for text in said)  # over two hours ago
    assert any(text.startswith("storage nearly full: nothing left") for text in said)
    assert "the box is hot: 83 °C" in said and "memory is low: 195 MB available" in said
    assert report.system.model == "Raspberry Pi 5 Model B Rev 1.0"
    assert (report.system.load_1m, report.system.uptime_s) == (2.5, 86400.5)


def test_a_healthy_box_says_so_and_status_exits_0(tmp_path, capsys, monkeypatch):
    folder = DataFolder(tmp_path / "data")
    folder.root.mkdir()
    ConfigStore(folder.root).save(default_config(1))
    with Store(folder.database) as store:
        store.start_call(1, "in", started_at=time.time() - 60)
    monkeypatch.setattr("firmware.cli.status.engine_status", lambda folder: contract.StatusReply(
        (contract.LineReport(LineStatus(1)),)))
    monkeypatch.setattr(system, "ROOT", tmp_path / "nothing")  # no Pi facts: none invented
    assert main(["status", "--data", str(folder.root)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[-1] == "healthy"
    assert any(line.startswith("engine      running, 1 lines") for line in out)
    assert any(line.startswith("disk        ") and "free" in line for line in out)
    assert main(["status", "--data", str(folder.root), "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["healthy"] is True and document["problems"] == []
    assert document["lines"][0]["status"]["phase"] == "idle"
    assert document["system"]["temperature_c"] is None


def test_status_names_an_engine_that_is_not_running_and_a_missing_folder(tmp_path, capsys):
    folder = tmp_path / "data"
    folder.mkdir()
    assert main(["status", "--data", str(folder)]) == 1
    out = capsys.readouterr().out
    assert "engine      not running" in out
    assert "- the line engine is not running: no call is logged or recorded" in out
    assert list(folder.iterdir()) == []  # status writes nothing
    assert main(["status", "--data", str(tmp_path / "nowhere")]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_the_health_page_in_both_languages_for_admins_and_auditors(tmp_path, monkeypatch,
                                                                   hot_machine):
    box = web_box(tmp_path)
    box.deps.config()
    box.add_user("boss", "super", language="en")
    box.add_user("aud", permissions={"audit"}, language="zh-CN")
    box.add_user("ana", permissions={"pop"})

    def struggling(command, timeout):
        return status_of_a_struggling_engine(time.time())

    monkeypatch.setattr(box.deps.engine, "command", struggling)
    page = box.signed_in("boss").get("/health")
    assert page.status == 200
    assert "Needs attention" in page.text and "line 2 is not running" in page.text
    assert "Raspberry Pi 5 Model B Rev 1.0" in page.text and "83.3 °C" in page.text
    assert 'href="/health"' in page.text
    chinese = box.signed_in("aud").get("/health")
    assert chinese.status == 200
    assert "需要处理" in chinese.text and "线路 2 未运行" in chinese.text
    assert "线路 1 无法写入新通话" in chinese.text
    assert box.signed_in("ana").get("/health").status == 403
    assert 'href="/health"' not in box.signed_in("ana").get("/live").text
    box.close()

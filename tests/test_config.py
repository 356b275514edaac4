"""The device configuration: schema, atomic storage, check-config."""

from __future__ import annotations

import json
import os

import pytest

from firmware.cli.commands import main
from firmware.config import ConfigError, ConfigStore, default_config, validate
from firmware.schema import SchemaError
from firmware.store import files


def test_a_new_box_starts_with_the_default_configuration_on_disk(tmp_path):
    store = ConfigStore(tmp_path)
    loaded = store.load()
    assert loaded == default_config()
    assert loaded.device.country == "CN"
    assert [line.number for line in loaded.lines] == [1, 2, 3, 4]
    assert store.path.exists()
    assert ConfigStore(tmp_path).load() == loaded


def test_changes_are_saved_and_read_back(tmp_path):
    store = ConfigStore(tmp_path)
    store.load()
    store.update_line(
        3,
        name="Sales",
        recording={
            "mode": "schedule",
            "schedule": [{"days": ["mon", "tue"], "start": "08:30", "end": "17:45"}],
        },
    )
    store.set_device(country="GB", no_record=["+8613800138000", "10086"])
    reloaded = ConfigStore(tmp_path).load()
    line = reloaded.lines[2]
    assert line.name == "Sales"
    assert line.recording.mode == "schedule"
    assert line.recording.schedule[0].start == "08:30"
    assert reloaded.device.country == "GB"
    assert reloaded.device.no_record == ["+8613800138000", "10086"]


def test_every_problem_is_reported_with_its_place(tmp_path):
    document = {
        "device": {"country": "FR", "no_record": ["12ab"], "volume": 3},
        "lines": [
            {"number": 1, "recording": {"mode": "sometimes", "vox": {"hangover_ms": -1}}},
            {"number": "two", "audio": "nothing"},
            {
                "number": 3,
                "recording": {
                    "schedule": [{"days": ["mon", "someday"], "start": "25:00", "end": "9"}]
                },
            },
        ],
        "extras": {},
    }
    with pytest.raises(SchemaError) as caught:
        validate(document)
    problems = caught.value.problems
    expected_places = [
        "extras: unknown section",
        "device.volume: unknown setting",
        "device.country: 'FR' is not one of",
        "device.no_record: ['12ab'] are not phone numbers",
        "lines[0].recording.mode: 'sometimes'",
        "lines[0].recording.vox.hangover_ms: -1 is outside",
        "lines[1].number: expected int, got 'two'",
        "lines[1].audio: 'nothing' is not a driver setting",
        "lines[2].recording.schedule[0].days: ['someday'] are not weekdays",
        "lines[2].recording.schedule[0].start: '25:00' is not a time",
        "lines[2].recording.schedule[0].end: '9' is not a time",
    ]
    for place in expected_places:
        assert any(problem.startswith(place) for problem in problems), (place, problems)
    assert len(problems) == len(expected_places)


def test_whole_configuration_rules(tmp_path):
    with pytest.raises(SchemaError, match="line number 2 is used twice"):
        validate({"lines": [{"number": 2}, {"number": 2}]})
    with pytest.raises(SchemaError, match="mode 'schedule' needs a window"):
        validate({"lines": [{"number": 1, "recording": {"mode": "schedule"}}]})
    with pytest.raises(SchemaError, match="missing"):
        validate({"lines": [{"name": "no number"}]})


def test_nothing_invalid_is_ever_written(tmp_path):
    store = ConfigStore(tmp_path)
    store.load()
    before = store.path.read_bytes()
    with pytest.raises(ConfigError, match="is not one of"):
        store.update_line(1, recording={"mode": "always"})
    with pytest.raises(ConfigError, match="no line 9"):
        store.update_line(9, name="x")
    assert store.path.read_bytes() == before


def test_a_write_that_fails_half_way_keeps_the_old_file(tmp_path, monkeypatch):
    store = ConfigStore(tmp_path)
    store.load()
    before = store.path.read_bytes()

    def power_cut(*args):
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(files.os, "fsync", power_cut)
    with pytest.raises(OSError, match="Input/output"):
        store.update_line(1, name="never saved")
    assert store.path.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["config.json"]  # no temporary left behind


def test_a_broken_file_is_reported_not_replaced(tmp_path):
    path = tmp_path / "config.json"
    path.write_text('{"device": {"1": {"country": "CN"')
    with pytest.raises(ConfigError, match="not valid JSON"):
        ConfigStore(tmp_path).load()
    assert path.read_text() == '{"device": {"1": {"country": "CN"'


def test_check_config_command(tmp_path, capsys):
    assert main(["check-config", "--data", str(tmp_path)]) == 0
    assert "no configuration yet" in capsys.readouterr().out
    ConfigStore(tmp_path).load()
    assert main(["check-config", "--data", str(tmp_path)]) == 0
    assert "OK (4 lines, country CN)" in capsys.readouterr().out

    document = json.loads((tmp_path / "config.json").read_text())
    document["lines"]["2"]["recording"]["mode"] = "loud"
    document["lines"]["4"]["number"] = 0
    (tmp_path / "config.json").write_text(json.dumps(document))
    assert main(["check-config", "--data", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "2 problem(s)" in err
    assert "lines.2.recording.mode: 'loud' is not one of" in err
    assert "lines.4.number: 0 is outside 1..64" in err

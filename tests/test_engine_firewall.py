"""The engine's copy of the call firewall: read at start, given to every line's policy, and
read again on ``reload_firewall`` (the web sends it after each change)."""

from __future__ import annotations

import time

import pytest

from firmware.cli.processes import open_configured_line
from firmware.config import default_config
from firmware.engine import Engine
from firmware.engine.policy import firewall_screen, policy_for
from firmware.link import contract
from firmware.link.bus import BusClient
from firmware.simulation.office import Office
from firmware.simulation.scenario import from_document
from firmware.simulation.sounds import box_sounds
from firmware.store.db import Store
from firmware.store.firewall import Actor, Firewall, ListEntry, Rule, Screen
from tests.engine_config import configure

ADMIN = Actor("adm")
CN = {"region": "CN", "utc_offset_s": 8 * 3600, "time_zone": ""}


def test_policy_for_gives_the_line_the_screen(tmp_path):
    config = default_config(1)
    assert policy_for(config, config.lines[0]).screen is None
    with Store(tmp_path / "linerec.db") as store:
        empty = firewall_screen(store, config)
        assert not empty and empty == Screen.empty
        Firewall(store).add(ListEntry(0, "black", "+8613800138000"), ADMIN)
        screen = firewall_screen(store, config)
    policy = policy_for(config, config.lines[0], screen)
    assert policy.screen is screen
    # Read for the box's country: the national digits of caller ID match.
    assert policy.screen.verdict("13800138000", None, 0.0, **CN).rule == "black_list"


def _wait_for(condition, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the lines did not take the new firewall"
        time.sleep(0.02)


def test_the_engine_reads_the_firewall_at_start_and_again_when_told(tmp_path):
    configure(tmp_path, 2)
    with Store(tmp_path / "linerec.db") as store:
        Firewall(store).add(ListEntry(0, "black", "+8613800138000"), ADMIN)
    # A call long after the test: the lines' audio flows meanwhile, frame by frame.
    later = {"lines": 2, "call": [{"line": 1, "at": 600, "rings": 1, "talk": 1}]}
    office = Office(from_document(later), box_sounds(), speed=20, prefix="firewall-")
    engine = Engine(tmp_path, lambda line: open_configured_line(line, "firewall-"))
    engine.start()
    office.start()
    try:
        assert len(engine.screen.black) == 1
        for worker in engine.workers.values():
            _wait_for(lambda w=worker: w.state.policy.screen is not None)
            assert len(worker.state.policy.screen.black) == 1
        with Store(tmp_path / "linerec.db") as store:
            Firewall(store).add_rule(Rule(0, "prefix", prefix="0898"), ADMIN)
        with BusClient(tmp_path / "engine.sock") as client:
            reply = client.command(contract.ReloadFirewallCommand())
        assert reply == contract.FirewallReply(lines=(1, 2), listed=1, rules=1)
        for worker in engine.workers.values():
            _wait_for(lambda w=worker: len(w.state.policy.screen.rules) == 1)
            assert worker.state.policy.screen.verdict(
                "089812345678", None, time.time(), **CN).rule == "prefix:0898"
        # A configuration reload keeps the firewall the lines have.
        engine.handle_command(contract.ReloadConfigCommand())
        for worker in engine.workers.values():
            _wait_for(lambda w=worker: w.state.policy.screen is engine.screen)
    finally:
        engine.stop()
        office.stop()


def test_a_firewall_that_cannot_be_read_is_refused_with_the_reason(tmp_path, monkeypatch):
    configure(tmp_path, 1)
    office = Office(from_document({"lines": 1, "call": []}), box_sounds(), speed=20,
                    prefix="firewall-broken-")
    engine = Engine(tmp_path, lambda line: open_configured_line(line, "firewall-broken-"))
    engine.start()
    try:
        with engine.store.transaction() as connection:
            connection.execute("DROP TABLE firewall_rules")
        with pytest.raises(ValueError, match="the call firewall cannot be read"):
            engine.handle_command(contract.ReloadFirewallCommand())
        assert engine.workers[1].is_alive()
    finally:
        engine.stop()
        office.stop()

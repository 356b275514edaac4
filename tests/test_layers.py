"""The product's layers: every import of every module points down, never up or sideways.

    webui  ->  firmware (engine, link, cli, ...)  ->  recovery  ->  firmware's config and store
                      |                                                   |
                      v                                                   v
               drivers, dsp_ext  ------------------------------>  audio_format

``drivers`` and ``dsp_ext`` never import each other; ``bench`` may use the
product but never the tests. Inside the firmware the sub-packages point one
way too (``FIRMWARE``): the command line over the engine and the simulation,
the engine over the link, caller ID and the country profiles. Imports inside
functions count too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PRODUCT = ("audio_format", "dsp_ext", "drivers", "firmware", "recovery", "webui", "bench")
# The foundation of the firmware: what recovery may use, and what may not use recovery.
FOUNDATION = ("firmware.config", "firmware.schema", "firmware.datafolder", "firmware.errors",
              "firmware.store")

# Each layer and the layers it may import (besides itself).
ALLOWED: dict[str, tuple[str, ...]] = {
    "audio_format": (),
    "dsp_ext": ("audio_format",),
    "drivers": ("audio_format",),
    "foundation": ("audio_format",),
    "recovery": ("audio_format", "foundation"),
    "firmware": ("audio_format", "dsp_ext", "drivers", "recovery", "foundation"),
    "webui": ("audio_format", "dsp_ext", "firmware", "foundation"),
    "bench": ("audio_format", "dsp_ext", "drivers", "firmware", "foundation", "recovery", "webui"),
}


# Inside the firmware: each sub-package and the sub-packages it may import (besides itself
# and the foundation).
FIRMWARE: dict[str, tuple[str, ...]] = {
    "__main__": ("cli",),
    "cli": (
        "engine", "health", "simulation", "tools", "link", "callerid", "country", "backup",
        "hardware", "update",
        "archive",  # the recordings key (linerec encryption, verify --key-file)
    ),
    "health": ("link", "backup"),
    "engine": ("link", "callerid", "country", "backup", "archive", "acts",
               "prompts",  # what the box plays to a line
               "sms",  # text messages through the GSM modem
               "tools"),  # the answering-machine detector on a call the box places
    "acts": ("country",),  # the box's scripts on a line: pure steps, no I/O
    "backup": ("country",),
    "simulation": ("callerid", "country", "acts", "prompts"),  # the demo box's menu, prompts
    "tools": ("country",),
    "link": (),
    "callerid": (),
    "country": (),
    "archive": (),  # the recording after the call: over the foundation (store) and dsp_ext
    "update": (),  # linerec update: over the foundation; other versions run as processes
    "hardware": (),  # hardware profiles and the installer's checks: over the drivers
    "prompts": (),  # the prompt library: over the foundation (store, data folder) and dsp_ext
    "sms": (),  # text messages: PDUs and the word filter, pure, over the foundation
}


def layer(module: str) -> str:
    if any(module == base or module.startswith(f"{base}.") for base in FOUNDATION):
        return "foundation"
    return module.split(".", maxsplit=1)[0]


def modules() -> list[tuple[str, Path]]:
    found = [("audio_format", ROOT / "audio_format.py")]
    for package in PRODUCT[1:]:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found.append((name, path))
    return found


def imports_of(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return {name for name in names if name.split(".")[0] in (*PRODUCT, "tests")}


def allowed(importer: str, imported: str) -> bool:
    own, target = layer(importer), layer(imported)
    if own == target == "firmware":
        own_part, target_part = (f"{name}.".split(".")[1] for name in (importer, imported))
        package_face = target_part in ("", "__version__")  # firmware/__init__ imports nothing
        return package_face or own_part == target_part or target_part in FIRMWARE[own_part]
    return own == target or target in ALLOWED[own]


@pytest.mark.parametrize(("name", "path"), modules(), ids=str)
def test_every_import_points_down(name, path):
    wrong = sorted(
        imported for imported in imports_of(path) if not allowed(name, imported)
    )
    assert not wrong, f"{path.relative_to(ROOT)} ({layer(name)}) must not import {wrong}"


def test_the_rules_catch_an_import_that_points_up():
    assert not allowed("firmware.store.db", "firmware.engine.state")
    assert not allowed("recovery.folder", "firmware.engine")
    assert not allowed("drivers.audio", "dsp_ext.g711")
    assert not allowed("firmware.engine.worker", "webui.app")
    assert not allowed("bench.amd", "tests.support")
    assert not allowed("firmware.link.contract", "firmware.engine.state")
    assert not allowed("firmware.country.tones", "firmware.simulation.timeline")
    assert allowed("firmware.engine.engine", "recovery")
    assert allowed("firmware.cli.processes", "firmware.engine")
    assert allowed("webui.deps", "firmware.store.db")

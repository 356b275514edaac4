"""Run the DSP benchmarks: ``python -m bench.dsp [UNIT ...] [--json FILE]``."""

from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path

from bench.harness import run_benchmarks

UNIT_DIR = Path(__file__).resolve().parent


def available_units() -> list[str]:
    """Every module here but the package's own (``__init__``, ``__main__``) is a unit."""
    return sorted(path.stem for path in UNIT_DIR.glob("*.py") if not path.stem.startswith("_"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.dsp", description=__doc__)
    parser.add_argument("units", nargs="*", help=f"units to run (default all: {available_units()})")
    parser.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    args = parser.parse_args(argv)

    units = args.units or available_units()
    unknown = sorted(set(units) - set(available_units()))
    if unknown:
        parser.error(f"no benchmark for {unknown}; available: {available_units()}")

    modules = [importlib.import_module(f"bench.dsp.{unit}") for unit in units]
    return run_benchmarks([module.run for module in modules], args.json)


if __name__ == "__main__":
    sys.exit(main())

"""The ``linerec`` command: ``commands`` builds it from ``processes`` (run, engine, web)
and ``dsp`` (the DSP kernels as tools on WAV files)."""

from firmware.cli.commands import main

__all__ = ["main"]

"""The line engine, its store and configuration, and the command line of linerec.

This package's ``__init__`` imports nothing, so that ``recovery`` can use
``firmware.config`` and ``firmware.store`` on a box whose DSP extension or
engine is broken.
"""

from importlib import metadata

try:
    __version__ = metadata.version("linerec")
except metadata.PackageNotFoundError:  # running from a tree that was never installed
    __version__ = "unknown"

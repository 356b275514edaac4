"""The box's firmware: the line engine, its store and configuration, and the command line.

Sub-packages, in the order a call's data flows through them:

- ``engine``: each line's audio and signals in, through its detectors and
  state table, calls logged and recorded out; ``Engine`` runs them all.
- ``callerid``: caller-ID messages found in a line's audio (FSK, DTMF) or
  reported by a voice modem.
- ``country``: what differs by country (tones, ring cadence, caller-ID
  standard, number formats and locations).
- ``store``: the SQLite database (calls, recordings index, customers, users,
  audit log) and the recording files.
- ``link``: the engine <-> web contract and the sockets that carry it.
- ``simulation``: the simulated office that plays calls on simulated lines.
- ``cli``: the ``linerec`` command; ``tools``: offline tools over audio files.

Beside them: ``config`` (the device configuration and its schema, ``schema``),
``datafolder`` (every path in the data folder) and ``errors``.

This package's ``__init__`` imports nothing, so that ``recovery`` can use
``firmware.config`` and ``firmware.store`` on a box whose DSP extension or
engine is broken. ``__version__`` (the installed package's) is looked up when
first asked for: ``importlib.metadata`` would cost the engine, which never
asks, about 3 MB of memory.
"""


def __getattr__(name: str) -> str:
    if name != "__version__":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib import metadata  # noqa: PLC0415

    try:
        version = metadata.version("linerec")
    except metadata.PackageNotFoundError:  # running from a tree that was never installed
        version = "unknown"
    globals()["__version__"] = version
    return version

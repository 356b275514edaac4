"""The line engine: each line's audio and signals in, calls logged and recorded out.

One frame's way through it::

    reader.LineInput         capture-<n>: reads the line's audio and signals as they come
      -> worker.LineWorker   line-<n>: frame by frame, in line time
        -> detectors         DTMF, caller ID, voice: state-machine events
        -> state.step        the line's state table: events in, actions out (pure)
        -> actions           carries the actions out: call log, recording, relay, events
          -> recorder        the recording session: frames into crash-safe files

``engine.Engine`` runs a worker per configured line over a data folder,
with the event bus and live audio (``firmware.link``), and applies a new
configuration without a restart; ``policy`` turns the configuration into
what a line's state machine needs.
"""

from firmware.datafolder import EngineBusyError
from firmware.engine.engine import Engine

__all__ = ["Engine", "EngineBusyError"]

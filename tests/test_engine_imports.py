"""What the engine's process imports: the heavy libraries only where and when they are used.

The engine's memory on the box is tight (bench.engine's target: under 80 MB with 8 lines),
and a library imported at the top of a module the engine imports costs its memory for as
long as the engine runs. So, in a process of its own, the box's path (the ``linerec``
command's modules, the engine on simulated lines, encryption off) plays a short office,
compresses, chains and signs its recordings and stops; none of these must have been
imported (the chain's head is signed with ``cryptography`` in a child process).
"""

from __future__ import annotations

import json
import subprocess
import sys

from firmware.datafolder import DataFolder
from firmware.store import integrity
from firmware.store.db import Store
from tests.engine_config import configure

LAZY = (
    "cryptography",  # the chain's signatures are made in a child process (sign_head)
    "cryptography.hazmat.primitives.ciphers.aead",  # encryption at rest: off here
    "cryptography.hazmat.primitives.asymmetric.x25519",  # its recordings key
    "soundfile",  # libsndfile: decoding Opus, converting for downloads, making prompts
    "soxr",  # resampling a prompt's upload or speech: the web makes prompts, the engine plays
    "firmware.prompts.speech",
    "smtplib",  # the voicemail notices: at the first mail
    "email",
    "cffi",  # and its C parser: building the DSP extension; libopusenc is reached by ctypes
    "pycparser",
    "importlib.metadata",  # the package's version: asked for by --version and backups only
    "firmware.backup.run",  # a backup run: at the first one
    "firmware.update.updater",  # the other commands of linerec
    "firmware.hardware.hwtest",
    "serial",  # pyserial: only with a voice or GSM modem set
    "ahocorasick",  # the sensitive-word matcher: at the first message checked against words
    "firmware.sms.words",
)

ENGINE_RUN = """
import json, sys, time
from firmware.cli.commands import _command, build_parser

build_parser(_command(["engine"]))  # the linerec command, as the box starts the engine
from firmware.cli.processes import open_configured_line
from firmware.engine import Engine
from firmware.simulation.office import Office
from firmware.simulation.scenario import load
from firmware.simulation.sounds import box_sounds

office = Office(load("short"), box_sounds(), speed=0, prefix="lazy-")
engine = Engine(sys.argv[1], lambda line: open_configured_line(line, "lazy-"))
engine.start()
office.start()
office.join(timeout=120)
assert engine.wait(timeout=60), "the lines did not finish"
# The archive compresses the recordings now (played faster than real time, they ended
# ahead of the clock).
engine.archive.settle_s = -600
engine.archive.wake()
deadline = time.monotonic() + 60
while engine.archive.state().done < 2 and time.monotonic() < deadline:
    time.sleep(0.1)
assert engine.archive.state().done == 2, engine.archive.state()
engine.stop()
print(json.dumps({name: name in sys.modules for name in sys.argv[2:]}))
"""


def test_the_engine_runs_and_signs_without_its_heavy_imports(tmp_path):
    configure(tmp_path, 2)
    done = subprocess.run(
        [sys.executable, "-c", ENGINE_RUN, str(tmp_path), *LAZY],
        capture_output=True, text=True, timeout=300, check=False,
    )
    assert done.returncode == 0, done.stderr
    loaded = json.loads(done.stdout.strip().splitlines()[-1])
    assert loaded == dict.fromkeys(LAZY, False)
    folder = DataFolder(tmp_path)
    with Store(folder.database) as store:
        assert len(store.recordings()) == 2
        report = integrity.verify(folder, store)  # cryptography checks what the engine signed
    assert report.intact and all(check.signed for check in report.recordings)

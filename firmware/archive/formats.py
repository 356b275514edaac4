"""The formats a recording is handed out in, besides the file as stored.

Auditors' tools and older telephony systems want what they know:

- ``wav``: WAV, 16-bit linear PCM, 8 kHz: what every player opens;
- ``alaw``: WAV, G.711 A-law (the recorder's own format);
- ``ima_adpcm``: WAV, IMA ADPCM (4 bits a sample, blocks of 505 samples);
- ``gsm610``: WAV, GSM 6.10 (13 kbit/s, blocks of 320 samples);
- ``vox``: VOX, Dialogic ADPCM, raw (no header: 8 kHz, mono, 4 bits a sample).

Each is made by libsndfile (``soundfile``) from the recording decoded to
16-bit PCM (``firmware.archive.audio``), a second at a time, into a file the
caller gives (a temporary file, so that memory stays bounded). Block formats
end on a whole block, so a reader gets up to a block of silence more than
the recording (libsndfile, up to two: it counts the pad byte after an odd
last block as one more); VOX ends on an even number of samples.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np

from audio_format import SAMPLE_RATE
from firmware.archive.audio import pcm_blocks
from firmware.store.wavformat import wav_header


@dataclass(frozen=True)
class ExportFormat:
    key: str
    label: str  # English; the web shows it translated
    container: str  # libsndfile's major format
    subtype: str  # libsndfile's subtype
    suffix: str
    media_type: str
    block_samples: int = 1  # a reader rounds the length up to this

    def read_args(self) -> dict:
        """What ``soundfile.read`` needs besides the file to open it (a raw file has no
        header to say)."""
        if self.container != "RAW":
            return {}
        return {"samplerate": SAMPLE_RATE, "channels": 1, "format": self.container,
                "subtype": self.subtype}


FORMATS: dict[str, ExportFormat] = {
    item.key: item
    for item in (
        ExportFormat("wav", "WAV, 16-bit PCM", "WAV", "PCM_16", ".wav", "audio/wav"),
        ExportFormat("alaw", "WAV, G.711 A-law", "WAV", "ALAW", ".wav", "audio/wav"),
        ExportFormat("ima_adpcm", "WAV, IMA ADPCM", "WAV", "IMA_ADPCM", ".wav", "audio/wav",
                     505),
        ExportFormat("gsm610", "WAV, GSM 6.10", "WAV", "GSM610", ".wav", "audio/wav", 320),
        ExportFormat("vox", "VOX, Dialogic ADPCM (raw, 8 kHz)", "RAW", "VOX_ADPCM", ".vox",
                     "application/octet-stream", 2),
    )
}


def pcm_wav_size(samples: int) -> int:
    return len(wav_header("pcm16", samples)) + 2 * samples


def pcm_wav_chunks(path: Path, samples: int, key=None):
    """The recording at ``path`` as a 16-bit PCM WAV file, header first, a second at a time:
    exactly ``pcm_wav_size(samples)`` bytes, with no temporary file."""
    yield wav_header("pcm16", samples)
    for block in pcm_blocks(path, samples=samples, key=key):
        yield block.astype("<i2").tobytes()


def convert(path: Path, samples: int, export: ExportFormat, target: BinaryIO, key=None) -> None:
    """Write the recording at ``path`` (``samples`` long) to ``target`` in ``export``
    (``key``: the unlocked recordings key, for a file encrypted at rest)."""
    import soundfile  # noqa: PLC0415 - libsndfile only where a recording is converted

    # VOX packs two samples a byte: libsndfile takes only even counts of them at a time.
    pairs = export.key == "vox"
    pending = np.zeros(0, dtype=np.int16)
    with soundfile.SoundFile(target, "w", samplerate=SAMPLE_RATE, channels=1,
                             format=export.container, subtype=export.subtype) as output:
        for block in pcm_blocks(path, samples=samples, key=key):
            data = np.concatenate([pending, block]) if pending.size else block
            whole = data.size - data.size % 2 if pairs else data.size
            output.write(data[:whole])
            pending = data[whole:]
        if pending.size:  # an odd last sample: one of silence makes the pair
            output.write(np.concatenate([pending, np.zeros(1, dtype=np.int16)]))

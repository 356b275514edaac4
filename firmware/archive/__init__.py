"""The recording's life after the call: compressed to Ogg Opus, re-encoded when it grows old,
decoded again for people who play, download or export it.

- ``opus``: the Ogg Opus encoder, libopus's own controls through Debian's libopusenc;
- ``tiers``: the standard and long-archive tiers, from the device settings;
- ``audio``: a stored recording (G.711 WAV or Ogg Opus) as 16-bit PCM blocks;
- ``transcode``: one recording's WAV (or standard Opus) replaced by its Opus file, in
  steps a kill at any moment leaves recoverable (``recovery.transcodes``);
- ``formats``: the formats a recording is exported in (G.711, IMA ADPCM, GSM 6.10, VOX).

The engine's thread ``archive`` (``firmware.engine.archive``) runs ``transcode``
over the finished recordings; the web uses ``audio`` and ``formats``.
"""

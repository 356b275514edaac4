"""Offline tools over audio files, never run by the engine: WAV files read and written
(``wavfile``) and answering-machine detection (``amd``). ``linerec dsp``, the benchmarks
and the tests use them."""

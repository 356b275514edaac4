"""The one audio format of the whole box: 8 kHz mono, 16-bit samples, 20 ms frames.

Telephone audio is 8 kHz (ITU-T G.711); the line drivers deliver it and the
engine takes it 20 ms (160 samples) at a time. Every layer takes these
figures from here, the C kernels' Python side, the drivers, the engine, the
store and the web alike: this module needs nothing but Python, so even
recovery, which must run on a box whose extension is broken, can use it.
"""

SAMPLE_RATE = 8000  # samples a second
FRAME_SAMPLES = 160  # one frame: 20 ms
FRAME_SECONDS = FRAME_SAMPLES / SAMPLE_RATE

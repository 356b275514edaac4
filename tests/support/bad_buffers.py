"""What a detector's ``feed`` must refuse with a DspInputError: the wrong
dtype, two dimensions, empty, not contiguous, not a numpy array at all."""

import numpy as np

BAD_SAMPLE_BUFFERS = [
    np.zeros(10, dtype=np.float32),
    np.zeros(10, dtype=np.int32),
    np.zeros((2, 5), dtype=np.int16),
    np.zeros(0, dtype=np.int16),
    np.zeros(20, dtype=np.int16)[::2],
    [0, 1, 2],
    None,
]

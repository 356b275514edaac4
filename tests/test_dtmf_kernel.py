"""The DTMF receiver's inner loop: its vector version gives the portable one's sums, bit for bit.

The C kernel (``dsp_ext/src/dtmf_kernel.c``) is built twice with the system
compiler, once as the extension builds it (SSE2 on x86-64, NEON on aarch64)
and once with the vector paths switched off, and both are run on the same
random sub-blocks, full-scale extremes included.
"""

from __future__ import annotations

import platform
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

PROJECT = Path(__file__).resolve().parents[1]
SOURCES = PROJECT / "dsp_ext" / "src"

# Reads 26-sample sub-blocks from stdin (int16), writes 16 sums and the energy of each.
HARNESS = r"""
#include <math.h>
#include <stdio.h>
#include "dtmf_kernel.h"
#include "sub_block.h"

int main(void)
{
    static const double hz[DTMF_TONES] = {697, 770, 852, 941, 1209, 1336, 1477, 1633};
    dtmf_tables tables = {0};
    int16_t x[DTMF_SUB];
    int32_t sums[2 * DTMF_TONES];
    float re, im;
    for (int t = 0; t < DTMF_TONES; t++)
        sub_block_tables(2.0 * 3.14159265358979323846 * hz[t] / 8000.0, DTMF_SUB, 2048.0,
                         tables.row[t], tables.row[DTMF_TONES + t], &re, &im);
    dtmf_tables_finish(&tables);
    while (fread(x, sizeof x, 1, stdin) == 1) {
        unsigned long long energy = dtmf_subblock_sums(x, &tables, sums);
        fwrite(sums, sizeof sums, 1, stdout);
        fwrite(&energy, sizeof energy, 1, stdout);
    }
    return 0;
}
"""

VECTOR_MACROS = {"x86_64": "__SSE2__", "aarch64": "__ARM_NEON"}


def build(tmp_path: Path, name: str, extra: list[str]) -> Path:
    source = tmp_path / "harness.c"
    source.write_text(HARNESS)
    binary = tmp_path / name
    subprocess.run(
        [
            "cc",
            "-std=c11",
            "-O2",
            f"-I{SOURCES}",
            *extra,
            str(source),
            str(SOURCES / "dtmf_kernel.c"),
            "-lm",
            "-o",
            str(binary),
        ],
        check=True,
    )
    return binary


@pytest.mark.skipif(shutil.which("cc") is None, reason="needs a C compiler")
@pytest.mark.skipif(platform.machine() not in VECTOR_MACROS, reason="no vector kernel here")
@pytest.mark.parametrize("seed", [1, 2])
def test_the_vector_kernel_gives_the_portable_sums(tmp_path, seed):
    print(f"seed {seed}")
    rng = np.random.default_rng(seed)
    blocks = [
        rng.integers(-32768, 32768, (2000, 26)),
        np.where(rng.random((200, 26)) < 0.5, -32768, 32767),
        np.full((1, 26), -32768),
        np.full((1, 26), 32767),
        np.round(rng.normal(0, 300, (500, 26))),
    ]
    samples = np.concatenate(blocks).astype(np.int16)
    vector = build(tmp_path, "vector", [])
    portable = build(tmp_path, "portable", [f"-U{VECTOR_MACROS[platform.machine()]}"])
    outputs = [
        subprocess.run([binary], input=samples.tobytes(), capture_output=True, check=True).stdout
        for binary in (vector, portable)
    ]
    assert len(outputs[0]) == samples.shape[0] * (16 * 4 + 8)
    assert outputs[0] == outputs[1]

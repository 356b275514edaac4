"""DTMF caller ID through audio: our generator, the DTMF receiver, the layout parser."""

from __future__ import annotations

import numpy as np
import pytest

from firmware.callerid import DtmfCallerIdReceiver, decode_audio
from firmware.callerid.generate import caller_id_dtmf
from firmware.simulation.timeline import CallerIdRequest
from tests.callerid.harness import add_noise
from tests.support.blocks import random_blocks


@pytest.mark.parametrize("layout", ["A_C", "A_#", "D_C", "_#", "*_#", "B_C"])
def test_layouts_through_audio(layout, rng):
    number = "1" + "".join(str(d) for d in rng.integers(0, 10, 10))
    audio = caller_id_dtmf(CallerIdRequest(number, "", "", "01010000"), layout=layout)
    audio = np.concatenate([np.zeros(800, np.int16), audio, np.zeros(8000, np.int16)])
    found = [c for c in decode_audio(audio) if c.format == "DTMF"]
    assert [(c.number, c.valid) for c in found] == [(number, True)]
    assert found[0].start_s == pytest.approx(0.1, abs=0.02)


@pytest.mark.parametrize(("private", "layout"), [("P", "A_C"), ("O", "A_C"), ("P", "A_#")])
def test_withheld_number_through_audio(private, layout):
    audio = caller_id_dtmf(CallerIdRequest("", "", private, "01010000"), layout=layout)
    receiver = DtmfCallerIdReceiver()
    found = receiver.feed(np.concatenate([audio, np.zeros(8000, np.int16)])) + receiver.finish()
    assert [(c.number, c.reason_absent) for c in found] == [(None, private)]


def test_noisy_and_split_input(rng):
    audio = caller_id_dtmf(CallerIdRequest("075512345678", "", "", "01010000"), level_dbm0=-25)
    audio = add_noise(rng, np.concatenate([audio, np.zeros(8000)]), 100.0)
    receiver = DtmfCallerIdReceiver()
    found = [c for block in random_blocks(audio, rng, 500) for c in receiver.feed(block)]
    found += receiver.finish()
    assert [c.number for c in found] == ["075512345678"]


def test_dialled_digits_are_not_caller_id():
    from dsp_ext.dtmf import dtmf_generate  # noqa: PLC0415

    audio = np.concatenate([dtmf_generate("13800138000"), np.zeros(8000, np.int16)])
    assert [c for c in decode_audio(audio) if c.format == "DTMF"] == []

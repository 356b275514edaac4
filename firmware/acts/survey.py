"""The satisfaction survey: the caller rates the call with one key, 1 to 5.

The operator starts it at the end of a call (the Survey button, or a key
code on the phone) and hangs up; the box holds the line, plays the opening
prompt, takes one key 1-5 (a timeout or a wrong key gets the opening once
more), plays the closing prompt and lets go. The key is the call's
``survey`` in the call log; a caller who hangs up before pressing one leaves
none, and one who hangs up during the closing prompt keeps theirs.
"""

from __future__ import annotations

import contextlib

from firmware.acts.steps import CallerGone, GetKey, Play, Script, WaitForOnHook

NAME = "survey"
KEYS = "12345"
KEY_TIMEOUT_S = 6.0
RETRIES = 1
OPERATOR_HANGS_UP_S = 20.0  # the prompt starts when the operator hung up, or after this


def survey(retries: int = RETRIES, key_timeout_s: float = KEY_TIMEOUT_S,
           *, wait_for_operator: bool = True) -> Script:
    """The survey's script; its result is the caller's key as an int, or None.

    ``wait_for_operator``: the prompt waits until the operator hung up (a call handed
    over); without it the survey starts at once (a voice menu's survey node)."""
    if wait_for_operator:
        yield WaitForOnHook(OPERATOR_HANGS_UP_S)
    score = None
    for attempt in range(retries + 1):
        yield Play("survey_opening")
        key = yield GetKey(KEYS, key_timeout_s)
        if key is not None and key in KEYS:
            score = int(key)
            break
        if attempt < retries:
            yield Play("survey_invalid")
    with contextlib.suppress(CallerGone):  # the caller rated, then hung up: it stands
        yield Play("survey_closing")
    return score

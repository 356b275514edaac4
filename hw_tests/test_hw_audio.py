"""Line audio on the real sound cards (LINEREC_HW_AUDIO, LINEREC_HW_PLAYBACK), each line's
and all of them at once."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from audio_format import FRAME_SAMPLES, FRAME_SECONDS
from drivers.opening import open_capture, open_playback

pytestmark = pytest.mark.hw


def test_capture_gives_paced_frames_without_overruns(audio_url):
    frame_count = 100  # 2 s
    with open_capture(audio_url) as capture:
        capture.read()  # the card starts on the first read
        started = time.monotonic()
        frames = [capture.read() for _ in range(frame_count)]
        elapsed = time.monotonic() - started
        overruns = capture.overruns
    assert all(f.dtype == np.int16 and f.shape == (FRAME_SAMPLES,) for f in frames)
    assert overruns == 0
    # A card at another rate behind a misconfigured plug layer shows up here.
    assert elapsed == pytest.approx(frame_count * FRAME_SECONDS, rel=0.25)
    level = float(np.sqrt(np.mean(np.concatenate(frames).astype(np.float64) ** 2)))
    print(f"\ncaptured {frame_count} frames in {elapsed:.2f} s, RMS {level:.0f}")


def test_playback_plays_one_second_of_tone(playback_url):
    url = playback_url
    t = np.arange(50 * FRAME_SAMPLES) / 8000
    tone = (3000 * np.sin(2 * np.pi * 1000 * t)).astype(np.int16)
    with open_playback(url) as playback:
        for frame in tone.reshape(-1, FRAME_SAMPLES):
            playback.write(frame)
        assert getattr(playback, "underruns", 0) == 0


def test_every_line_captures_at_once_without_overruns(all_audio_urls):
    """All the lines' cards together: a USB bus or hub short of bandwidth shows here."""
    results: dict[str, tuple[int, int]] = {}

    def capture_two_seconds(url: str) -> None:
        with open_capture(url) as capture:
            frames = [capture.read() for _ in range(100)]
            results[url] = (sum(frame is not None for frame in frames), capture.overruns)

    threads = [
        threading.Thread(target=capture_two_seconds, args=(url,), name=f"hw-capture-{i}")
        for i, url in enumerate(all_audio_urls)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    for url in all_audio_urls:
        print(f"\n{url}: {results.get(url)}")
        assert results.get(url) == (100, 0), f"{url}: (frames, overruns) {results.get(url)}"

"""Tone detection per country plan, in noise, with cadence errors, and on the talk-off corpus.

Our detector and spandsp (super_tone_rx with the same plan for the
call-progress tones and SIT, modem_connect_tones_rx for CNG and CED/ANSam)
get the same signals; each test prints its table (run with ``-s``) and
asserts DSP_SPEC.md's requirements for ours. The default run uses short
forms; the full sweeps are marked slow:

    .venv/bin/python -m pytest -s -m "slow or not slow" tests/test_tones_plans.py
"""

from __future__ import annotations

import os

import dtmf_corpus
import numpy as np
import pytest
import tones_harness as h

from firmware.country.profiles import PROFILES
from firmware.country.tones import tone_plan

COUNTRIES = sorted(PROFILES)
VARIATIONS = {
    "nominal": {},
    "all -10 %": {"scale": 0.9},
    "all +10 %": {"scale": 1.1},
    "each +-10 %": {"jitter": 0.1},
}
EDGE_TOLERANCE = 120  # samples: start and end within 15 ms (dual tones beat at 40-90 Hz)


def _judge(signal: h.Signal, expected: str, found, edges: list[int] | None = None) -> bool:
    """Exactly the expected tone, and (for ours, with ``edges`` to note the
    start and end errors in) in the right place."""
    if [name for name, _, _ in found] != [expected]:
        return False
    if edges is None:
        return True
    _, start, end = found[0]
    edges += [start - signal.start, end - signal.end]
    return abs(start - signal.start) <= EDGE_TOLERANCE and abs(end - signal.end) <= EDGE_TOLERANCE


def _peer_judge(expected: str, found) -> bool:
    """spandsp reports some tones once per burst: right if it names only the expected tone."""
    return {name for name, _, _ in found} == {expected}


@pytest.mark.parametrize(
    "repeats", [pytest.param(1, id="short"), pytest.param(10, id="full", marks=pytest.mark.slow)]
)
def test_every_plan_finds_its_tones_at_minus_30_dbm0_and_15_db_snr(spandsp, rng, repeats):
    rows, failures = [], []
    totals = {"linerec": 0, "spandsp": 0, "signals": 0}
    edges: list[int] = []
    for country in COUNTRIES:
        plan = tone_plan(country)
        for name in h.tones_of(country):
            expected = h.reported_name(name)
            row = [country, name]
            for label, variation in VARIATIONS.items():
                ours = peer = 0
                for _ in range(repeats):
                    signal = h.tone_signal(name, country, rng, **variation)
                    found = h.ours(plan, signal.samples)
                    if _judge(signal, expected, found, edges):
                        ours += 1
                    else:
                        failures.append((country, name, label, found, signal.start, signal.end))
                    peer += _peer_judge(expected, h.spandsp_all(spandsp, plan, signal.samples))
                row.append(f"{ours}/{repeats}  {peer}/{repeats}")
                totals["linerec"] += ours
                totals["spandsp"] += peer
                totals["signals"] += repeats
            rows.append(row)
    header = ["plan", "tone"] + [f"{label} (ours  spandsp)" for label in VARIATIONS]
    print("\n" + h.table("Tones found at -30 dBm0, 15 dB S/N (white noise)", header, rows))
    print(
        f"all: linerec {totals['linerec']}/{totals['signals']}, "
        f"spandsp {totals['spandsp']}/{totals['signals']}"
    )
    errors = np.abs(np.array(edges)) / h.RATE * 1000
    print(
        f"start and end of ours: 90 % within {np.percentile(errors, 90):.1f} ms, "
        f"all within {errors.max():.1f} ms"
    )
    assert not failures, failures[:5]


@pytest.mark.parametrize("country", COUNTRIES)
def test_a_cadence_far_off_is_not_taken_for_the_tone(rng, country):
    plan = tone_plan(country)
    for name, tone in h.tones_of(country).items():
        if name == "sit" or not getattr(tone, "cadence_s", True):
            continue
        for scale in (0.7, 1.35):
            signal = h.tone_signal(name, country, rng, scale=scale, snr_db=30.0)
            found = [n for n, _, _ in h.ours(plan, signal.samples)]
            assert name not in found, (name, scale, found)


def _sweep(spandsp, rng, points, make, repeats):
    """Detection counts of ours and spandsp's at each point, over every plan's tones."""
    rows = []
    for point in points:
        ours = peer = total = 0
        for country in COUNTRIES:
            plan = tone_plan(country)
            for name in h.tones_of(country):
                expected = h.reported_name(name)
                for _ in range(repeats):
                    signal = make(name, country, point)
                    ours += _judge(signal, expected, h.ours(plan, signal.samples))
                    peer += _peer_judge(expected, h.spandsp_all(spandsp, plan, signal.samples))
                    total += 1
        rows.append((point, ours, peer, total))
    return rows


@pytest.mark.parametrize(
    ("levels", "ratios", "repeats"),
    [
        pytest.param((-40.0,), (10.0,), 1, id="short"),
        pytest.param(
            (-10.0, -20.0, -30.0, -36.0, -40.0, -42.0, -44.0, -46.0),
            (20.0, 15.0, 12.0, 10.0, 8.0, 6.0, 4.0),
            5,
            id="full",
            marks=pytest.mark.slow,
        ),
    ],
)
def test_level_and_noise_sweeps(spandsp, rng, levels, ratios, repeats):
    by_level = _sweep(
        spandsp,
        rng,
        levels,
        lambda name, country, level: h.tone_signal(
            name, country, rng, level_dbm0=level, snr_db=None
        ),
        repeats,
    )
    by_snr = _sweep(
        spandsp,
        rng,
        ratios,
        lambda name, country, snr: h.tone_signal(name, country, rng, level_dbm0=-30.0, snr_db=snr),
        repeats,
    )
    print(
        "\n"
        + h.table(
            "Tones found by level (no noise), all plans",
            ["level dBm0", "linerec", "spandsp"],
            [[f"{p:g}", f"{o}/{t}", f"{s}/{t}"] for p, o, s, t in by_level],
        )
    )
    print(
        h.table(
            "Tones found by S/N at -30 dBm0, all plans",
            ["S/N dB", "linerec", "spandsp"],
            [[f"{p:g}", f"{o}/{t}", f"{s}/{t}"] for p, o, s, t in by_snr],
        )
    )
    for level, ours, _, total in by_level:
        if level >= -40.0:
            assert ours == total, f"every tone found at {level} dBm0"
    for snr, ours, _, total in by_snr:
        if snr >= 10.0:
            assert ours == total, f"every tone found at {snr} dB S/N"


@pytest.mark.parametrize(
    "spec",
    [
        pytest.param(dtmf_corpus.SHORT, id="short"),
        pytest.param(dtmf_corpus.FULL, id="full", marks=pytest.mark.slow),
    ],
)
def test_talk_off(spandsp, spec):
    problem = dtmf_corpus.tools_missing()
    if problem:
        assert not os.environ.get("CI"), problem
        pytest.skip(problem)
    corpus = dtmf_corpus.load(spec)
    rows, ours_total = [], 0
    for country in COUNTRIES:
        plan = tone_plan(country)
        for kind, samples in corpus.items():
            ours = h.ours(plan, samples)
            peer = h.spandsp_all(spandsp, plan, samples)
            ours_total += len(ours) if kind == "speech" else 0
            rows.append(
                [
                    country,
                    kind,
                    f"{samples.size / h.RATE / 60:.1f} min",
                    f"{len(ours)} {' '.join(sorted({n for n, _, _ in ours}))}".strip(),
                    f"{len(peer)} {' '.join(sorted({n for n, _, _ in peer}))}".strip(),
                ]
            )
    print(
        "\n"
        + h.table("Talk-off: false tones", ["plan", "signal", "length", "ours", "spandsp"], rows)
    )
    assert ours_total == 0, "no call-progress or fax tone in speech"


def test_cadence_limits(spandsp, rng):
    """Where each detector stops accepting a cadence, scaled in 2 % steps (printed)."""
    scales = np.round(np.arange(0.70, 1.32, 0.02), 2)
    rows = []
    for country, name in (("CN", "busy"), ("US", "congestion"), ("GB", "ringback"), ("DE", "busy")):
        plan = tone_plan(country)
        accepted = {"linerec": [], "spandsp": []}
        for scale in scales:
            signal = h.tone_signal(name, country, rng, scale=float(scale), snr_db=30.0)
            if [n for n, _, _ in h.ours(plan, signal.samples)] == [name]:
                accepted["linerec"].append(scale)
            if _peer_judge(name, h.spandsp_all(spandsp, plan, signal.samples)):
                accepted["spandsp"].append(scale)
        rows.append(
            [country, name]
            + [f"{min(v):.2f}..{max(v):.2f}" if v else "none" for v in accepted.values()]
        )
        assert min(accepted["linerec"]) <= 0.9 and max(accepted["linerec"]) >= 1.1
        assert min(accepted["linerec"]) >= 0.8 and max(accepted["linerec"]) <= 1.2
    print(
        "\n"
        + h.table(
            "Cadence scales accepted (30 dB S/N)", ["plan", "tone", "linerec", "spandsp"], rows
        )
    )


@pytest.mark.parametrize("country", COUNTRIES)
def test_the_simulated_line_plays_tones_the_detector_names(country):
    from firmware.simulation.scenario import from_document  # noqa: PLC0415
    from firmware.simulation.sounds import box_sounds  # noqa: PLC0415
    from firmware.simulation.timeline import build_line  # noqa: PLC0415

    scenario = from_document(
        {
            "country": country,
            "call": [
                {"line": 1, "at": 0.5, "direction": "out", "number": "2", "busy": True},
                {"line": 1, "at": 60, "direction": "out", "number": "3", "rings": 2, "talk": 2},
            ],
        }
    )
    timeline = build_line(scenario, 1, box_sounds())
    audio = timeline.render(0, int(timeline.end * h.RATE) + h.RATE)
    found = [name for name, _, _ in h.ours(tone_plan(country), audio)]
    assert found == ["dial", "busy", "dial", "ringback"]

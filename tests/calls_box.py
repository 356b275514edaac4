"""A web box with an office's people, calls and recordings, for the call-log and recordings tests.

People (and what they may see):

- ``boss``: super, everything;
- ``ana``: operator in Sales, line 1, may listen and see customers;
- ``ben``: operator in Sales, line 2, may neither listen nor download;
- ``lea``: leader of Sales (ana's and ben's lines 1 and 2), may listen;
- ``cai``: operator in Support, line 3, may listen and download;
- ``aud``: auditor: every line, listens, downloads, audits;
- ``adm``: an operator with the admin flag only (line 4);
- ``nol``: an operator with no lines.

Every line has calls; answered ones have recordings (real WAV files, A-law
unless told otherwise), with the SHA-256 the recorder would have written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from firmware.store.crm import CustomerNumber
from firmware.store.recordings import file_sha256, write_json_atomically
from firmware.tools.wavfile import write_wav
from tests.web_client import PASSWORD, WebBox, web_box
from webui import auth

T0 = 1_767_225_600.0  # 2026-01-01 00:00 UTC, 08:00 in Beijing
LISTEN = {"recordings_listen", "customers_view"}
_hashed: list[str] = []  # one scrypt hash of the test password serves every user made here


def _add_user(box: WebBox, username: str, level: str = "operator", **options) -> int:
    if not _hashed:
        _hashed.append(auth.hash_password(PASSWORD))
    options["permissions"] = frozenset(options.get("permissions", ()))
    return box.deps.accounts.create_user(username, _hashed[0], level, **options).id


@dataclass
class Office:
    box: WebBox
    ids: dict[str, int]
    calls: dict[int, list[int]] = field(default_factory=dict)  # line -> call ids, oldest first
    recordings: dict[int, int] = field(default_factory=dict)  # call id -> recording id
    audio: dict[int, np.ndarray] = field(default_factory=dict)  # recording id -> its samples

    @property
    def deps(self):
        return self.box.deps

    def signed_in(self, name: str):
        return self.box.signed_in(name)

    def recording_of_line(self, line: int) -> int:
        return next(self.recordings[c] for c in self.calls[line] if c in self.recordings)


def add_recording(
    office: Office,
    call_id: int,
    line: int,
    started_at: float,
    samples: np.ndarray,
    *,
    encoding: str = "alaw",
) -> int:
    """A finished recording of ``call_id``: file, sidecar and index row, as the recorder
    leaves them."""
    root = office.deps.folder.recordings
    relative = f"2026/01/01/L{line}-20260101-{call_id:06d}-{call_id}-{len(office.audio)}.wav"
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    write_wav(path, samples, encoding)
    sha256 = file_sha256(path)
    store = office.deps.store
    recording_id = store.add_recording(line, relative, encoding, started_at, call_id=call_id)
    store.finish_recording(
        recording_id, ended_at=started_at + samples.size / 8000, samples=samples.size,
        sha256=sha256,
    )
    write_json_atomically(
        path.with_suffix(".json"),
        {"version": 1, "state": "complete", "sha256": sha256, "encoding": encoding,
         "samples": int(samples.size), "line": line, "call_id": call_id},
    )
    office.recordings[call_id] = recording_id
    office.audio[recording_id] = samples
    return recording_id


def make_office(tmp_path: Path, calls_per_line: int = 6, seed: int = 7, **deps_options
                ) -> Office:
    box = web_box(tmp_path, **deps_options)
    box.deps.config()  # a new box: four lines
    accounts = box.deps.accounts
    sales = accounts.create_group("Sales").id
    support = accounts.create_group("Support").id
    ids = {
        "boss": _add_user(box, "boss", "super", language="en"),
        "ana": _add_user(box, "ana", permissions=LISTEN, group_id=sales, lines=frozenset({1}),
                            language="en"),
        "ben": _add_user(box, "ben", permissions={"customers_view"}, group_id=sales,
                            lines=frozenset({2}), language="en"),
        "lea": _add_user(box, "lea", "leader", permissions=LISTEN, group_id=sales, language="en"),
        "cai": _add_user(box, "cai", permissions=LISTEN | {"recordings_download"},
                            group_id=support, lines=frozenset({3}), language="en"),
        "aud": _add_user(box, "aud", permissions={"recordings_listen", "recordings_download",
                                                "audit", "all_lines"}, language="en"),
        "adm": _add_user(box, "adm", permissions={"admin"}, lines=frozenset({4}), language="en"),
        "nol": _add_user(box, "nol", permissions=LISTEN, language="en"),
    }
    office = Office(box, ids)
    rng = np.random.default_rng(seed)
    store = box.deps.store
    for line in range(1, 5):
        office.calls[line] = []
        for index in range(calls_per_line):
            started = T0 + 3600 * index + 60 * line
            number = f"1380013{line}{index:03d}"
            call_id = store.start_call(
                line, "in" if index % 2 == 0 else "out", started_at=started, number=number,
                number_e164="+86" + number, location_zh="北京市", location_en="Beijing",
                name="ZHANG SAN" if index == 0 else None,
            )
            office.calls[line].append(call_id)
            if index % 3 == 2:
                store.end_call(call_id, "missed", ended_at=started + 20)
                continue
            store.update_call(call_id, answered_at=started + 5)
            store.end_call(call_id, "answered", ended_at=started + 5 + 2 + index)
            samples = rng.integers(-8000, 8000, 8000 * 2 + 80 * index).astype(np.int16)
            add_recording(office, call_id, line, started + 5, samples)
    # A customer of ana's on line 1's first caller, and one of cai's on line 3's.
    for adder, line in (("ana", 1), ("cai", 3)):
        number = f"1380013{line}000"
        box.deps.customers.create(
            {"name": f"Customer of {adder}"}, [CustomerNumber(number, "+86" + number)],
            added_by=ids[adder],
        )
    return office

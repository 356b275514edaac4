"""Sign a data folder's chain head in a process of its own: ``python -m firmware.store.sign_head``.

The engine signs its chain's head every 10 minutes and at stop. Signing
needs ``cryptography`` (the box's Ed25519 key), which would then stay in the
engine's memory for as long as it runs, about 9 MB of a budget of 80; so the
engine's chain thread runs this for each signature (``ChildSigner``) and
the library is loaded and let go with the child. The child opens the same
database (SQLite in WAL mode takes a second writer) and does what
``Signer.sign_if_new`` does in-process.

The child prints one JSON object: ``{"seq": N}`` (signed), ``{"seq": null}``
(nothing new), or ``{"key_problem": "..."}`` (the key cannot be used);
another failure is its exit status with the reason on standard error.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from firmware.datafolder import DataFolder
from firmware.errors import LinerecError
from firmware.store import chain
from firmware.store.db import Store

CHILD_TIMEOUT_S = 60.0


class SigningChildError(LinerecError):
    """The signing child failed; the message says how."""


@dataclass(frozen=True)
class ChildSigner:
    """``Signer``'s ``sign_if_new`` in a child process: the caller never loads cryptography."""

    folder: DataFolder

    def sign_if_new(self, store: Store) -> chain.Signature | None:
        from firmware.store.signing import KeyUnavailableError  # noqa: PLC0415 - light

        done = subprocess.run(
            [sys.executable, "-m", "firmware.store.sign_head", str(self.folder.root)],
            capture_output=True, text=True, timeout=CHILD_TIMEOUT_S, check=False,
        )
        if done.returncode != 0:
            reason = done.stderr.strip().splitlines()[-1:] or [f"exit status {done.returncode}"]
            raise SigningChildError(f"the chain's signing process failed: {reason[0]}")
        answer = json.loads(done.stdout.strip().splitlines()[-1])
        if "key_problem" in answer:
            raise KeyUnavailableError(answer["key_problem"])
        if answer["seq"] is None:
            return None
        return chain.latest_signature(store, answer["key"])


def main(argv: list[str]) -> int:
    from firmware.store.signing import KeyUnavailableError, Signer  # noqa: PLC0415

    if len(argv) != 1:
        print("usage: python -m firmware.store.sign_head DATA_FOLDER", file=sys.stderr)
        return 2
    folder = DataFolder(Path(argv[0]))
    try:
        with Store(folder.database) as store:
            signature = Signer(folder).sign_if_new(store)
    except KeyUnavailableError as error:
        print(json.dumps({"key_problem": str(error)}))
        return 0
    except (LinerecError, OSError) as error:
        print(f"cannot sign the chain's head: {error}", file=sys.stderr)
        return 1
    answer = {"seq": None}
    if signature is not None:
        answer = {"seq": signature.seq, "key": signature.key}
    print(json.dumps(answer))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

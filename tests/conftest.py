"""Fixtures every test file may use.

- ``rng``: a seeded numpy Generator; the seed is printed so a failure can be
  replayed with ``LINEREC_SEED=<seed> make test``.
- ``spandsp``: the peer library ``(ffi, lib)`` from ``bench.peers``.
- ``quick_passwords``: cheap scrypt costs for web tests that make many users.
"""

from __future__ import annotations

import os
import secrets

import numpy as np
import pytest


@pytest.fixture
def rng(request) -> np.random.Generator:
    seed = int(os.environ.get("LINEREC_SEED", secrets.randbits(32)))
    print(f"\n[{request.node.name}] random seed {seed} (replay with LINEREC_SEED={seed})")
    return np.random.default_rng(seed)


@pytest.fixture(scope="session")
def spandsp():
    """The peer implementations; they must be there in CI, where `make test` installs them."""
    from bench import peers  # noqa: PLC0415 - only the tests that compare need it

    try:
        return peers.load()
    except peers.PeerUnavailableError as error:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"peer library unavailable, comparison not run: {error}")


@pytest.fixture(scope="module")
def quick_passwords():
    """Cheap password hashes for tests with many users; the format and checking are unchanged.

    ``tests/test_web_auth.py`` runs with the real cost.
    """
    from webui import auth  # noqa: PLC0415 - only the web tests need it

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(auth, "SCRYPT_N", 2**8)
        yield

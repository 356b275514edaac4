"""A data folder configured for the engine tests."""

from __future__ import annotations

from firmware.config import ConfigStore, default_config


def configure(data_dir, lines: int, **recording) -> ConfigStore:
    """A new box's configuration with ``lines`` lines, each recording as given
    (``mode="manual"`` and so on; nothing given: the default)."""
    store = ConfigStore(data_dir)
    store.save(default_config(lines))
    for number in range(1, lines + 1):
        if recording:
            store.update_line(number, recording=recording)
    return store

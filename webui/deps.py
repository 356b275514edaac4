"""What the web app is given to work with: the data folder's stores and the engine link."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from firmware.config import Config, ConfigStore
from firmware.profiles import profile
from firmware.store.accounts import Accounts
from firmware.store.audit import AuditLog
from firmware.store.crm import Customers
from firmware.store.db import Store
from webui.auth import Sessions, SignInLimiter
from webui.engine_link import EngineLink

DATABASE_FILE = "linerec.db"
RECORDINGS_DIR = "recordings"
BUS_SOCKET = "engine.sock"
AUDIO_SOCKET = "engine-audio.sock"


@dataclass
class WebDeps:
    data_dir: Path
    store: Store
    engine: EngineLink
    secure_cookies: bool = True  # False only for plain HTTP on loopback (development)
    clock: Callable[[], float] = time.time
    limiter: SignInLimiter = field(default_factory=SignInLimiter)

    def __post_init__(self) -> None:
        self.data_dir = Path(self.data_dir)
        self.accounts = Accounts(self.store)
        self.customers = Customers(self.store)
        self.audit = AuditLog(self.store)
        self.sessions = Sessions(self.accounts, self.clock)
        self.config_store = ConfigStore(self.data_dir)
        self._config_cache: tuple[int | None, Config] | None = None
        self._config_lock = threading.Lock()

    @property
    def recordings_dir(self) -> Path:
        return self.data_dir / RECORDINGS_DIR

    @property
    def audio_socket(self) -> Path:
        return self.data_dir / AUDIO_SOCKET

    def config(self) -> Config:
        """The device configuration, read again only when its file changed."""
        try:
            stamp: int | None = self.config_store.path.stat().st_mtime_ns
        except FileNotFoundError:
            stamp = None
        with self._config_lock:
            if self._config_cache is None or self._config_cache[0] != stamp or stamp is None:
                config = self.config_store.load()
                stamp = self.config_store.path.stat().st_mtime_ns
                self._config_cache = (stamp, config)
            return self._config_cache[1]

    def country(self) -> str:
        return self.config().device.country

    def region(self) -> str:
        return profile(self.country()).region

    def utc_offset_s(self) -> int:
        """The box's local time for dates on the pages: its country profile's."""
        try:
            return profile(self.country()).utc_offset_s
        except Exception:  # a broken configuration must not take the pages down
            return 8 * 3600


def open_deps(data_dir: Path, *, secure_cookies: bool, follow_engine: bool = True) -> WebDeps:
    """The web app's dependencies over ``data_dir``; starts following the engine."""
    data_dir = Path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    engine = EngineLink(data_dir / BUS_SOCKET)
    deps = WebDeps(data_dir, Store(data_dir / DATABASE_FILE), engine, secure_cookies)
    if follow_engine:
        engine.start()
    return deps

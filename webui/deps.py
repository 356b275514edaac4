"""What the web app is given to work with: the data folder's stores and the engine link."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from firmware.config import Config, ConfigStore
from firmware.country.profiles import local_offset_s, profile
from firmware.datafolder import DataFolder
from firmware.prompts.library import PromptLibrary
from firmware.sms.outbox import Outbox
from firmware.store.accounts import Accounts
from firmware.store.audit import AuditLog
from firmware.store.crm import Customers
from firmware.store.db import Store
from firmware.store.dialling import DiallingTasks
from firmware.store.ivr_menus import IvrMenus
from firmware.store.pop_rules import PopRulesStore
from firmware.store.sms_templates import SmsTemplates
from firmware.store.voicemail import Voicemails
from webui.auth import ActionLimiter, Sessions, SignInLimiter
from webui.engine_link import EngineLink, RightsChanged
from webui.keyring import Keyring
from webui.storage import StorageWatch
from webui.streams import (
    EVENT_STREAMS,
    EVENT_STREAMS_PER_USER,
    LISTENERS,
    LISTENERS_PER_USER,
    RightsWatch,
    StreamSlots,
)


@dataclass
class WebDeps:
    folder: DataFolder
    store: Store
    engine: EngineLink
    secure_cookies: bool = True  # False only for plain HTTP on loopback (development)
    clock: Callable[[], float] = time.time
    limiter: SignInLimiter = field(default_factory=SignInLimiter)
    # Passphrase tries to unlock the recordings key: as sign-in's, per user and per address.
    unlock_limiter: SignInLimiter = field(default_factory=SignInLimiter)
    # Click-to-dial: calls a user may have the box place, per minute.
    dial_limiter: ActionLimiter = field(default_factory=ActionLimiter)
    # The prompt library (Settings, Prompts); the features that play prompts register
    # their uses with it (``register_use``), so that a prompt in use is not deleted.
    prompts: PromptLibrary = field(init=False)

    def __post_init__(self) -> None:
        self.rights = RightsWatch()
        self.accounts = Accounts(self.store, on_change=self._rights_changed)
        self.event_slots = StreamSlots(EVENT_STREAMS, EVENT_STREAMS_PER_USER)
        self.listen_slots = StreamSlots(LISTENERS, LISTENERS_PER_USER)
        self.customers = Customers(self.store)
        self.pop_rules = PopRulesStore(self.store)
        self.audit = AuditLog(self.store)
        self.voicemails = Voicemails(self.store)
        # Text messages: the send queue behind the word check (its matcher built once per
        # change of the list), the templates and holidays.
        self.outbox = Outbox(self.store)
        self.sms_templates = SmsTemplates(self.store)
        self.sessions = Sessions(self.accounts, self.clock)
        self.storage = StorageWatch(self.folder)
        self.config_store = ConfigStore(self.folder.root)
        self.keyring = Keyring(self.folder)
        self.prompts = PromptLibrary(self.folder, self.store, clock=self.clock)
        self.prompts.register_use(self._firewall_use_of_prompt)
        self.prompts.register_use(self._announcement_use_of_prompt)
        self.prompts.register_use(IvrMenus(self.store).use_of_prompt)
        self.prompts.register_use(DiallingTasks(self.store).use_of_prompt)
        self._config_cache: tuple[int | None, Config] | None = None
        self._config_lock = threading.Lock()

    def _announcement_use_of_prompt(self, prompt_id: int) -> str | None:
        """The lines that announce with the prompt before recording, if any."""
        numbers = [line.number for line in self.config().lines
                   if line.announcement_prompt == prompt_id]
        return ", ".join(f"line {number}'s announcement" for number in numbers) or None

    def _firewall_use_of_prompt(self, prompt_id: int) -> str | None:
        """The call firewall's list entry or rule that answers with the prompt, if any."""
        row = self.store.connection().execute(
            "SELECT number FROM firewall_numbers WHERE message_prompt = ? "
            "UNION ALL SELECT 'rule ' || id FROM firewall_rules WHERE message_prompt = ? "
            "LIMIT 1", (str(prompt_id), str(prompt_id))).fetchone()
        return None if row is None else f"the call firewall's message ({row[0]})"

    def _rights_changed(self) -> None:
        self.rights.changed()
        self.engine.notify(RightsChanged())  # idle event streams wake up and check

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

    def recordings_key(self):
        """The unlocked recordings key (``webui.keyring``), or None while it is locked;
        the configured key file is tried when it is."""
        try:
            key_file = self.config().device.encryption.key_file
        except Exception:  # a broken configuration: no key file to look for
            key_file = ""
        return self.keyring.key(key_file)

    def encryption_state(self) -> str:
        """``off``, ``not_set_up``, ``locked`` or ``unlocked`` (``webui.keyring``)."""
        try:
            encryption = self.config().device.encryption
        except Exception:
            return self.keyring.state(False)
        if self.keyring.state(encryption.enabled) == "locked":
            self.keyring.key(encryption.key_file)
        return self.keyring.state(encryption.enabled)

    def country(self) -> str:
        return self.config().device.country

    def region(self) -> str:
        return profile(self.country()).region

    def utc_offset_s(self) -> int:
        """The box's local time for dates on the pages: its country profile's."""
        try:
            device = self.config().device
            return local_offset_s(device.country, device.time_zone)
        except Exception:  # a broken configuration must not take the pages down
            return 8 * 3600


def open_deps(data_dir: Path, *, secure_cookies: bool, follow_engine: bool = True) -> WebDeps:
    """The web app's dependencies over ``data_dir``; starts following the engine."""
    folder = DataFolder(data_dir)
    folder.create()
    engine = EngineLink(folder.bus_socket)
    deps = WebDeps(folder, Store(folder.database), engine, secure_cookies)
    if follow_engine:
        engine.start()
    return deps

"""The data folder: every file and folder the box keeps, named in one place.

Layout (``<data>`` is ``--data``; by default ``$LINEREC_DATA``, which the installed box
sets to ``/var/lib/linerec`` or its data disk, else ``./data``: ``default_data_folder``)::

    config.json         the device configuration (TinyDB; firmware.config)
    linerec.db          calls, recordings index, customers, users, audit log (SQLite;
                        firmware.store), with its -wal and -shm files beside it
    recordings/         the recordings, YYYY/MM/DD/<name>.wav, each with a .json
                        sidecar (firmware.store.recordings); <name>.opus or .oga in its
                        place once compressed after the call (firmware.store.stored_files)
    voicemail/          voicemail messages, YYYY/MM/line<n>-<YYYYMMDD-HHMMSS>-<ms>.wav, 8 kHz
                        16-bit (firmware.store.voicemail)
    smtp-password       the mail server's password for the box's e-mail (mode 0600)
    engine.sock         the engine's event bus (firmware.link.bus)
    engine-audio.sock   live listening (firmware.link.live_audio)
    engine.lock         held by the engine while it runs: one engine per folder
    logs/               the box's logs
    tls/                the web UI's certificate, cert.pem and key.pem (webui.tls)
    keys/               the box's own keys: chain-key.pem, the private Ed25519 key that
                        signs the hash chain (0600, folder 0700), chain-public.pem
                        beside it, retired/<fingerprint>.pem the public keys it replaced
                        (firmware.store.signing); recordings-public.pem, the public key
                        recordings are encrypted to, and recordings-key.sealed, its private
                        key wrapped by the passphrase (firmware.archive.crypt)
    backups/            copies kept to go back to (firmware.store.backups):
      config/           the configuration as saved, config-<YYYYMMDD-HHMMSS>.json (the last 20)
      db/               database snapshots, linerec-<YYYYMMDD-HHMMSS>.db (the last few)
      factory-reset-<YYYYMMDD-HHMMSS>/   what a factory reset moved out of the way
      before-restore-<YYYYMMDD-HHMMSS>/  what linerec restore --force moved out of the way
      update/           the database as each linerec update found it, before-<version>.db
                        (kept while that version is installed; firmware.update)
      update-rollback-<YYYYMMDD-HHMMSS>/ the database and configuration a rollback replaced
    damaged/            what recovery found broken and set aside, never deleted: a damaged
                        database (linerec-<YYYYMMDD-HHMMSS>.db with its -wal), an unreadable
                        configuration, unreadable sidecars (recordings/<same path>)
    exports/            zip exports being prepared for a download (webui.recording_export)
    prompts/            what the box plays to a line: each prompt's sound as a 16-bit 8 kHz
                        mono WAV, <token>.wav, its facts in the database (firmware.prompts)
    box-id              this box's own id, made on its first backup off the box, kept for good
                        (firmware.backup): its folder in every backup target
    offsite/            backups off the box (firmware.backup):
      rclone.conf       the targets as rclone reaches them, passwords and keys included
                        (mode 0600: the box's user only)
      work/             file lists and index files of a backup being made, one lock per target

The engine, the web process, recovery and the command line all reach these
through ``DataFolder``; nothing else spells a name inside the folder. This
module needs nothing but the standard library, like the rest of what
recovery uses.

A box that keeps its data on a disk of its own (``LINEREC_DATA_DISK=yes``, set by
the installer in ``/etc/default/linerec``) must never record onto the SD card
when that disk is missing: ``check`` then refuses a folder that is on the same
file system as ``/`` (the disk did not mount, and its mount point is an empty
folder of the SD card's), before it makes anything.
"""

from __future__ import annotations

import fcntl
import os
from dataclasses import dataclass
from pathlib import Path

from firmware.errors import LinerecError


@dataclass(frozen=True)
class DataFolder:
    """The paths inside one data folder (nothing is created until asked)."""

    root: Path

    def __init__(self, root: str | os.PathLike[str]) -> None:
        object.__setattr__(self, "root", Path(root))

    @property
    def config(self) -> Path:
        return self.root / "config.json"

    @property
    def database(self) -> Path:
        return self.root / "linerec.db"

    @property
    def recordings(self) -> Path:
        return self.root / "recordings"

    @property
    def bus_socket(self) -> Path:
        return self.root / "engine.sock"

    @property
    def audio_socket(self) -> Path:
        return self.root / "engine-audio.sock"

    @property
    def voicemail(self) -> Path:
        """Voicemail messages, YYYY/MM/line<n>-<stamp>.wav (firmware.store.voicemail)."""
        return self.root / "voicemail"

    @property
    def smtp_password(self) -> Path:
        """The mail server's password (device.smtp), mode 0600; never in the configuration."""
        return self.root / "smtp-password"

    @property
    def engine_lock(self) -> Path:
        return self.root / "engine.lock"

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    @property
    def tls(self) -> Path:
        return self.root / "tls"

    @property
    def tls_certificate(self) -> Path:
        return self.tls / "cert.pem"

    @property
    def tls_key(self) -> Path:
        return self.tls / "key.pem"

    @property
    def keys(self) -> Path:
        return self.root / "keys"

    @property
    def chain_private_key(self) -> Path:
        """The box's Ed25519 key that signs the hash chain (PEM, readable by the box only)."""
        return self.keys / "chain-key.pem"

    @property
    def chain_public_key(self) -> Path:
        return self.keys / "chain-public.pem"

    @property
    def recordings_public_key(self) -> Path:
        """The X25519 public key recordings are encrypted to (device.encryption)."""
        return self.keys / "recordings-public.pem"

    @property
    def recordings_sealed_key(self) -> Path:
        """Its private key, wrapped by the passphrase; never backed up."""
        return self.keys / "recordings-key.sealed"

    @property
    def retired_keys(self) -> Path:
        """The public keys of signing keys replaced by a rotation, ``<fingerprint>.pem``."""
        return self.keys / "retired"

    @property
    def backups(self) -> Path:
        return self.root / "backups"

    @property
    def config_backups(self) -> Path:
        return self.backups / "config"

    @property
    def database_backups(self) -> Path:
        return self.backups / "db"

    @property
    def damaged(self) -> Path:
        return self.root / "damaged"

    @property
    def damaged_recordings(self) -> Path:
        """Unreadable sidecars set aside, under their path in ``recordings/``."""
        return self.damaged / "recordings"

    def factory_reset_backup(self, stamp: str) -> Path:
        """Where a factory reset at ``stamp`` (YYYYMMDD-HHMMSS) moves what it replaces."""
        return self.backups / f"factory-reset-{stamp}"

    def before_restore_backup(self, stamp: str) -> Path:
        """Where ``linerec restore --force`` at ``stamp`` moves the database and
        configuration it replaces."""
        return self.backups / f"before-restore-{stamp}"

    @property
    def update_snapshots(self) -> Path:
        """The database snapshot taken before each switch to a new version."""
        return self.backups / "update"

    def update_rollback_backup(self, stamp: str) -> Path:
        """Where a rollback at ``stamp`` moves the database and configuration it replaces."""
        return self.backups / f"update-rollback-{stamp}"

    @property
    def exports(self) -> Path:
        return self.root / "exports"

    @property
    def prompts(self) -> Path:
        """The prompt library's sounds (``firmware.prompts.library``)."""
        return self.root / "prompts"

    @property
    def box_id(self) -> Path:
        return self.root / "box-id"

    @property
    def offsite(self) -> Path:
        return self.root / "offsite"

    @property
    def rclone_config(self) -> Path:
        """The backup targets' rclone configuration, secrets included (mode 0600)."""
        return self.offsite / "rclone.conf"

    @property
    def offsite_work(self) -> Path:
        return self.offsite / "work"

    def create(self) -> None:
        """Make the folder itself if it does not exist yet; private to the box's user."""
        self.root.mkdir(mode=PRIVATE_FOLDER, parents=True, exist_ok=True)
        self.make_private()

    def make_private(self) -> None:
        """Let nobody but the box's user into the folder (recordings, the database, keys).

        The folder itself is enough: what is inside cannot be reached without passing
        through it. What the box makes inside is private too (``private_files``). A
        folder this user does not own (a mount point of root's) is left as it is.
        """
        try:
            mode = self.root.stat().st_mode & 0o777
            if mode & ~PRIVATE_FOLDER and self.root.stat().st_uid == os.geteuid():
                os.chmod(self.root, PRIVATE_FOLDER)
        except OSError:
            pass  # check() says what is wrong with a folder that cannot be used

    def check(self, *, create: bool = False) -> None:
        """Refuse a folder the box cannot work in, with a message naming it and the problem.

        ``create`` makes a missing folder (``linerec run``'s ``./data``), but never its
        parents: a missing parent is most often a disk that did not mount. With
        ``LINEREC_DATA_DISK`` set, a folder on the system's own file system is refused
        first (``check_data_disk``).
        """
        if data_disk_required():
            self.check_data_disk()
        if not self.root.exists() and create:
            try:
                self.root.mkdir(mode=PRIVATE_FOLDER)
            except FileNotFoundError:
                raise DataFolderError(
                    f"data folder {self.root} does not exist, nor the folder it would be made "
                    f"in ({self.root.parent}); is the disk mounted?"
                ) from None
            except OSError as error:
                raise DataFolderError(
                    f"data folder {self.root} cannot be made: {error.strerror or error}"
                ) from None
        if not self.root.exists():
            raise DataFolderError(f"data folder {self.root} does not exist")
        if not self.root.is_dir():
            raise DataFolderError(f"data folder {self.root} is not a folder")
        if not os.access(self.root, os.R_OK | os.W_OK | os.X_OK):
            # access() also answers EROFS for root on a read-only mount.
            reason = "read-only" if _read_only_mount(self.root) else "not writable by this user"
            raise DataFolderError(
                f"data folder {self.root} is {reason}: the box must write its database and "
                "recordings there"
            )
        self.make_private()


    def check_data_disk(self, system_root: Path = Path("/")) -> None:
        """Refuse a folder (or, while it is not made yet, the folder it would be made in)
        on the same file system as ``system_root``: the data disk is not mounted."""
        existing = Path(os.path.abspath(self.root))
        while not existing.exists() and existing != existing.parent:
            existing = existing.parent
        try:
            on_system = os.stat(existing).st_dev == os.stat(system_root).st_dev
        except OSError:
            return  # check() says what is wrong with a folder that cannot be reached
        if on_system:
            raise DataDiskError(
                f"data folder {self.root} is on the system's own disk, not on the data disk: "
                f"is the data disk mounted? ({DATA_DISK_ENV}=yes: the box records only onto "
                "its data disk)"
            )


PRIVATE_FOLDER = 0o700
DATA_ENV = "LINEREC_DATA"  # the data folder when --data is not given
DATA_DISK_ENV = "LINEREC_DATA_DISK"  # yes: the data folder must be on a disk of its own
DATA_HELP = "data folder ($LINEREC_DATA, else ./data)"  # --data's help, in every command
_YES = frozenset({"1", "yes", "true", "on"})


def default_data_folder() -> Path:
    """``--data``'s default: ``$LINEREC_DATA`` (the installed box's services and its
    ``linerec`` command set it), else ``./data`` (a development checkout)."""
    return Path(os.environ.get(DATA_ENV) or "data")


def data_disk_required() -> bool:
    """Whether the data folder must be on a file system of its own (``LINEREC_DATA_DISK``)."""
    return os.environ.get(DATA_DISK_ENV, "").strip().lower() in _YES


def private_files() -> None:
    """Everything this process makes from now on is the box's user's alone (files 0600,
    folders 0700), whatever the umask it was started with. Called first by every
    process of the box (the linerec command, the web, recovery)."""
    os.umask(0o077)


def _read_only_mount(path: Path) -> bool:
    try:
        return bool(os.statvfs(path).f_flag & os.ST_RDONLY)
    except OSError:
        return False


class DataFolderError(LinerecError):
    """The data folder is missing, not a folder, or cannot be written."""


class DataDiskError(DataFolderError):
    """The data folder must be on its own disk, and is on the system's: the disk is missing."""


class EngineBusyError(LinerecError):
    """Another engine already runs on this data folder."""


class EngineLock:
    """One engine per data folder: an exclusive lock on ``engine.lock``, held while it runs.

    Two engines on one folder would write the same database and recording
    files and delete each other's bus socket. The lock goes with the
    process, so a crashed engine never leaves it behind.
    """

    def __init__(self, folder: DataFolder) -> None:
        self.path = folder.engine_lock
        self._descriptor: int | None = None

    def acquire(self) -> None:
        descriptor = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(descriptor, 32).decode("ascii", "replace").strip() or "unknown"
            os.close(descriptor)
            raise EngineBusyError(
                f"another engine (process {holder}) already runs on {self.path.parent}; "
                "stop it first, or use another --data folder"
            ) from None
        os.ftruncate(descriptor, 0)
        os.write(descriptor, f"{os.getpid()}\n".encode())
        self._descriptor = descriptor

    def release(self) -> None:
        if self._descriptor is not None:
            os.close(self._descriptor)  # closing drops the lock
            self._descriptor = None

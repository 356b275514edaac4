"""Install a version beside the running one, switch, check, roll back.

The install root (``--root``, ``/opt/linerec`` on the box)::

    versions/<version>/     one installed version: venv/ (its own virtual environment,
                            built offline from the bundle's wheels), manifest.json;
                            .installing while it is being built
    current -> versions/<version>    the version the services run (a relative symlink,
                            replaced by a rename: always whole)
    update-state.json       the versions made current in turn, each one's database
                            schema, each switch's snapshot, and the trial in progress
    update.lock             held by the one ``linerec update`` running
    release-keys/*.pem      optional: the project's release keys; with one there, only
                            bundles signed by it are installed

An update: the bundle is verified and installed into ``versions/<new>``
(nothing the running version uses is touched); a snapshot of the database
(SQLite's online backup) and a copy of the configuration are taken; the
trial is written into the state, then ``current`` is switched and the
services restarted; the new version's own ``linerec status --json`` must
show the engine running with every line online, without a break, for
``steady_s`` within ``check_within_s``. Then the state says the update is
done. Otherwise the services are stopped, ``current`` goes back, the
database is put back from the snapshot if the new version moved its schema
forward (the migrated one is set aside, never deleted, and the previous
version's recovery indexes again the recordings made meanwhile from their
sidecars), the configuration too if it changed, and the services are
started again.

On the box ``linerec update`` runs as root (``/opt/linerec`` is root's, and so
is systemctl), while the data folder is the box's user's: run as root, the
commands of a version that read or write the data folder (its status, its
recovery) run as the data folder's owner, and what the update itself made
there (its log, the snapshots, the database or configuration put back, the
folders set aside) is handed to that owner when each run ends, so that the
engine and the web can open it.

A crash or a power cut at any point leaves ``current`` on the old or the new
version; ``settle`` (every ``linerec update``, and ``--recover`` at boot)
finds the trial still written in the state and rolls it back, so an update
that was never confirmed healthy never stays.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shlex
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from firmware.datafolder import DataFolder
from firmware.errors import LinerecError
from firmware.store.backups import backup_database, config_copies
from firmware.store.files import fsync_directory, make_folders, write_atomically
from firmware.update import bundle as bundles

STATE = "update-state.json"
LOCK = "update.lock"
RELEASE_KEYS = "release-keys"
VERSIONS = "versions"
CURRENT = "current"
INSTALLING = ".installing"
LOG_NAME = "update.log"
UNITS = ("linerec-engine.service", "linerec-web.service")
COMMAND_TIMEOUT_S = 120.0
INSTALL_TIMEOUT_S = 1800.0
CHECK_INTERVAL_S = 1.0

# linerec update's exit statuses
EXIT_UPDATED = 0
EXIT_ROLLED_BACK = 1  # the new version failed its check; the previous one runs again
EXIT_BAD_INPUT = 2  # nothing changed: not a bundle, no root, another update running, ...
EXIT_NEEDS_PERSON = 3  # the rollback could not be made whole; the message says what is left


class UpdateError(LinerecError):
    """An update that cannot start or go on; one line naming the problem."""


def clean_environment() -> dict[str, str]:
    """The environment another version's Python runs in: its own code, not ours."""
    return {key: value for key, value in os.environ.items()
            if key not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}


def data_owner(data: Path) -> tuple[int, int] | None:
    """The user and group the data folder ``data`` belongs to, when this runs as root and
    they are another user's (the box: linerec update as root, the folder linerec's);
    else None: nothing to hand over."""
    if os.geteuid() != 0:
        return None
    try:
        found = data.stat()
    except OSError:
        return None
    return None if found.st_uid == 0 else (found.st_uid, found.st_gid)


def as_owner(data: Path | None) -> dict:
    """subprocess.run's arguments that run a command as ``data``'s owner (see data_owner),
    without root's groups; none when there is no such owner."""
    owner = data_owner(data) if data is not None else None
    if owner is None:
        return {}
    return {"user": owner[0], "group": owner[1], "extra_groups": []}


def hand_back(folder: DataFolder) -> None:
    """What root made in ``folder`` where an update writes (the database and its journals,
    the configuration, the logs, the backups), given to the folder's owner."""
    owner = data_owner(folder.root)
    if owner is None:
        return
    database = folder.database
    paths = [database.with_name(database.name + suffix) for suffix in ("", "-wal", "-shm")]
    paths += [folder.config, folder.logs, folder.backups]
    for path in paths:
        for name in _tree(path):
            with contextlib.suppress(OSError):
                if os.lstat(name).st_uid == 0:
                    os.lchown(name, *owner)


def _tree(path: Path) -> Iterator[Path]:
    """``path`` and, if it is a folder, everything in it."""
    yield path
    if path.is_dir() and not path.is_symlink():
        for place, folders, files in os.walk(path):
            for name in (*folders, *files):
                yield Path(place, name)


@contextlib.contextmanager
def readable_by_all() -> Iterator[None]:
    """Files and folders made meanwhile readable by every user (umask 022), not only by the
    one making them: a version root installs is run by the box's user. (linerec's commands
    run with umask 077, for the data folder.)"""
    before = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(before)


def _run(
    argv: list[str], timeout: float, what: str, ok: tuple[int, ...] = (0,),
    owner_of: Path | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run ``argv``; as the owner of the data folder ``owner_of`` when root runs this."""
    try:
        result = subprocess.run(argv, capture_output=True, text=True, timeout=timeout,
                                env=clean_environment(), check=False, **as_owner(owner_of))
    except subprocess.TimeoutExpired:
        raise UpdateError(f"{what}: no answer within {timeout:.0f} s") from None
    except OSError as error:
        raise UpdateError(f"{what}: cannot run {argv[0]}: {error.strerror or error}") from None
    if result.returncode not in ok:
        last = (result.stderr.strip() or result.stdout.strip() or "no output").splitlines()[-1]
        raise UpdateError(f"{what} failed (exit status {result.returncode}): {last}")
    return result


# --- the service manager -------------------------------------------------------------------


class Services(Protocol):
    """Stops and (re)starts the box's engine and web processes."""

    def stop(self) -> None: ...

    def restart(self) -> None: ...


@dataclass
class Systemctl:
    """The box's units through systemctl; ``no_block`` at boot, where waiting for a unit
    ordered after the caller would wait for ever: ``update --recover`` runs in
    linerec-recovery.service, a oneshot the engine and the web are ordered after, so their
    restart is queued and starts once that unit is done. The stop always waits: a unit not
    running yet (at boot, its start queued behind recovery) stops at once, its queued start
    replaced, and the restart after the rollback queues it again."""

    no_block: bool = False
    units: tuple[str, ...] = UNITS

    def stop(self) -> None:
        _run(["systemctl", "stop", *self.units], COMMAND_TIMEOUT_S, "systemctl stop")

    def restart(self) -> None:
        flags = ["--no-block"] if self.no_block else []
        _run(["systemctl", "restart", *flags, *self.units], COMMAND_TIMEOUT_S,
             "systemctl restart")


@dataclass
class CommandServices:
    """Any command that takes ``stop`` or ``restart`` as its last argument (``--services``)."""

    argv: list[str]

    def stop(self) -> None:
        _run([*self.argv, "stop"], COMMAND_TIMEOUT_S, "stopping the services")

    def restart(self) -> None:
        _run([*self.argv, "restart"], COMMAND_TIMEOUT_S, "restarting the services")


def services_from(command: str | None, *, no_block: bool = False) -> Services:
    """``--services CMD`` when given, else systemd's units when systemd runs."""
    if command:
        return CommandServices(shlex.split(command))
    if shutil.which("systemctl") and Path("/run/systemd/system").is_dir():
        return Systemctl(no_block=no_block)
    raise UpdateError("no service manager: systemd is not running here; give --services CMD "
                      "(a command taking stop or restart)")


# --- installing a version ------------------------------------------------------------------


class Installer(Protocol):
    def install(self, wheels: Path, requirement: str, venv: Path) -> None:
        """Build the virtual environment ``venv`` holding ``requirement`` from ``wheels``."""


@dataclass
class PipInstaller:
    """A venv of the Python running this, and pip offline from the bundle's wheelhouse."""

    python: str = sys.executable

    def install(self, wheels: Path, requirement: str, venv: Path) -> None:
        _run([self.python, "-m", "venv", str(venv)], INSTALL_TIMEOUT_S, "making the venv")
        _run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet",
              "--disable-pip-version-check", "--no-index", "--find-links", str(wheels),
              requirement], INSTALL_TIMEOUT_S, "installing the wheels")


# --- the health check ----------------------------------------------------------------------


def check_version(python: Path, data: Path, timeout: float = 30.0) -> str | None:
    """None when the version behind ``python`` finds the engine running with every line
    online (its ``linerec status --json``), else why not, in a few words."""
    argv = [str(python), "-I", "-m", "firmware", "status", "--json", "--data", str(data)]
    try:  # as the data folder's owner when root runs this: what it makes stays the box's
        result = subprocess.run(argv, capture_output=True, text=True, timeout=timeout,
                                env=clean_environment(), check=False, **as_owner(data))
    except subprocess.TimeoutExpired:
        return f"linerec status did not answer within {timeout:.0f} s"
    except OSError as error:
        return f"linerec status cannot run: {error.strerror or error}"
    if result.returncode not in (0, 1):  # 1: problems listed, judged below
        last = (result.stderr.strip() or "no output").splitlines()[-1]
        return f"linerec status failed (exit status {result.returncode}): {last}"
    return judge_report(result.stdout)


def judge_report(text: str) -> str | None:
    """None when ``linerec status --json``'s ``text`` shows the engine running with every
    line online, else why not."""
    try:
        report = json.loads(text)
        running, lines = report["engine_running"], report["lines"]
        offline = [str(line["status"]["line"]) for line in lines
                   if not line["status"]["online"]]
    except (json.JSONDecodeError, KeyError, TypeError):
        return "linerec status --json gave no report"
    if not running:
        return "the engine is not running"
    if offline:
        return f"line(s) {', '.join(offline)} not running"
    return None


# --- the install root and its state --------------------------------------------------------


@dataclass
class State:
    history: list[str] = field(default_factory=list)  # versions made current, oldest first
    schemas: dict[str, int] = field(default_factory=dict)  # each version's database schema
    switches: list[dict] = field(default_factory=list)  # each switch: from, to, snapshot, ...
    trial: dict | None = None  # the switch being tried or rolled back

    @classmethod
    def from_document(cls, document: dict) -> State:
        return cls(list(document.get("history", [])), dict(document.get("schemas", {})),
                   list(document.get("switches", [])), document.get("trial"))

    def to_document(self) -> dict:
        return {"history": self.history, "schemas": self.schemas,
                "switches": self.switches[-20:], "trial": self.trial}


@dataclass(frozen=True)
class Root:
    path: Path

    @property
    def versions(self) -> Path:
        return self.path / VERSIONS

    @property
    def current(self) -> Path:
        return self.path / CURRENT

    @property
    def release_keys(self) -> Path:
        return self.path / RELEASE_KEYS

    @property
    def state_file(self) -> Path:
        return self.path / STATE

    def version_dir(self, version: str) -> Path:
        return self.versions / version

    def python(self, version: str) -> Path:
        return self.version_dir(version) / "venv" / "bin" / "python"

    def current_version(self) -> str | None:
        try:
            target = os.readlink(self.current)
        except FileNotFoundError:
            return None
        except OSError:
            raise UpdateError(f"{self.current}: not a symlink to {VERSIONS}/<version>; this "
                              "root was not installed for updates") from None
        parts = Path(target).parts
        if len(parts) != 2 or parts[0] != VERSIONS:
            raise UpdateError(f"{self.current}: points to {target}, not {VERSIONS}/<version>")
        return parts[1]

    def installed(self) -> list[str]:
        if not self.versions.is_dir():
            return []
        return sorted(path.name for path in self.versions.iterdir()
                      if path.is_dir() and not path.name.startswith(".")
                      and not (path / INSTALLING).exists())

    def switch(self, version: str) -> None:
        """Point ``current`` at ``version``: a new symlink renamed over the old one."""
        temporary = self.path / f".{CURRENT}.{os.getpid()}"
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()
        os.symlink(f"{VERSIONS}/{version}", temporary)
        os.replace(temporary, self.current)
        fsync_directory(self.path)

    def read_state(self) -> State:
        try:
            return State.from_document(json.loads(self.state_file.read_text()))
        except FileNotFoundError:
            return State()
        except (OSError, ValueError, AttributeError) as error:
            raise UpdateError(f"{self.state_file}: cannot read it: {error}") from None

    def write_state(self, state: State) -> None:
        write_atomically(self.state_file, json.dumps(state.to_document(), indent=1).encode())

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        make_folders(self.path)
        with (self.path / LOCK).open("a") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise UpdateError(f"{self.path}: another linerec update is running") from None
            yield


def schema_of(database: Path) -> int | None:
    """The database's ``PRAGMA user_version`` (None: no database, or unreadable)."""
    if not database.is_file():
        return None
    try:
        connection = sqlite3.connect(database, timeout=10.0)
        try:
            return connection.execute("PRAGMA user_version").fetchone()[0]
        finally:
            connection.close()
    except sqlite3.Error:
        return None


def _last_call_id(database: Path) -> int:
    try:
        connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=10.0)
        try:
            return connection.execute("SELECT coalesce(max(id), 0) FROM calls").fetchone()[0]
        finally:
            connection.close()
    except sqlite3.Error:
        return 0


def _digest(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


@dataclass(frozen=True)
class Outcome:
    status: int
    message: str


class Updater:
    def __init__(
        self,
        root: Path,
        data: Path,
        services: Services,
        *,
        installer: Installer | None = None,
        check: Callable[[Path, Path], str | None] = check_version,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        say: Callable[[str], None] = print,
    ) -> None:
        self.root = Root(root)
        self.folder = DataFolder(data)
        self.services = services
        self.installer = installer or PipInstaller()
        self.check = check
        self.clock, self.sleep, self._say = clock, sleep, say

    @contextlib.contextmanager
    def _working(self) -> Iterator[None]:
        """The one update running (the lock); what it made in the data folder handed to the
        folder's owner at the end, whatever the end."""
        with self.root.locked():
            try:
                yield
            finally:
                hand_back(self.folder)

    # --- the log ---

    def log(self, text: str) -> None:
        """Said, and kept in ``<data>/logs/update.log`` (and the journal, through stdout)."""
        self._say(text)
        stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        with contextlib.suppress(OSError):
            make_folders(self.folder.logs)
            with (self.folder.logs / LOG_NAME).open("a", encoding="utf-8") as stream:
                stream.write(f"{stamp} {text}\n")

    # --- installing ---

    def install(self, path: Path) -> str:
        """Verify and install the bundle into ``versions/<version>``; return the version."""
        keys = bundles.load_release_keys(self.root.release_keys)
        manifest = bundles.verify(path, keys)
        version = manifest.version
        if version == self.root.current_version():
            raise UpdateError(f"{path}: linerec {version} is the version running already")
        target = self.root.version_dir(version)
        if target.exists():  # an earlier install of it, kept or half made: made again
            _remove_version(target)
        with readable_by_all():
            make_folders(target)
            (target / INSTALLING).touch()
        fsync_directory(target.parent)
        self.log(f"installing linerec {version} from {path} into {target}")
        unpacked = target / "bundle"
        try:
            with readable_by_all():
                bundles.unpack(path, unpacked, keys)
                self.installer.install(unpacked / bundles.WHEELS, manifest.requirement,
                                       target / "venv")
            answer = _run([str(self.root.python(version)), "-I", "-m", "firmware", "--version"],
                          COMMAND_TIMEOUT_S, f"linerec {version} --version").stdout.split()
            if answer[-1:] != [version]:
                raise UpdateError(f"the installed version says {' '.join(answer)}, not "
                                  f"linerec {version}")
            schema = _run([str(self.root.python(version)), "-I", "-c",
                           "from firmware.store.schema import MIGRATIONS; print(len(MIGRATIONS))"],
                          COMMAND_TIMEOUT_S, f"linerec {version}'s schema").stdout.strip()
        except (UpdateError, bundles.BundleError) as error:
            shutil.rmtree(target, ignore_errors=True)
            self.log(f"linerec {version} not installed: {error}")
            raise
        with readable_by_all():
            shutil.copyfile(unpacked / bundles.MANIFEST, target / bundles.MANIFEST)
        shutil.rmtree(unpacked)
        state = self.root.read_state()
        state.schemas[version] = int(schema)
        self.root.write_state(state)
        (target / INSTALLING).unlink()
        fsync_directory(target)
        return version

    # --- the update ---

    def update(self, path: Path, check_within_s: float, keep: int, steady_s: float) -> Outcome:
        with self._working():
            self._settle()
            old = self.root.current_version()
            version = self.install(path)
            trial = self._begin(old, version)
            self.log(f"switching from linerec {old or '(none)'} to {version}; checking it for "
                     f"up to {check_within_s:.0f} s")
            self.root.switch(version)
            problem = self._restart_and_check(version, check_within_s, steady_s)
            if problem is None:
                state = self.root.read_state()
                state.trial = None
                state.history = [*(v for v in state.history if v != version), version]
                self.root.write_state(state)
                removed = self._prune(keep)
                self.log(f"updated to linerec {version}" + (
                    f" (removed old versions: {', '.join(removed)})" if removed else ""))
                return Outcome(EXIT_UPDATED, f"linerec {version} is running")
            self.log(f"linerec {version} failed its check: {problem}")
            return self._roll_back(trial, f"linerec {version} failed its check: {problem}",
                                   check_within_s, steady_s)

    def _begin(self, old: str | None, new: str) -> dict:
        """Snapshot the database and the configuration, and write the trial."""
        snapshot = config_copy = None
        if self.folder.database.is_file():
            snapshot = str(self._keep_snapshot(backup_database(self.folder), new))
        if self.folder.config.is_file():
            config_copy = str(config_copies(self.folder).add(self.folder.config.read_bytes()))
        schema = schema_of(Path(snapshot) if snapshot else self.folder.database)
        trial = {"from": old, "to": new, "phase": "trial", "at": time.time(),
                 "snapshot": snapshot, "config_copy": config_copy, "schema_before": schema,
                 "last_call_before": _last_call_id(Path(snapshot)) if snapshot else 0}
        state = self.root.read_state()
        if old is not None and old not in state.history:
            state.history.append(old)
        if old is not None and schema is not None:
            state.schemas.setdefault(old, schema)  # what the version running now left it at
        state.trial = trial
        state.switches.append({key: trial[key] for key in
                               ("from", "to", "at", "snapshot", "config_copy", "schema_before",
                                "last_call_before")})
        self.root.write_state(state)
        self.log(f"before the switch: database snapshot {snapshot} (schema {schema}), "
                 f"configuration copy {config_copy}")
        return trial

    def _keep_snapshot(self, snapshot: Path, version: str) -> Path:
        """The snapshot, also as ``backups/update/before-<version>.db`` (a hard link where it
        can be): the daily snapshots' pruning never takes it while the version is kept."""
        make_folders(self.folder.update_snapshots)
        kept = self.folder.update_snapshots / f"before-{version}.db"
        partial = kept.with_name(kept.name + ".partial")
        partial.unlink(missing_ok=True)
        try:
            os.link(snapshot, partial)
        except OSError:
            shutil.copyfile(snapshot, partial)
        os.replace(partial, kept)
        fsync_directory(kept.parent)
        return kept

    def _restart_and_check(self, version: str, within_s: float, steady_s: float) -> str | None:
        try:
            self.services.restart()
        except UpdateError as error:
            return str(error)
        start = self.clock()
        deadline = start + within_s
        passing_since = None
        problem = "no check ran"
        while True:
            if self.folder.bus_socket.exists():
                problem = self.check(self.root.python(version), self.folder.root)
            else:  # not before: a first start may be making the database meanwhile
                problem = "the engine is not answering"
            now = self.clock()
            if problem is None:
                passing_since = now if passing_since is None else passing_since
                if now - passing_since >= steady_s:
                    return None
            else:
                passing_since = None
            if now >= deadline:
                if problem is None:
                    return None if steady_s <= 0 else (
                        f"healthy only for the last {now - passing_since:.0f} s of {within_s:.0f}")
                return problem
            self.sleep(min(CHECK_INTERVAL_S, max(0.0, deadline - now)))

    # --- rolling back ---

    def _roll_back(
        self, trial: dict, reason: str, within_s: float, steady_s: float, *, check: bool = True
    ) -> Outcome:
        old = trial["from"]
        state = self.root.read_state()
        if trial["phase"] == "trial":
            trial["phase"] = "rolling-back"
        state.trial = trial
        self.root.write_state(state)
        if old is None:
            self.log("no previous version to go back to")
            state.trial = None
            self.root.write_state(state)
            return Outcome(EXIT_NEEDS_PERSON, f"{reason}; no previous version to go back to")
        left: list[str] = []
        try:
            self.services.stop()
        except UpdateError as error:  # the engine may still run: the database stays as it is
            left.append(f"the services did not stop ({error}); the database was not restored")
        self.root.switch(old)
        self.log(f"switched back to linerec {old}")
        if not left:
            left += self._restore(trial, old)
        state = self.root.read_state()
        state.trial = None
        state.history = [*(v for v in state.history if v != old), old]
        self.root.write_state(state)
        if check:
            problem = self._restart_and_check(old, within_s, min(steady_s, 1.0))
            if problem is not None:
                left.append(f"linerec {old} fails its check too: {problem}")
        else:  # at boot: the services start once recovery is over, not before
            try:
                self.services.restart()
            except UpdateError as error:
                left.append(str(error))
        message = f"{reason}; rolled back to linerec {old}"
        if left:
            self.log("the rollback needs a person: " + "; ".join(left))
            return Outcome(EXIT_NEEDS_PERSON, f"{message}, but " + "; ".join(left))
        self.log(f"rolled back to linerec {old}")
        return Outcome(EXIT_ROLLED_BACK, message)

    def _restore(self, trial: dict, old: str) -> list[str]:
        """Put the database back from the snapshot if its schema moved, and the configuration
        if it changed (the engine is stopped). Returns what could not be done."""
        left = []
        snapshot = Path(trial["snapshot"]) if trial.get("snapshot") else None
        aside = self.folder.update_rollback_backup(time.strftime("%Y%m%d-%H%M%S"))
        if trial.get("aside"):
            aside = Path(trial["aside"])
        database = self.folder.database
        restoring = trial.get("phase") == "restoring-database"
        if snapshot is not None and (restoring or schema_of(database) != trial["schema_before"]):
            if not snapshot.is_file():
                return [f"the snapshot {snapshot} is gone; the database stays as the new "
                        "version left it"]
            if not restoring:
                trial.update(phase="restoring-database", aside=str(aside))
                state = self.root.read_state()
                state.trial = trial
                self.root.write_state(state)
            if _digest(database) != _digest(snapshot):
                make_folders(aside)
                for suffix in ("-wal", "-shm", ""):  # its log first: never a foreign -wal
                    path = database.with_name(database.name + suffix)
                    if path.exists():
                        os.replace(path, aside / path.name)
                fsync_directory(aside)
                copy = database.with_name(database.name + ".restoring")
                shutil.copyfile(snapshot, copy)
                with copy.open("rb") as stream:
                    os.fsync(stream.fileno())
                os.replace(copy, database)
                fsync_directory(database.parent)
            set_aside = aside / database.name
            later = 0
            if set_aside.is_file():
                later = _calls_after(set_aside, trial.get("last_call_before", 0))
            self.log(f"database put back from {snapshot} (schema {trial['schema_before']}); "
                     f"the one linerec {trial['to']} left is kept in {aside}; {later} call(s) "
                     "logged after the snapshot are in it; recovery indexes again those with a "
                     "recording")
            try:  # exit status 1: it found problems (the recordings to index) and said which
                said = _run([str(self.root.python(old)), "-I", "-m", "firmware", "recover",
                             "--data", str(self.folder.root)], INSTALL_TIMEOUT_S,
                            f"linerec {old} recover", ok=(0, 1), owner_of=self.folder.root)
                self.log(f"linerec {old} recover: " + " ".join(said.stdout.split()))
            except UpdateError as error:
                left.append(str(error))
        copy = Path(trial["config_copy"]) if trial.get("config_copy") else None
        config = self.folder.config
        if copy is not None and copy.is_file() and _digest(config) != _digest(copy):
            make_folders(aside)
            if config.exists():
                shutil.copyfile(config, aside / config.name)
            write_atomically(config, copy.read_bytes())
            self.log(f"configuration put back from {copy}; the one changed meanwhile is kept "
                     f"in {aside}")
        return left

    def rollback(self, within_s: float, steady_s: float, restore_database: bool) -> Outcome:
        """``linerec update --rollback``: back to the version before the current one."""
        with self._working():
            self._settle()
            current = self.root.current_version()
            state = self.root.read_state()
            installed = set(self.root.installed())
            earlier = [v for v in state.history if v != current and v in installed]
            if current is None or not earlier:
                raise UpdateError("no previous version installed to go back to")
            old = earlier[-1]
            switch = next((s for s in reversed(state.switches)
                           if s.get("to") == current and s.get("from") == old), None)
            schema_now = schema_of(self.folder.database)
            readable = state.schemas.get(old)
            trial = {"from": old, "to": current, "phase": "rolling-back", "at": time.time(),
                     "snapshot": None, "config_copy": None, "schema_before": schema_now,
                     "last_call_before": 0}
            if schema_now is not None and readable is not None and schema_now > readable:
                if not restore_database or switch is None or not switch.get("snapshot"):
                    raise UpdateError(
                        f"the database has schema {schema_now}, linerec {old} reads up to "
                        f"{readable}: give --restore-database to put back the snapshot taken "
                        f"before the switch to {current} (later calls are set aside)")
                if not Path(switch["snapshot"]).is_file():
                    raise UpdateError(f"{switch['snapshot']}: the snapshot taken before the "
                                      f"switch to {current} is gone; nothing was changed")
                trial.update(snapshot=switch["snapshot"], schema_before=switch["schema_before"],
                             last_call_before=switch.get("last_call_before", 0))
            self.log(f"rolling back by hand from linerec {current} to {old}")
            return self._roll_back(trial, f"rollback asked from linerec {current}",
                                   within_s, steady_s)

    # --- an update interrupted ---

    def _settle(self, *, check: bool = True) -> str | None:
        """Finish what a crash interrupted: half-installed versions removed, a trial never
        confirmed rolled back (and the previous version checked, unless not ``check``: at
        boot). Returns what was done, or None."""
        done = None
        for path in (self.root.versions.iterdir() if self.root.versions.is_dir() else ()):
            if path.is_dir() and (path / INSTALLING).exists():
                shutil.rmtree(path, ignore_errors=True)
                self.log(f"removed {path}, a version whose install was interrupted")
                done = "removed a half-installed version"
        with contextlib.suppress(FileNotFoundError):
            for path in self.root.path.glob(f".{CURRENT}.*"):
                path.unlink()
        state = self.root.read_state()
        if state.trial is not None:
            trial = state.trial
            self.log(f"an update from linerec {trial['from']} to {trial['to']} was interrupted "
                     f"({trial['phase']}): rolling it back")
            outcome = self._roll_back(trial, "interrupted update", 60.0, 1.0, check=check)
            done = outcome.message
        return done

    def settle(self, *, check: bool = True) -> str | None:
        with self._working():
            return self._settle(check=check)

    def _prune(self, keep: int) -> list[str]:
        state = self.root.read_state()
        current = self.root.current_version()
        order = [v for v in reversed(state.history)]
        kept = [v for v in order if v in self.root.installed()][:keep]
        removed = []
        for version in self.root.installed():
            if version not in kept and version != current:
                _remove_version(self.root.version_dir(version))
                removed.append(version)
                (self.folder.update_snapshots / f"before-{version}.db").unlink(missing_ok=True)
        return removed

    def status(self) -> dict:
        state = self.root.read_state()
        current = self.root.current_version()
        installed = self.root.installed()
        earlier = [v for v in state.history if v != current and v in installed]
        last = state.switches[-1] if state.switches else None
        return {"root": str(self.root.path), "current": current,
                "previous": earlier[-1] if earlier else None, "installed": installed,
                "database_schema": schema_of(self.folder.database),
                "schemas": state.schemas, "last_switch": last}


def _remove_version(path: Path) -> None:
    """Remove an installed version; marked first, so that a crash midway leaves a folder
    ``settle`` removes, never one that looks installed."""
    (path / INSTALLING).touch()
    fsync_directory(path)
    shutil.rmtree(path)


def _calls_after(database: Path, last_call: int) -> int:
    try:
        connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=10.0)
        try:
            return connection.execute("SELECT count(*) FROM calls WHERE id > ?",
                                      (last_call,)).fetchone()[0]
        finally:
            connection.close()
    except sqlite3.Error:
        return 0

"""rclone, the transfer engine of every backup off the box, run with the box's own settings.

Every call runs the ``rclone`` program (Debian's package ``rclone``) with the
data folder's configuration (``offsite/rclone.conf``) and an environment of
our own: the caller's ``AWS_*`` and ``RCLONE_*`` variables are left out, so
nothing outside the data folder changes where a backup goes or with which
credentials (``AWS_CA_BUNDLE``, set on many machines, even stops rclone's S3
client). Secrets go to rclone in its configuration file or on its standard
input, never on a command line that ``ps`` shows.

An rclone that fails is a ``RcloneError`` with one line a person can act on:
the target, and what went wrong in words (refused password, unreachable
server, missing bucket, ...); rclone's own last error follows for the
details, with every secret of the configuration masked.
"""

from __future__ import annotations

import configparser
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from firmware.errors import LinerecError

# Connection and I/O timeouts short enough that an unreachable server fails a run in
# seconds, not minutes; a run tries once: the next scheduled run is the retry.
COMMON_FLAGS = (
    "--contimeout", "10s",
    "--timeout", "120s",
    "--retries", "1",
    "--low-level-retries", "3",
    "--stats", "0",
    "--use-json-log",
    "--log-level", "NOTICE",
)
DEFAULT_TIMEOUT_S = 3600.0
STOP_POLL_S = 0.5  # how often a running rclone looks whether it should stop
SECRET_KEYS = ("pass", "key_pem", "key_file_pass", "secret_access_key", "access_key_id")
_KEPT_ENVIRONMENT = ("PATH", "LANG", "LC_ALL", "TZ", "TMPDIR")

# rclone's words for a failure, and what a person does about it.
_REASONS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), reason)
    for pattern, reason in (
        (r"unable to authenticate|permission denied \(publickey|auth(entication)? fail"
         r"|logon failure|STATUS_LOGON_FAILURE|attempted logon is invalid|password",
         "the server refused the user name, password or key"),
        (r"InvalidAccessKeyId|SignatureDoesNotMatch|invalid access key",
         "the S3 server refused the access key or its secret"),
        (r"AccessDenied|Forbidden|status code: 403",
         "the server refused access (check the credentials and their permissions)"),
        (r"NoSuchBucket|bucket.*(not found|does not exist)",
         "the bucket does not exist (create it on the server first)"),
        (r"connection refused",
         "the server refused the connection (is it on, and are the address and port right?)"),
        (r"no such host|server misbehaving|Temporary failure in name resolution",
         "the server's name is not known (check the host or endpoint)"),
        (r"i/o timeout|deadline exceeded|no route to host|network is unreachable|timed out",
         "the server cannot be reached (is it on, and the network up?)"),
        (r"directory not found|no such file or directory|object not found",
         "the folder is not there"),
        (r"no space left|quota", "the target is full"),
        (r"read-only file system", "the target is read-only"),
    )
)


class RcloneError(LinerecError):
    """rclone failed; the message is one line naming the target and the problem."""


def rclone_program() -> str:
    program = shutil.which("rclone")
    if program is None:
        raise RcloneError(
            "rclone is not installed: backups off the box need it (sudo apt-get install rclone)"
        )
    return program


def secrets_of(config: Path) -> list[str]:
    """Every secret value in an rclone configuration file (to mask them in messages)."""
    parser = configparser.RawConfigParser()
    try:
        parser.read_string(config.read_text(encoding="utf-8"))
    except (OSError, configparser.Error, UnicodeDecodeError):
        return []
    values = []
    for section in parser.sections():
        for key in SECRET_KEYS:
            value = parser.get(section, key, fallback="")
            if value:
                values.append(value)
                values.extend(value.split("\\n"))  # a PEM key's lines
    return [value for value in values if len(value) >= 4]


def mask(text: str, secrets: Iterable[str]) -> str:
    for secret in sorted(set(secrets), key=len, reverse=True):
        text = text.replace(secret, "***")
    return text


def why(stderr: str) -> tuple[str, str]:
    """rclone's error output as (what it means for a person, rclone's last error line)."""
    messages = []
    for line in stderr.splitlines():
        raw = line.strip()
        if not raw:
            continue
        try:
            entry = json.loads(raw)
        except ValueError:
            entry = None
        if isinstance(entry, dict):
            level = str(entry.get("level", ""))
            text = str(entry.get("msg", ""))
            if entry.get("object"):
                text = f"{entry['object']}: {text}"
            if level not in ("error", "critical") and "fail" not in text.lower():
                continue
        else:
            text = re.sub(r"^\d{4}/\d\d/\d\d \d\d:\d\d:\d\d\s+", "", raw)
        messages.append(text)
    detail = messages[-1] if messages else "rclone stopped without saying why"
    detail = " ".join(detail.split())[:300]
    for pattern, reason in _REASONS:
        if any(pattern.search(message) for message in messages):
            return reason, detail
    return "", detail


@dataclass
class Rclone:
    """rclone over one configuration file; ``where`` names the target in messages."""

    config: Path
    work: Path  # rclone's cache and temporary files
    where: str = "the backup target"
    niceness: int = 0  # >0: rclone runs at a lower CPU and disk priority
    should_stop: Callable[[], bool] | None = None  # true: rclone is stopped, RcloneError

    def environment(self) -> dict[str, str]:
        environment = {
            name: value for name, value in os.environ.items() if name in _KEPT_ENVIRONMENT
        }
        environment.setdefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")
        environment["HOME"] = str(self.work)
        environment["XDG_CACHE_HOME"] = str(self.work / "cache")
        environment["RCLONE_CONFIG"] = str(self.config)
        return environment

    def command(self, arguments: Sequence[str]) -> list[str]:
        command = [rclone_program(), "--config", str(self.config), *COMMON_FLAGS, *arguments]
        if self.niceness > 0:
            ionice = shutil.which("ionice")
            if ionice:  # the idle class: the lines' own disk writes come first
                command = [ionice, "-c", "3", *command]
            nice = shutil.which("nice")
            if nice:
                command = [nice, "-n", str(self.niceness), *command]
        return command

    def run(
        self,
        arguments: Sequence[str],
        *,
        stdin: str | None = None,
        timeout: float = DEFAULT_TIMEOUT_S,
        check: bool = True,
    ) -> subprocess.CompletedProcess[str]:
        """rclone ``arguments``; RcloneError naming the target if it fails (``check``)."""
        self.work.mkdir(parents=True, exist_ok=True)
        command = self.command(arguments)
        process = subprocess.Popen(
            command,
            stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=self.environment(),
        )
        deadline = time.monotonic() + timeout
        pending = stdin
        try:
            while True:
                try:
                    stdout, stderr = process.communicate(pending, timeout=STOP_POLL_S)
                    break
                except subprocess.TimeoutExpired:
                    pending = None  # handed over in the first call
                    if self.should_stop is not None and self.should_stop():
                        raise RcloneError(
                            f"{self.where}: stopped (the engine is stopping)"
                        ) from None
                    if time.monotonic() > deadline:
                        raise RcloneError(
                            f"{self.where}: no answer within {timeout:.0f} s (is the server "
                            "reachable?)"
                        ) from None
        finally:
            if process.poll() is None:
                process.kill()
                process.communicate()
        result = subprocess.CompletedProcess(command, process.returncode, stdout, stderr)
        if check and result.returncode != 0:
            raise self.error(result.stderr)
        return result

    def error(self, stderr: str, doing: str = "") -> RcloneError:
        reason, detail = why(stderr)
        secrets = secrets_of(self.config)
        text = f"{self.where}: {doing + ': ' if doing else ''}{reason or 'rclone failed'}"
        if detail:
            text += f" ({detail})"
        return RcloneError(mask(text, secrets))

    # ---- the operations a backup uses ---------------------------------------------------

    def obscure(self, secret: str) -> str:
        """A password in rclone's obscured form, as its configuration holds them (handed
        over on standard input, never as an argument)."""
        result = self.run(["obscure", "-"], stdin=secret, timeout=30)
        return result.stdout.strip()

    def list_files(
        self, remote: str, *, files: Sequence[str] | None = None, hash_type: str | None = None,
        recursive: bool = True, timeout: float = DEFAULT_TIMEOUT_S,
    ) -> dict[str, dict]:
        """What ``remote`` holds: path -> rclone's entry (Size, ModTime, Hashes), files only;
        ``files`` limits it to those paths; ``hash_type`` asks the target for that hash."""
        arguments = ["lsjson", "--files-only", remote]
        if recursive:
            arguments.append("-R")
        if hash_type:
            arguments += ["--hash-type", hash_type]
        list_file = None
        if files is not None:
            list_file = self._list_file(files)
            arguments += ["--files-from", str(list_file)]
        try:
            result = self.run(arguments, timeout=timeout)
        finally:
            if list_file is not None:
                list_file.unlink(missing_ok=True)
        try:
            entries = json.loads(result.stdout or "[]")
        except ValueError as error:
            raise RcloneError(f"{self.where}: rclone's listing is not JSON: {error}") from None
        return {entry["Path"]: entry for entry in entries if not entry.get("IsDir")}

    def list_folders(self, remote: str, timeout: float = 300) -> list[str]:
        result = self.run(["lsjson", "--dirs-only", remote], timeout=timeout)
        try:
            entries = json.loads(result.stdout or "[]")
        except ValueError as error:
            raise RcloneError(f"{self.where}: rclone's listing is not JSON: {error}") from None
        return sorted(entry["Path"] for entry in entries if entry.get("IsDir"))

    def copy(
        self, source: str, target: str, files: Sequence[str], *, always: bool = False,
        extra: Sequence[str] = (),
    ) -> subprocess.CompletedProcess[str]:
        """Copy ``files`` (relative to ``source``) to ``target``; incremental (size and
        modification time) unless ``always``. Returns rclone's result without raising:
        some files may have gone while others went."""
        list_file = self._list_file(files)
        arguments = ["copy", source, target, "--files-from", str(list_file), "--no-traverse",
                     *extra]
        if always:
            arguments.append("--ignore-times")
        try:
            return self.run(arguments, check=False)
        finally:
            list_file.unlink(missing_ok=True)

    def check_by_reading(self, source: str, target: str, files: Sequence[str]) -> dict[str, str]:
        """Read ``files`` back from ``target`` and compare them byte for byte with
        ``source``: path -> '=' (equal), '*' (differ), '+' (not in the target), '!' (error)."""
        list_file = self._list_file(files)
        try:
            result = self.run(
                ["check", source, target, "--download", "--one-way", "--files-from",
                 str(list_file), "--combined", "-"],
                check=False,
            )
        finally:
            list_file.unlink(missing_ok=True)
        outcome = {}
        for line in result.stdout.splitlines():
            if len(line) > 2 and line[1] == " ":
                outcome[line[2:]] = line[0]
        return outcome

    def put(self, local: Path, remote: str) -> None:
        """One small file to ``remote``: sent under a temporary name, then renamed, so a
        reader never finds it half written."""
        partial = f"{remote}.partial"
        self.run(["copyto", str(local), partial, "--ignore-times"], timeout=600)
        self.run(["moveto", partial, remote], timeout=600)

    def cat(self, remote: str, timeout: float = 600) -> bytes:
        command = self.command(["cat", remote])
        self.work.mkdir(parents=True, exist_ok=True)
        try:
            result = subprocess.run(
                command, capture_output=True, env=self.environment(), timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise RcloneError(f"{self.where}: no answer within {timeout:.0f} s") from None
        if result.returncode != 0:
            raise self.error(result.stderr.decode("utf-8", "replace"), f"reading {remote}")
        return result.stdout

    def delete_file(self, remote: str) -> None:
        self.run(["deletefile", remote], timeout=600)

    def make_folder(self, remote: str) -> None:
        self.run(["mkdir", remote], timeout=120)

    def _list_file(self, files: Iterable[str]) -> Path:
        self.work.mkdir(parents=True, exist_ok=True)
        descriptor, name = tempfile.mkstemp(dir=self.work, prefix="files-", suffix=".txt")
        with os.fdopen(descriptor, "w", encoding="utf-8") as stream:
            for path in files:
                stream.write(f"{path}\n")
        return Path(name)


__all__ = ["Rclone", "RcloneError", "mask", "rclone_program", "secrets_of", "why"]

"""The box's e-mail: notices (a new voicemail message) through the admin's mail server.

``Mailer`` is the engine's ``mailer`` thread: ``send`` only queues (a line
never waits for a mail server), and the thread sends each message through
``device.smtp`` (STARTTLS, implicit TLS or plain; the password from the data
folder's ``smtp-password``, mode 0600, never in the configuration), trying
again after ``RETRY_DELAYS_S`` when the server refuses or cannot be reached.
A message that could not be sent after the last try is logged and kept in
``problems`` (the health page's); nothing in the box waits on it.
"""

from __future__ import annotations

import collections
import contextlib
import logging
import os
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from firmware.config import Smtp
from firmware.datafolder import DataFolder
from firmware.link.contract import MailState
from firmware.store.files import write_atomically

if TYPE_CHECKING:  # email, smtplib and ssl are imported at the first mail: the engine's memory
    from email.message import EmailMessage

log = logging.getLogger(__name__)

RETRY_DELAYS_S = (5.0, 30.0, 120.0)  # after the first try fails
TIMEOUT_S = 20.0
MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024  # a longer message is sent without its audio
MAX_PASSWORD = 256
PROBLEMS_KEPT = 10


def read_password(folder: DataFolder) -> str:
    try:
        return folder.smtp_password.read_text(encoding="utf-8").strip()
    except (FileNotFoundError, NotADirectoryError):
        return ""


def set_password(folder: DataFolder, password: str) -> None:
    """Keep the mail server's password (mode 0600); an empty one removes it."""
    if len(password) > MAX_PASSWORD or any(ch in password for ch in "\r\n"):
        raise ValueError("the password must be one line of at most 256 characters")
    path = folder.smtp_password
    if not password:
        path.unlink(missing_ok=True)
        return
    write_atomically(path, password.encode("utf-8"))
    os.chmod(path, 0o600)


@dataclass(frozen=True)
class Attachment:
    name: str
    data: bytes
    maintype: str = "audio"
    subtype: str = "wav"


@dataclass(frozen=True)
class Mail:
    subject: str
    body: str
    attachments: tuple[Attachment, ...] = ()


@dataclass(frozen=True)
class MailProblem:
    at: float
    subject: str
    error: str


def build(smtp: Smtp, mail: Mail) -> EmailMessage:
    from email.message import EmailMessage  # noqa: PLC0415 - the engine's memory: at the first mail

    message = EmailMessage()
    message["From"] = smtp.sender
    message["To"] = ", ".join(smtp.recipients)
    message["Subject"] = mail.subject
    message.set_content(mail.body)
    for attachment in mail.attachments:
        message.add_attachment(attachment.data, maintype=attachment.maintype,
                               subtype=attachment.subtype, filename=attachment.name)
    return message


def deliver(smtp: Smtp, password: str, message: EmailMessage) -> None:
    import smtplib  # noqa: PLC0415 - the engine's memory: imported at the first mail
    import ssl  # noqa: PLC0415

    """Send one message through ``smtp`` now; raises on failure."""
    context = ssl.create_default_context()
    if smtp.tls == "tls":
        client: smtplib.SMTP = smtplib.SMTP_SSL(smtp.host, smtp.port, timeout=TIMEOUT_S,
                                                context=context)
    else:
        client = smtplib.SMTP(smtp.host, smtp.port, timeout=TIMEOUT_S)
    with client:
        client.ehlo()
        if smtp.tls == "starttls":
            client.starttls(context=context)
            client.ehlo()
        if smtp.user:
            client.login(smtp.user, password)
        client.send_message(message)


class Mailer(threading.Thread):
    """The ``mailer`` thread: queued messages sent, each tried a few times."""

    def __init__(
        self,
        folder: DataFolder,
        settings: Callable[[], Smtp],
        *,
        retry_delays_s: tuple[float, ...] = RETRY_DELAYS_S,
        send: Callable[[Smtp, str, EmailMessage], None] = deliver,
    ) -> None:
        super().__init__(name="mailer", daemon=True)
        self.folder = folder
        self.settings = settings
        self.retry_delays_s = retry_delays_s
        self._send = send
        self._queue: queue.Queue[Mail | None] = queue.Queue(maxsize=100)
        self._stopping = threading.Event()
        self.sent = 0
        self.problems: collections.deque[MailProblem] = collections.deque(maxlen=PROBLEMS_KEPT)

    def state(self) -> MailState:
        problems = list(self.problems)
        last = problems[-1] if problems else None
        return MailState(
            sent=self.sent,
            failed=len(problems),
            last_problem=f"{last.subject}: {last.error}" if last else None,
            last_problem_at=last.at if last else None,
        )

    def send(self, mail: Mail) -> bool:
        """Queue ``mail`` (from any thread, never blocking); False if it is dropped."""
        if not self.settings().configured:
            return False
        try:
            self._queue.put_nowait(mail)
        except queue.Full:
            log.error("e-mail %r dropped: %d messages wait already", mail.subject,
                      self._queue.qsize())
            return False
        return True

    def stop(self, timeout: float = 5.0) -> None:
        self._stopping.set()
        with contextlib.suppress(queue.Full):
            self._queue.put_nowait(None)
        if self.is_alive():
            self.join(timeout)

    def run(self) -> None:
        while not self._stopping.is_set():
            mail = self._queue.get()
            if mail is None:
                continue
            self._deliver(mail)

    def _deliver(self, mail: Mail) -> None:
        delays = (0.0, *self.retry_delays_s)
        error: BaseException | None = None
        for attempt, delay in enumerate(delays):
            if delay and self._stopping.wait(delay):
                break
            smtp = self.settings()
            if not smtp.configured:
                return
            try:
                self._send(smtp, read_password(self.folder), build(smtp, mail))
            except (OSError, ValueError) as failure:  # smtplib's errors are OSErrors
                error = failure
                log.warning("e-mail %r not sent (try %d of %d): %s", mail.subject,
                            attempt + 1, len(delays), failure)
                continue
            self.sent += 1
            log.info("e-mail %r sent to %s", mail.subject, ", ".join(smtp.recipients))
            return
        text = str(error) if error is not None else "the box stopped before it was sent"
        log.error("e-mail %r could not be sent: %s", mail.subject, text)
        self.problems.append(MailProblem(time.time(), mail.subject, text[:300]))


def attachment_of(path: Path, name: str) -> tuple[Attachment, ...]:
    """A WAV file as an attachment, if it is not too big to mail."""
    try:
        if path.stat().st_size > MAX_ATTACHMENT_BYTES:
            return ()
        return (Attachment(name, path.read_bytes()),)
    except OSError:
        return ()

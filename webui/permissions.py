"""Who may do and see what: levels, permission flags and the visibility rules.

Levels: ``super`` (sees and may do everything), ``leader`` (a group
leader) and ``operator``. Flags grant what a leader or operator may do:

=====================  =======================================================
``pop``                the caller's card pops up when their line rings
``customers_view``     the customer list and cards
``customers_add``      add customers
``customers_edit``     edit customers
``customers_delete``   delete customers
``customers_export``   export customers (Excel)
``contacts``           contact records: read and add
``recordings_listen``  play recordings
``recordings_download`` download recordings
``live_listen``        listen to a line's call as it happens
``voicemail``          voicemail messages of the lines one sees: listen, mark heard, delete
``record``             start and stop the recording of a call on a line in manual mode
                       (the live page and the caller's card); off unless granted
``survey``             hand the caller to the satisfaction survey at the end of a call
``dial``               click-to-dial: the box dials a number of a customer or a call one
                       sees on one's own line, and hands the call to one's phone; off
                       unless granted
``sms``                text messages (the Messages page) of the customers and numbers one
                       sees: send (to a number, a customer, customer groups), cancel, send
                       again; a leader with it approves or rejects held messages of what
                       they see
``all_lines``          calls and recordings of every line, not only one's own lines
``share``              customers and contact records everyone added, not only one's own
                       (an operator) or one's group's (a leader)
``audit``              the audit log, verifying recordings, bulk export with a manifest
``reports``            the reports: charts and tables of the calls of the lines one sees,
                       and their Excel export (admins have it)
``firewall``           manage the call firewall: see, add and remove numbers of its black
                       and red lists (its rules: admin only); a leader with it approves
                       their group's changes when approval is on
``dial_tasks``         dialling tasks: make them, give them numbers, start and pause them,
                       export their results (an operator sees the tasks assigned to them
                       without it)
``service``            after-sales service tickets of the customers one sees: open them (from
                       a call or the caller's card too), add steps, reassign, change their
                       state; a leader also works their group's queue (admins see every
                       ticket)
``campaigns``          marketing campaigns: their target lists, the dialling tasks and text
                       messages made for them, their results side by side (admins have it)
``quality``            quality inspection: make scoring templates and inspection tasks,
                       score the sampled calls of the tasks one inspects (their recordings
                       play for an inspector whatever the lines one sees), decide appeals,
                       see every operator's results (an operator sees their own results
                       and appeals them without it; a leader their group's)
``knowledge``          the knowledge base: add, change and delete entries and categories,
                       import and export them (everyone signed in reads it; admins have it)
``sales``              opportunities and orders of the customers one sees: the pipeline,
                       follow-ups, placing orders, the sales report; products read-only
``products``           edit products and their stock (goods received, corrections);
                       admins may too
``admin``              users, groups and the device settings
=====================  =======================================================

Visibility, checked on the server for every page and API call:

- customers and contact records: super sees all; a leader those added by
  anyone in their group (themselves included), or all with ``share``; an
  operator those they added, or all with ``share``;
- calls and recordings: super sees all lines; others the lines associated
  with them (a leader also their group members' lines), or all with
  ``all_lines``;
- opportunities and orders: those of the customers one sees (an order whose
  customer was deleted: those who see every customer);
- text messages: super and admins see all; others those of the customers they
  see, of the numbers of the calls they see, and those they (a leader: their
  group) sent.
"""

from __future__ import annotations

from dataclasses import dataclass

from firmware.store.accounts import Accounts, User
from firmware.store.scopes import (
    EVERY_LINE,
    EVERY_MESSAGE,
    EVERYTHING,
    LineScope,
    MessageScope,
    OwnerScope,
)

FLAGS = (
    "pop",
    "customers_view",
    "customers_add",
    "customers_edit",
    "customers_delete",
    "customers_export",
    "contacts",
    "recordings_listen",
    "recordings_download",
    "live_listen",
    "record",
    "survey",
    "dial",
    "voicemail",
    "sms",
    "all_lines",
    "share",
    "audit",
    "reports",
    "firewall",
    "dial_tasks",
    "service",
    "campaigns",
    "quality",
    "knowledge",
    "sales",
    "products",
    "admin",
)
# What a new operator is given unless the admin chooses otherwise.
OPERATOR_DEFAULTS = frozenset(
    {"pop", "customers_view", "customers_add", "customers_edit", "contacts", "recordings_listen",
     "survey"}
)


@dataclass(frozen=True)
class Principal:
    """A signed-in user with what their group gives them: the subject of every check."""

    user: User
    group_member_ids: frozenset[int] = frozenset()  # their group's users, themselves included
    group_lines: frozenset[int] = frozenset()  # lines of those users

    @property
    def is_super(self) -> bool:
        return self.user.level == "super"

    def can(self, flag: str) -> bool:
        if flag not in FLAGS:
            raise ValueError(f"unknown permission flag {flag!r}")
        return self.is_super or flag in self.user.permissions

    def owner_scope(self) -> OwnerScope:
        """Whose customers and contact records this user sees."""
        if self.is_super or self.can("share"):
            return EVERYTHING
        if self.user.level == "leader":
            return OwnerScope(added_by=self.group_member_ids | {self.user.id})
        return OwnerScope(added_by=frozenset({self.user.id}))

    def line_scope(self) -> LineScope:
        """Whose lines' calls and recordings this user sees."""
        if self.is_super or self.can("all_lines"):
            return EVERY_LINE
        if self.user.level == "leader":
            return LineScope(lines=self.user.lines | self.group_lines)
        return LineScope(lines=self.user.lines)

    def sees_line(self, line: int) -> bool:
        return self.line_scope().allows(line)

    def message_scope(self) -> MessageScope:
        """Whose text messages this user sees."""
        if self.is_super or self.can("admin"):
            return EVERY_MESSAGE
        senders = self.group_member_ids | {self.user.id} if self.user.level == "leader" \
            else frozenset({self.user.id})
        return MessageScope(owners=self.owner_scope(), lines=self.line_scope(),
                            senders=frozenset(senders))


def principal_of(user: User, accounts: Accounts) -> Principal:
    """The principal for ``user``, with their group's members and lines looked up."""
    if user.level != "leader" or user.group_id is None:
        return Principal(user, frozenset({user.id}))
    members = accounts.group_members(user.group_id)
    lines: frozenset[int] = frozenset().union(*(member.lines for member in members))
    return Principal(user, frozenset(member.id for member in members), lines)

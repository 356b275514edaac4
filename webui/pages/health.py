"""The health page: the box's health as ``linerec status`` reports it, for admins and auditors.

The report is ``firmware.health.report``'s, with the engine's status asked
for over the bus (a box whose engine does not answer says so). Problems are
shown first, in the reader's language.
"""

from __future__ import annotations

from firmware.health.report import gather
from firmware.link import contract
from firmware.store.signing import grouped
from firmware.store.storage_usage import size_text
from webui.context import Ctx
from webui.engine_link import EngineUnavailableError

STATUS_TIMEOUT_S = 3.0


def health_page(ctx: Ctx) -> str:
    if not (ctx.can("admin") or ctx.can("audit")):
        ctx.fail(403, "You do not have permission for this.")
    try:
        status = ctx.deps.engine.command(contract.StatusCommand(), timeout=STATUS_TIMEOUT_S)
    except EngineUnavailableError:
        status = None
    report = gather(ctx.deps.folder, status, utc_offset_s=ctx.t.utc_offset_s)
    return ctx.render("health.tpl", report=report, size=size_text, grouped=grouped,
                      page="health", key_state=ctx.deps.encryption_state())

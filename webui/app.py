"""The web app: ``make_app(deps)`` and the whole URL map in one table.

Every route is listed in ``ROUTES`` with who may use it (``webui.context``);
``make_app`` puts each behind the guard that checks it, so a route cannot
be added without saying who may use it. Static assets are served from the
box's own ``static/`` folder (it has no internet).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import bottle

from webui.context import PUBLIC_FORM, SIGNED_IN, Access, guard, need
from webui.deps import WebDeps
from webui.i18n import Translator
from webui.pages import (
    account,
    admin,
    archive,
    audit,
    backup_settings,
    calls,
    campaigns,
    custom_field_settings,
    customer_sheets,
    customers,
    dashboard,
    device_settings,
    dial,
    dial_task_sheets,
    dial_tasks,
    dictionary_settings,
    email_settings,
    encryption,
    firewall,
    firewall_sheets,
    health,
    ivr,
    knowledge,
    legal_hold,
    list_columns,
    listen,
    live,
    memos,
    message_compose,
    messages,
    orders,
    products,
    prompts,
    quality,
    quality_results,
    quality_samples,
    recordings,
    reports,
    sales,
    sales_report,
    service,
    sms_settings,
    sms_words,
    storage_settings,
    surveys,
    voicemail,
)

STATIC_DIR = Path(__file__).resolve().parent / "static"

# No script, style, media or connection from anywhere but the box itself.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "media-src 'self' blob:; connect-src 'self'; frame-ancestors 'none'; "
        "form-action 'self'; base-uri 'none'; object-src 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    handler: Callable[..., Any]
    access: Access


ROUTES: list[Route] = [
    # signing in
    Route("GET", "/setup", account.setup_page, PUBLIC_FORM),
    Route("POST", "/setup", account.setup_submit, PUBLIC_FORM),
    Route("GET", "/login", account.login_page, PUBLIC_FORM),
    Route("POST", "/login", account.login_submit, PUBLIC_FORM),
    Route("POST", "/logout", account.logout, SIGNED_IN),
    Route("GET", "/account", account.account_page, SIGNED_IN),
    Route("POST", "/account/language", account.account_language, SIGNED_IN),
    Route("POST", "/account/password", account.account_password, SIGNED_IN),
    Route("POST", "/account/pop", account.account_pop, need("pop")),
    Route("POST", "/account/birthday", memos.account_birthday, SIGNED_IN),
    # one's presence (the top bar), and the reminders every page asks for each minute
    Route("POST", "/presence", memos.presence_submit, SIGNED_IN),
    Route("POST", "/api/reminders", memos.reminders_json, SIGNED_IN),
    # memos: each user's own (a shared one is read by the author's group, changed by the
    # author alone: checked by the pages)
    Route("GET", "/memos", memos.memos_page, SIGNED_IN),
    Route("POST", "/memos", memos.memo_add, SIGNED_IN),
    Route("POST", "/memos/settings", memos.settings_submit, SIGNED_IN),
    Route("GET", "/memos/<memo_id:int>", memos.memo_page, SIGNED_IN),
    Route("POST", "/memos/<memo_id:int>", memos.memo_submit, SIGNED_IN),
    Route("POST", "/memos/<memo_id:int>/done", memos.memo_done, SIGNED_IN),
    Route("POST", "/memos/<memo_id:int>/delete", memos.memo_delete, SIGNED_IN),
    # the home page: today at a glance, and the same on a big screen
    Route("GET", "/", dashboard.dashboard_page, SIGNED_IN),
    Route("GET", "/wallboard", dashboard.wallboard_page, SIGNED_IN),
    Route("GET", "/api/dashboard", dashboard.dashboard_json, SIGNED_IN),
    # live lines and the screen pop
    Route("GET", "/live", live.live_page, SIGNED_IN),
    Route("GET", "/api/lines", live.lines_json, SIGNED_IN),
    Route("GET", "/events", live.events, SIGNED_IN),
    Route("GET", "/pop/<call_id:int>", live.pop_card, need("pop")),
    Route("POST", "/pop/<call_id:int>/note", live.pop_note, need("contacts")),
    Route("POST", "/pop/<call_id:int>/customer", live.quick_add, need("customers_add")),
    Route("POST", "/pop/<call_id:int>/block", live.pop_block, need("firewall")),
    # customers and their contact records (each read through the user's owner scope)
    Route("GET", "/customers", customers.customers_page, need("customers_view")),
    Route("GET", "/customers.xlsx", customer_sheets.export_customers, need("customers_export")),
    Route("GET", "/customers/new", customers.new_customer_page, need("customers_add")),
    Route("POST", "/customers/new", customers.new_customer_submit, need("customers_add")),
    # import: customers_add or admin, checked in the handler
    Route("GET", "/customers/import", customer_sheets.import_page, SIGNED_IN),
    Route("GET", "/customers/import/template.xlsx", customer_sheets.import_template_download,
          SIGNED_IN),
    Route("POST", "/customers/import", customer_sheets.import_submit, SIGNED_IN),
    # each user's own columns of the customer list
    Route("POST", "/customers/columns", list_columns.columns_submit, need("customers_view")),
    Route("GET", "/customers/<customer_id:int>", customers.customer_page, need("customers_view")),
    Route("GET", "/customers/<customer_id:int>/edit", customers.edit_customer_page,
          need("customers_edit")),
    Route("POST", "/customers/<customer_id:int>/edit", customers.edit_customer_submit,
          need("customers_edit")),
    Route("GET", "/customers/<customer_id:int>/delete", customers.delete_customer_page,
          need("customers_delete")),
    Route("POST", "/customers/<customer_id:int>/delete", customers.delete_customer_submit,
          need("customers_delete")),
    Route("POST", "/customers/<customer_id:int>/contacts", customers.contact_add, need("contacts")),
    Route("POST", "/customers/<customer_id:int>/contacts/<contact_id:int>/delete",
          customers.contact_delete, need("contacts")),
    # legal hold on a customer's recordings: audit or admin too, checked in the handler
    Route("POST", "/customers/<customer_id:int>/hold", legal_hold.customer_hold,
          need("customers_view")),
    # after-sales service tickets: the service flag or admin, checked by the pages; a ticket
    # of a customer, assignee or queue outside one's scope is not found
    Route("GET", "/service", service.service_page, SIGNED_IN),
    Route("GET", "/service.xlsx", service.export_tickets, SIGNED_IN),
    Route("GET", "/service/new", service.new_ticket_page, SIGNED_IN),
    Route("POST", "/service/new", service.new_ticket_submit, SIGNED_IN),
    Route("GET", "/service/<ticket_id:int>", service.ticket_page, SIGNED_IN),
    Route("POST", "/service/<ticket_id:int>/steps", service.step_add, SIGNED_IN),
    Route("POST", "/service/<ticket_id:int>/state", service.state_change, SIGNED_IN),
    Route("POST", "/service/<ticket_id:int>/assign", service.assign_submit, SIGNED_IN),
    # marketing campaigns: the campaigns flag or admin, checked by the pages; marking a
    # call of a campaign: whoever sees the call
    Route("GET", "/campaigns", campaigns.campaigns_page, SIGNED_IN),
    Route("GET", "/campaigns/compare", campaigns.compare_page, SIGNED_IN),
    Route("GET", "/campaigns/compare.xlsx", campaigns.compare_xlsx, SIGNED_IN),
    Route("GET", "/campaigns/new", campaigns.new_campaign_page, SIGNED_IN),
    Route("POST", "/campaigns/new", campaigns.new_campaign_submit, SIGNED_IN),
    Route("GET", "/campaigns/<campaign_id:int>", campaigns.campaign_page, SIGNED_IN),
    Route("GET", "/campaigns/<campaign_id:int>/edit", campaigns.edit_campaign_page, SIGNED_IN),
    Route("POST", "/campaigns/<campaign_id:int>/edit", campaigns.edit_campaign_submit,
          SIGNED_IN),
    Route("POST", "/campaigns/<campaign_id:int>/delete", campaigns.delete_campaign, SIGNED_IN),
    Route("POST", "/campaigns/<campaign_id:int>/targets", campaigns.targets_add, SIGNED_IN),
    Route("POST", "/campaigns/<campaign_id:int>/targets/<customer_id:int>/delete",
          campaigns.target_remove, SIGNED_IN),
    Route("POST", "/campaigns/<campaign_id:int>/task", campaigns.task_make,
          need("dial_tasks")),
    Route("POST", "/calls/<call_id:int>/campaign", campaigns.call_outcome, SIGNED_IN),
    # the knowledge base: everyone signed in reads and searches it; the knowledge flag or
    # admin changes, imports and exports it (checked in the handlers)
    Route("GET", "/knowledge", knowledge.knowledge_page, SIGNED_IN),
    Route("GET", "/knowledge.xlsx", knowledge.export_entries, SIGNED_IN),
    Route("GET", "/knowledge/new", knowledge.new_entry_page, SIGNED_IN),
    Route("POST", "/knowledge/new", knowledge.new_entry_submit, SIGNED_IN),
    Route("GET", "/knowledge/import", knowledge.import_page, SIGNED_IN),
    Route("GET", "/knowledge/import/template.xlsx", knowledge.import_template, SIGNED_IN),
    Route("POST", "/knowledge/import", knowledge.import_submit, SIGNED_IN),
    Route("GET", "/knowledge/categories", knowledge.categories_page, SIGNED_IN),
    Route("POST", "/knowledge/categories", knowledge.category_add, SIGNED_IN),
    Route("POST", "/knowledge/categories/<category_id:int>", knowledge.category_submit,
          SIGNED_IN),
    Route("POST", "/knowledge/categories/<category_id:int>/delete", knowledge.category_delete,
          SIGNED_IN),
    Route("GET", "/knowledge/<entry_id:int>", knowledge.entry_page, SIGNED_IN),
    Route("GET", "/knowledge/<entry_id:int>/edit", knowledge.edit_entry_page, SIGNED_IN),
    Route("POST", "/knowledge/<entry_id:int>/edit", knowledge.edit_entry_submit, SIGNED_IN),
    Route("POST", "/knowledge/<entry_id:int>/delete", knowledge.entry_delete, SIGNED_IN),
    # administration: users, groups, device settings
    Route("GET", "/admin", admin.overview, need("admin")),
    Route("GET", "/admin/users", admin.users_page, need("admin")),
    Route("GET", "/admin/users/new", admin.new_user_page, need("admin")),
    Route("POST", "/admin/users/new", admin.new_user_submit, need("admin")),
    Route("GET", "/admin/users/<user_id:int>", admin.user_page, need("admin")),
    Route("POST", "/admin/users/<user_id:int>", admin.user_submit, need("admin")),
    Route("POST", "/admin/users/<user_id:int>/password", admin.user_password, need("admin")),
    Route("POST", "/admin/users/<user_id:int>/birthday", memos.user_birthday, need("admin")),
    Route("GET", "/admin/users/<user_id:int>/delete", admin.delete_user_page, need("admin")),
    Route("POST", "/admin/users/<user_id:int>/delete", admin.delete_user_submit, need("admin")),
    Route("GET", "/admin/groups", admin.groups_page, need("admin")),
    Route("POST", "/admin/groups", admin.group_add, need("admin")),
    Route("POST", "/admin/groups/<group_id:int>", admin.group_rename, need("admin")),
    Route("POST", "/admin/groups/<group_id:int>/delete", admin.group_delete, need("admin")),
    Route("GET", "/admin/lines", device_settings.lines_page, need("admin")),
    Route("POST", "/admin/lines", device_settings.line_add, need("admin")),
    Route("GET", "/admin/lines/<number:int>", device_settings.line_page, need("admin")),
    Route("POST", "/admin/lines/<number:int>", device_settings.line_submit, need("admin")),
    Route("POST", "/admin/lines/<number:int>/delete", device_settings.line_delete, need("admin")),
    Route("GET", "/setup/box", device_settings.box_setup_page, need("admin")),
    Route("POST", "/setup/box", device_settings.box_setup_submit, need("admin")),
    Route("GET", "/admin/device", device_settings.device_page, need("admin")),
    Route("POST", "/admin/device", device_settings.device_submit, need("admin")),
    Route("GET", "/admin/storage", storage_settings.storage_page, need("admin")),
    Route("POST", "/admin/storage", storage_settings.storage_submit, need("admin")),
    Route("GET", "/admin/backup", backup_settings.backup_page, need("admin")),
    Route("POST", "/admin/backup", backup_settings.schedule_submit, need("admin")),
    Route("POST", "/admin/backup/targets", backup_settings.target_submit, need("admin")),
    Route("POST", "/admin/backup/targets/<name>/test", backup_settings.target_test,
          need("admin")),
    Route("POST", "/admin/backup/targets/<name>/run", backup_settings.target_run, need("admin")),
    Route("POST", "/admin/backup/targets/<name>/delete", backup_settings.target_delete,
          need("admin")),
    Route("GET", "/admin/email", email_settings.email_page, need("admin")),
    Route("POST", "/admin/email", email_settings.email_submit, need("admin")),
    # encryption at rest: the recordings key, set up, unlocked, locked
    Route("GET", "/admin/encryption", encryption.encryption_page, need("admin")),
    Route("POST", "/admin/encryption/setup", encryption.setup_submit, need("admin")),
    Route("POST", "/admin/encryption/unlock", encryption.unlock_submit, need("admin")),
    Route("POST", "/admin/encryption/lock", encryption.lock_submit, need("admin")),
    Route("POST", "/admin/encryption/key-file", encryption.key_file_submit, need("admin")),
    Route("POST", "/admin/encryption/passphrase", encryption.passphrase_submit, need("admin")),
    Route("POST", "/admin/encryption/settings", encryption.settings_submit, need("admin")),
    # the prompt library: what the box plays to a line
    Route("GET", "/admin/prompts", prompts.prompts_page, need("admin")),
    Route("POST", "/admin/prompts/upload", prompts.upload_submit,
          need("admin", max_body=prompts.MAX_BODY)),
    Route("POST", "/admin/prompts/speech", prompts.speech_submit, need("admin")),
    Route("GET", "/admin/prompts/<prompt_id:int>", prompts.prompt_page, need("admin")),
    Route("GET", "/admin/prompts/<prompt_id:int>/audio", prompts.prompt_audio, need("admin")),
    Route("POST", "/admin/prompts/<prompt_id:int>/name", prompts.rename_submit, need("admin")),
    Route("POST", "/admin/prompts/<prompt_id:int>/upload", prompts.replace_upload_submit,
          need("admin", max_body=prompts.MAX_BODY)),
    Route("POST", "/admin/prompts/<prompt_id:int>/speech", prompts.replace_speech_submit,
          need("admin")),
    Route("POST", "/admin/prompts/<prompt_id:int>/delete", prompts.delete_submit,
          need("admin")),
    # voice menus (IVR): the menus, their editor and dry run, which line answers with which
    Route("GET", "/admin/ivr", ivr.menus_page, need("admin")),
    Route("POST", "/admin/ivr/lines", ivr.lines_submit, need("admin")),
    Route("GET", "/admin/ivr/new", ivr.new_menu_page, need("admin")),
    Route("POST", "/admin/ivr/new", ivr.new_menu_submit, need("admin")),
    Route("POST", "/admin/ivr/new/dry-run", ivr.new_dry_run, need("admin")),
    Route("GET", "/admin/ivr/<menu_id:int>", ivr.menu_page, need("admin")),
    Route("POST", "/admin/ivr/<menu_id:int>", ivr.menu_submit, need("admin")),
    Route("POST", "/admin/ivr/<menu_id:int>/dry-run", ivr.dry_run, need("admin")),
    Route("POST", "/admin/ivr/<menu_id:int>/delete", ivr.delete_submit, need("admin")),
    # the call firewall: the lists with the firewall flag or admin, the rules and the
    # approval switch admin only, approvals by leaders and super users (checked by the page)
    Route("GET", "/firewall", firewall.firewall_page, SIGNED_IN),
    Route("GET", "/firewall.xlsx", firewall_sheets.export_firewall, SIGNED_IN),
    Route("GET", "/firewall/import", firewall_sheets.import_page, SIGNED_IN),
    Route("GET", "/firewall/import/template.xlsx", firewall_sheets.import_template_download,
          SIGNED_IN),
    Route("POST", "/firewall/import", firewall_sheets.import_submit, SIGNED_IN),
    Route("POST", "/firewall/numbers", firewall.number_add, SIGNED_IN),
    Route("GET", "/firewall/numbers/<entry_id:int>", firewall.entry_page, SIGNED_IN),
    Route("POST", "/firewall/numbers/<entry_id:int>", firewall.entry_submit, SIGNED_IN),
    Route("POST", "/firewall/numbers/<entry_id:int>/delete", firewall.entry_delete, SIGNED_IN),
    Route("POST", "/firewall/pending/<pending_id:int>", firewall.pending_decide, SIGNED_IN),
    Route("POST", "/firewall/settings", firewall.settings_submit, need("admin")),
    Route("GET", "/firewall/rules/new", firewall.new_rule_page, need("admin")),
    Route("POST", "/firewall/rules", firewall.rule_add, need("admin")),
    Route("GET", "/firewall/rules/<rule_id:int>", firewall.rule_page, need("admin")),
    Route("POST", "/firewall/rules/<rule_id:int>", firewall.rule_submit, need("admin")),
    Route("POST", "/firewall/rules/<rule_id:int>/delete", firewall.rule_delete, need("admin")),
    Route("POST", "/firewall/rules/<rule_id:int>/move", firewall.rule_move, need("admin")),
    # dialling tasks: dial_tasks makes and manages every task; an operator sees the tasks
    # they are assigned to (checked by the pages)
    Route("GET", "/tasks", dial_tasks.tasks_page, SIGNED_IN),
    Route("GET", "/tasks/new", dial_tasks.new_task_page, need("dial_tasks")),
    Route("POST", "/tasks/new", dial_tasks.new_task_submit, need("dial_tasks")),
    Route("GET", "/tasks/<task_id:int>", dial_tasks.task_page, SIGNED_IN),
    Route("GET", "/tasks/<task_id:int>/edit", dial_tasks.edit_task_page, need("dial_tasks")),
    Route("POST", "/tasks/<task_id:int>/edit", dial_tasks.edit_task_submit, need("dial_tasks")),
    Route("POST", "/tasks/<task_id:int>/start", dial_tasks.task_start, need("dial_tasks")),
    Route("POST", "/tasks/<task_id:int>/pause", dial_tasks.task_pause, need("dial_tasks")),
    Route("POST", "/tasks/<task_id:int>/customers", dial_tasks.task_customers,
          need("dial_tasks")),
    Route("GET", "/tasks/<task_id:int>/import", dial_task_sheets.import_page, need("dial_tasks")),
    Route("POST", "/tasks/<task_id:int>/import", dial_task_sheets.import_submit,
          need("dial_tasks")),
    Route("GET", "/tasks/<task_id:int>/results.xlsx", dial_task_sheets.export_task,
          need("dial_tasks")),
    # sales: opportunities and orders of the customers one sees (checked by the pages),
    # products read with sales, edited with products or admin (checked by the pages)
    Route("GET", "/sales", sales.pipeline_page, need("sales")),
    Route("GET", "/sales/new", sales.new_opportunity_page, need("sales")),
    Route("POST", "/sales/new", sales.new_opportunity_submit, need("sales")),
    Route("GET", "/sales/report", sales_report.report_page, need("sales")),
    Route("GET", "/sales/report.xlsx", sales_report.report_xlsx, need("sales")),
    Route("GET", "/sales/<opportunity_id:int>", sales.opportunity_page, need("sales")),
    Route("POST", "/sales/<opportunity_id:int>", sales.opportunity_submit, need("sales")),
    Route("POST", "/sales/<opportunity_id:int>/stage", sales.stage_submit, need("sales")),
    Route("POST", "/sales/<opportunity_id:int>/followups", sales.follow_up_submit,
          need("sales")),
    Route("GET", "/orders", orders.orders_page, need("sales")),
    Route("GET", "/orders/new", orders.new_order_page, need("sales")),
    Route("POST", "/orders/new", orders.new_order_submit, need("sales")),
    Route("GET", "/orders/<order_id:int>", orders.order_page, need("sales")),
    Route("POST", "/orders/<order_id:int>/state", orders.order_state_submit, need("sales")),
    Route("GET", "/products", products.products_page, SIGNED_IN),
    Route("GET", "/products/new", products.new_product_page, SIGNED_IN),
    Route("POST", "/products/new", products.new_product_submit, SIGNED_IN),
    Route("POST", "/products/settings", products.settings_submit, need("admin")),
    Route("GET", "/products/<product_id:int>", products.product_page, SIGNED_IN),
    Route("POST", "/products/<product_id:int>", products.product_submit, SIGNED_IN),
    Route("POST", "/products/<product_id:int>/stock", products.stock_submit, SIGNED_IN),
    # the call log
    Route("GET", "/calls", calls.calls_page, SIGNED_IN),
    Route("GET", "/surveys", surveys.surveys_page, SIGNED_IN),
    Route("GET", "/calls.csv", calls.calls_csv, SIGNED_IN),
    Route("POST", "/calls/columns", list_columns.call_columns_submit, SIGNED_IN),
    # reports: reports or admin, checked in the handler; the lines one sees
    Route("GET", "/reports", reports.reports_page, SIGNED_IN),
    Route("GET", "/reports.xlsx", reports.reports_xlsx, SIGNED_IN),
    # one call: whoever may see it (its line: checked by the page) reads it and its note
    Route("GET", "/calls/<call_id:int>", calls.call_page, SIGNED_IN),
    Route("POST", "/calls/<call_id:int>/notes", calls.call_notes, SIGNED_IN),
    Route("POST", "/calls/<call_id:int>/block", calls.call_block, need("firewall")),
    # recordings: the page's own checks add the line scope to each flag
    Route("GET", "/recordings", recordings.recordings_page, SIGNED_IN),
    Route("POST", "/recordings/export", recordings.recordings_export, need("audit")),
    Route("GET", "/recordings/<recording_id:int>", recordings.recording_page, SIGNED_IN),
    Route("GET", "/recordings/<recording_id:int>/audio", recordings.recording_audio,
          need("recordings_listen")),
    Route("GET", "/recordings/<recording_id:int>/download", recordings.recording_download,
          need("recordings_download")),
    Route("GET", "/recordings/<recording_id:int>/download/<fmt>", recordings.recording_convert,
          need("recordings_download")),
    Route("GET", "/recordings/<recording_id:int>/verify", recordings.recording_verify,
          need("audit")),
    # legal hold on a recording or its call: audit or admin, checked in the handler
    Route("POST", "/recordings/<recording_id:int>/hold", legal_hold.recording_hold, SIGNED_IN),
    Route("POST", "/recordings/<recording_id:int>/notes", recordings.recording_notes,
          need("recordings_listen")),
    # quality inspection: templates and tasks with the quality flag; a sampled call's
    # page, audio, appeal and decision by whoever may see it (its task's inspectors, the
    # operator whose call it is, their leader, admins: checked by the pages)
    Route("GET", "/quality", quality.quality_page, SIGNED_IN),
    Route("GET", "/quality/templates", quality.templates_page, need("quality")),
    Route("GET", "/quality/templates/new", quality.new_template_page, need("quality")),
    Route("POST", "/quality/templates/new", quality.new_template_submit, need("quality")),
    Route("GET", "/quality/templates/<template_id:int>", quality.template_page,
          need("quality")),
    Route("POST", "/quality/templates/<template_id:int>", quality.template_submit,
          need("quality")),
    Route("POST", "/quality/templates/<template_id:int>/retire", quality.template_retire,
          need("quality")),
    Route("GET", "/quality/tasks/new", quality.new_task_page, need("quality")),
    Route("POST", "/quality/tasks/new", quality.new_task_submit, need("quality")),
    Route("GET", "/quality/tasks/<task_id:int>", quality.task_page, need("quality")),
    Route("GET", "/quality/samples/<sample_id:int>", quality_samples.sample_page, SIGNED_IN),
    Route("POST", "/quality/samples/<sample_id:int>", quality_samples.score_submit,
          need("quality")),
    Route("GET", "/quality/samples/<sample_id:int>/audio", quality_samples.sample_audio,
          SIGNED_IN),
    Route("POST", "/quality/samples/<sample_id:int>/appeal", quality_samples.appeal_submit,
          SIGNED_IN),
    Route("POST", "/quality/samples/<sample_id:int>/decide", quality_samples.decide_submit,
          SIGNED_IN),
    Route("GET", "/quality/results", quality_results.results_page, SIGNED_IN),
    Route("GET", "/quality/results.xlsx", quality_results.results_xlsx, SIGNED_IN),
    Route("GET", "/quality/mine", quality_results.mine_page, SIGNED_IN),
    # voicemail: the messages of the lines one sees (checked by the page)
    Route("GET", "/voicemail", voicemail.voicemail_page, need("voicemail")),
    Route("GET", "/api/voicemail/new", voicemail.voicemail_new, need("voicemail")),
    Route("GET", "/voicemail/<message_id:int>/audio", voicemail.voicemail_audio,
          need("voicemail")),
    Route("POST", "/voicemail/<message_id:int>/heard", voicemail.voicemail_heard,
          need("voicemail")),
    Route("GET", "/voicemail/<message_id:int>/delete", voicemail.voicemail_delete_page,
          need("voicemail")),
    Route("POST", "/voicemail/<message_id:int>/delete", voicemail.voicemail_delete,
          need("voicemail")),
    # text messages: those of the customers and numbers one sees (checked by the page);
    # approving held ones: leaders and admins (checked by the page)
    Route("GET", "/messages", messages.messages_page, need("sms")),
    Route("GET", "/messages/status", messages.status_fragment, need("sms")),
    Route("GET", "/messages/new", message_compose.compose_page, need("sms")),
    Route("POST", "/messages/new", message_compose.compose_submit, need("sms")),
    Route("POST", "/messages/<message_id:int>/cancel", messages.cancel_submit, need("sms")),
    Route("POST", "/messages/<message_id:int>/resend", messages.resend_submit, need("sms")),
    Route("POST", "/messages/<message_id:int>/release", messages.release_submit, need("sms")),
    Route("POST", "/messages/<message_id:int>/reject", messages.reject_submit, need("sms")),
    Route("POST", "/messages/received/<message_id:int>/read", messages.read_submit,
          need("sms")),
    # Settings → Messages: the modem, the word filter, greetings, templates, holidays, words
    Route("GET", "/admin/messages", sms_settings.settings_page, need("admin")),
    Route("POST", "/admin/messages", sms_settings.settings_submit, need("admin")),
    Route("GET", "/admin/messages/templates/new", sms_settings.new_template_page,
          need("admin")),
    Route("POST", "/admin/messages/templates/new", sms_settings.new_template_submit,
          need("admin")),
    Route("GET", "/admin/messages/templates/<template_id:int>", sms_settings.template_page,
          need("admin")),
    Route("POST", "/admin/messages/templates/<template_id:int>", sms_settings.template_submit,
          need("admin")),
    Route("POST", "/admin/messages/templates/<template_id:int>/delete",
          sms_settings.template_delete, need("admin")),
    Route("POST", "/admin/messages/holidays", sms_settings.holiday_add, need("admin")),
    Route("POST", "/admin/messages/holidays/<holiday_id:int>", sms_settings.holiday_save,
          need("admin")),
    Route("POST", "/admin/messages/holidays/<holiday_id:int>/delete",
          sms_settings.holiday_delete, need("admin")),
    Route("GET", "/admin/messages/words", sms_words.words_page, need("admin")),
    Route("POST", "/admin/messages/words", sms_words.words_submit, need("admin")),
    Route("POST", "/admin/messages/words/import", sms_words.words_import,
          need("admin", max_body=sms_words.MAX_BODY)),
    Route("GET", "/admin/messages/words.txt", sms_words.words_text, need("admin")),
    Route("GET", "/admin/messages/words.xlsx", sms_words.words_xlsx, need("admin")),
    # Settings → Custom fields and Parameter lists (the data dictionary)
    Route("GET", "/admin/fields", custom_field_settings.fields_page, need("admin")),
    Route("POST", "/admin/fields", custom_field_settings.field_add, need("admin")),
    Route("GET", "/admin/fields/<field_id:int>", custom_field_settings.field_page,
          need("admin")),
    Route("POST", "/admin/fields/<field_id:int>", custom_field_settings.field_submit,
          need("admin")),
    Route("POST", "/admin/fields/<field_id:int>/move", custom_field_settings.field_move,
          need("admin")),
    Route("GET", "/admin/fields/<field_id:int>/delete", custom_field_settings.delete_page,
          need("admin")),
    Route("POST", "/admin/fields/<field_id:int>/delete", custom_field_settings.delete_submit,
          need("admin")),
    Route("GET", "/admin/dictionary", dictionary_settings.dictionary_page, need("admin")),
    Route("POST", "/admin/dictionary/<list_name>", dictionary_settings.entry_add,
          need("admin")),
    Route("POST", "/admin/dictionary/entries/<entry_id:int>", dictionary_settings.entry_rename,
          need("admin")),
    Route("POST", "/admin/dictionary/entries/<entry_id:int>/move",
          dictionary_settings.entry_move, need("admin")),
    Route("POST", "/admin/dictionary/entries/<entry_id:int>/retire",
          dictionary_settings.entry_retire, need("admin")),
    # the box's health (audit or admin: checked by the page)
    Route("GET", "/health", health.health_page, SIGNED_IN),
    # the audit log (audit or admin: checked by the page)
    Route("GET", "/audit", audit.audit_page, SIGNED_IN),
    Route("GET", "/audit.csv", audit.audit_csv, SIGNED_IN),
    Route("GET", "/audit.xlsx", audit.audit_xlsx, SIGNED_IN),
    # the backups of every box in a backup target, read-only
    Route("GET", "/archive", archive.archive_page, need("audit")),
    # live listen (a line one may see: checked by the page)
    Route("GET", "/lines/<line:int>/listen", listen.line_listen, need("live_listen")),
    # recording by hand (a line one may see, in manual mode: checked by the page and the engine)
    Route("POST", "/lines/<line:int>/record", live.line_record, need("record")),
    Route("POST", "/lines/<line:int>/survey", live.line_survey, need("survey")),
    # click-to-dial: a number of a customer or a call one sees, on one's own line
    Route("POST", "/dial", dial.dial_number, need("dial")),
]


def _static(path: str):
    """A file of the box's own assets; ``static_file`` refuses paths outside the folder."""
    response = bottle.static_file(path, root=str(STATIC_DIR))
    if isinstance(response, bottle.HTTPResponse) and response.status_code == 200:
        response.set_header("Cache-Control", "max-age=3600")
    return response


def _favicon():
    """Browsers and tools that ask for /favicon.ico get the box's icon, not a 404."""
    response = bottle.static_file("icon.svg", root=str(STATIC_DIR), mimetype="image/svg+xml")
    if isinstance(response, bottle.HTTPResponse) and response.status_code == 200:
        response.set_header("Cache-Control", "max-age=86400")
    return response


def _error_page(error: bottle.HTTPError) -> str:
    """Errors raised outside the guard (no route, wrong method): plain, in English and Chinese."""
    messages = {404: "Not found.", 405: "Not allowed.", 500: "Something went wrong."}
    english = messages.get(error.status_code, "Error.")
    chinese = Translator("zh-CN")(english)
    return (
        f"<!doctype html><meta charset=utf-8><title>{error.status_code}</title>"
        f"<link rel=stylesheet href=/static/app.css><link rel=icon href=/static/icon.svg>"
        f"<main class=error-page>"
        f"<h1>{error.status_code}</h1><p>{chinese}</p><p>{english}</p>"
        f"<p><a href=/>linerec</a></p></main>"
    )


def make_app(deps: WebDeps) -> bottle.Bottle:
    app = bottle.Bottle()
    for route in ROUTES:
        app.route(route.path, route.method, guard(deps, route.access, route.handler))
    app.route("/static/<path:path>", "GET", _static)
    app.route("/favicon.ico", "GET", _favicon)
    for status in (400, 404, 405, 500):
        app.error(status)(_error_page)

    @app.hook("after_request")
    def _security_headers() -> None:
        for name, value in SECURITY_HEADERS.items():
            bottle.response.set_header(name, value)
        if "Cache-Control" not in bottle.response.headers:
            # Pages hold what a user may see: no cache of the browser or on the way keeps them.
            bottle.response.set_header("Cache-Control", "no-store")
        if deps.secure_cookies:
            bottle.response.set_header("Strict-Transport-Security", "max-age=31536000")

    app.config["linerec.deps"] = deps
    return app


__all__ = ["ROUTES", "Route", "make_app"]

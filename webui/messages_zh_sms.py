"""The Chinese of the text-message pages (Messages, the compose page, Settings →
Messages and its word list), keyed by their English text; ``webui.messages_zh`` adds
them to ``ZH``."""

SMS: dict[str, str] = {
    # ---- the audit log ----------------------------------------------------------------
    "Text messages queued": "短信已加入发送队列",
    "Text message cancelled": "短信已取消",
    "Text message sent again": "短信已重新发送",
    "Held text message approved": "待审核短信已批准",
    "Held text message rejected": "待审核短信已驳回",
    "Received text message read": "收到的短信已读",
    "Message template added": "短信模板已添加",
    "Message template changed": "短信模板已修改",
    "Message template deleted": "短信模板已删除",
    "Holiday added": "节日已添加",
    "Holiday deleted": "节日已删除",
    "Sensitive words changed": "敏感词已修改",
    "Sensitive words exported": "敏感词已导出",
}

"""The Chinese of custom fields, the parameter lists (data dictionary) and the customer
list's columns, keyed by their English text; ``webui.messages_zh`` adds them to ``ZH``."""

FIELDS: dict[str, str] = {
    # ---- the audit log ----------------------------------------------------------------
    "Custom field added": "自定义字段已添加",
    "Custom field changed": "自定义字段已修改",
    "Custom field deleted": "自定义字段已删除",
    "Custom fields' values changed": "自定义字段的值已修改",
    "Parameter list changed": "参数列表已修改",
    "List columns chosen": "列表的列已选择",
    "Kind of record": "记录类型",
    "Required": "必填",
    "Shown in list": "在列表中显示",
    "Values": "值",
    "Value": "值",
    "Parameter list": "参数列表",
    "Records changed": "已更改的记录",
    "Retired": "已停用",
    "Columns": "列",
    "reset to the default": "恢复为默认",
    # ---- kinds of record, types, lists ------------------------------------------------
    "Knowledge base": "知识库",
    "Numeric": "数值",
    "Date": "日期",
    "Link": "链接",
    "Memo (long text)": "备忘（长文本）",
    "Money": "金额",
    "Yes/no": "是/否",
    "Type": "类型",
    "Contact types": "联系类型",
    "Customer levels": "客户级别",
    "Customer groups": "客户分组",
    "Phone types": "电话类型",
    "Payment methods": "付款方式",
    "Order states": "订单状态",
    # ---- Settings ---------------------------------------------------------------------
    "Custom fields": "自定义字段",
    "Parameter lists": "参数列表",
    "Fields of your own on customers, contact records and knowledge-base entries.":
        "客户、联系记录和知识库条目上的自定义字段。",
    "Contact types, customer levels and groups, phone types, payment methods, order states: what the forms offer.":  # noqa: E501
        "联系类型、客户级别和分组、电话类型、付款方式、订单状态：表单中可选的内容。",
    "Fields of your own on customers, contact records and knowledge-base entries. They show on the forms and cards, in the Excel export and import of customers, and those shown in the list can be columns of the customer list.":  # noqa: E501
        "客户、联系记录和知识库条目上的自定义字段。它们显示在表单和卡片上、客户的 Excel 导出和导入中；"  # noqa: E501
        "设为在列表中显示的字段可作为客户列表的列。",
    "The field was added.": "字段已添加。",
    "The field was deleted.": "字段已删除。",
    "No fields yet.": "还没有字段。",
    "Yes": "是",
    "No": "否",
    "Move up": "上移",
    "Move down": "下移",
    "Add a field": "添加字段",
    "Add field": "添加字段",
    "The type cannot change later: the values kept were checked for it. Dates are YYYY-MM-DD; links start with http:// or https://; money is kept to the cent.":  # noqa: E501
        "类型之后不能更改：已保存的值是按它检查的。日期写作 YYYY-MM-DD；链接以 http:// 或 https:// 开头；"  # noqa: E501
        "金额精确到分。",
    "{n} record has a value": "{n} 条记录有值",
    "{n} records have a value": "{n} 条记录有值",
    "A required field is asked for when a record is saved; records saved before keep their empty value until then.":  # noqa: E501
        "保存记录时必须填写必填字段；之前保存的记录在再次保存前保留空值。",
    "The field goes, with the value {n} record has in it.": "字段将被删除，连同 {n} 条记录中的值。",
    "The field goes, with the values {n} records have in it.": "字段将被删除，连同 {n} 条记录中的值。",  # noqa: E501
    "This cannot be undone: export the customers to Excel first to keep the values.":
        "此操作无法撤销：如需保留这些值，请先把客户导出到 Excel。",
    "Yes, delete this field and its values": "是的，删除此字段及其值",
    "Choose the kind of record.": "请选择记录类型。",
    "Choose the field's type.": "请选择字段类型。",
    "Move a field up or down.": "请上移或下移字段。",
    "A field needs a name.": "字段需要名称。",
    "A field's name has at most {n} characters.": "字段名称最多 {n} 个字符。",
    "There is a field named {name} already.": "已有名为 {name} 的字段。",
    "At most {n} fields per kind of record.": "每种记录最多 {n} 个字段。",
    "There is no field {id}.": "没有字段 {id}。",
    "There is no field {name}.": "没有字段 {name}。",
    "The entry was added.": "条目已添加。",
    "The entry is no longer offered; records keep it.": "该条目不再提供选择；已有记录保留它。",
    "The entry is offered again.": "该条目重新提供选择。",
    "What the forms offer instead of free text. The value is what records keep and English readers see; the Chinese is what Chinese readers see. Renaming a value renames it in the records that keep it; a retired entry is no longer offered, and records keep it.":  # noqa: E501
        "表单中用来代替自由文本的选项。值是记录中保存的内容，英文界面显示它；中文是中文界面显示的名称。"
        "重命名值时，保存该值的记录随之改名；停用的条目不再提供选择，已有记录保留它。",
    "Contact types are the fixed kinds of contact records: change their Chinese, their order, or retire them.":  # noqa: E501
        "联系类型是联系记录的固定种类：可以修改中文名称、顺序或停用。",
    "Offer again": "重新启用",
    "Retire": "停用",
    "No entries yet.": "还没有条目。",
    "Move an entry up or down.": "请上移或下移条目。",
    "{value} is in the list already.": "{value} 已在列表中。",
    "Write the entry's value.": "请填写条目的值。",
    "{what}: at most {n} characters.": "{what}：最多 {n} 个字符。",
    "At most {n} entries per list.": "每个列表最多 {n} 个条目。",
    "There is no entry {id}.": "没有条目 {id}。",
    "The contact types are fixed: rename, reorder or retire them.": "联系类型是固定的：只能重命名、调整顺序或停用。",  # noqa: E501
    "A contact type's value is fixed: change its Chinese only.": "联系类型的值是固定的：只能修改其中文名称。",  # noqa: E501
    "Keep at least one contact type.": "请至少保留一种联系类型。",
    # ---- values refused (the field's name first) --------------------------------------
    "{field}: a value is required.": "{field}：必须填写。",
    "{field}: one line only.": "{field}：只能写一行。",
    "{field}: at most {n} characters.": "{field}：最多 {n} 个字符。",
    "{field}: {value} is not a number.": "{field}：{value} 不是数字。",
    "{field}: {value} is not a date: write YYYY-MM-DD, e.g. 2024-05-06.":
        "{field}：{value} 不是日期：请写作 YYYY-MM-DD，例如 2024-05-06。",
    "{field}: {value} is not a web address (http:// or https://).":
        "{field}：{value} 不是网址（http:// 或 https://）。",
    "{field}: {value} is not yes or no.": "{field}：{value} 不是“是”或“否”。",
    "{field}: {value} is not an amount of money (e.g. 1234.50).":
        "{field}：{value} 不是金额（例如 1234.50）。",
    "{field}: {value} is too large an amount.": "{field}：{value} 金额过大。",
    # ---- the customer pages -----------------------------------------------------------
    "not in the list": "不在列表中",
    "Phone type": "电话类型",
    "Choose from the list.": "请从列表中选择。",
    "{value} is not a phone type of the list.": "{value} 不是列表中的电话类型。",
    "{value} is not in the list of {list}.": "{value} 不在{list}列表中。",
    "Your columns were saved.": "您的列设置已保存。",
    "Tick the columns to show and number their order; only you see this choice.":
        "勾选要显示的列并填写顺序编号；此设置只对您有效。",
    "Column": "列",
    "Order": "顺序",
    "Save columns": "保存列设置",
    "Reset to the default": "恢复默认",
    "There is no column {name}.": "没有列 {name}。",
    "{value} is not a position: write a whole number.": "{value} 不是位置：请写整数。",
    "Sheet: {sheet}": "工作表：{sheet}",
    "Group and Level: a value of the parameter lists (Settings → Parameter lists), in English or Chinese.":  # noqa: E501
        "分组和级别：参数列表中的值（设置 → 参数列表），英文或中文均可。",
    "Custom fields: dates YYYY-MM-DD, links http:// or https://, money like 1234.50, yes/no as yes or no (是 or 否).":  # noqa: E501
        "自定义字段：日期写作 YYYY-MM-DD，链接以 http:// 或 https:// 开头，金额如 1234.50，是/否写作 yes 或 no（是或否）。",  # noqa: E501
    "The order states are fixed: change their Chinese or order.": "订单状态是固定的：只能修改中文名称或顺序。",  # noqa: E501
    "An order state's value is fixed: change its Chinese only.": "订单状态的值是固定的：只能修改中文名称。",  # noqa: E501
    "Every order state is used by the orders: none is retired.": "每个订单状态都在订单中使用：不能停用。",  # noqa: E501
}

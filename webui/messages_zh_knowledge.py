"""The Chinese of the knowledge base's pages (the Knowledge base page, its entries,
categories and import, the answers on the caller's card), keyed by their English text;
``webui.messages_zh`` adds them to ``ZH``."""

KNOWLEDGE: dict[str, str] = {
    # ---- the menu, the page ---------------------------------------------------------------
    "Knowledge base": "知识库",
    "Add entry": "添加条目",
    "Categories": "分类",
    "The entry was deleted.": "条目已删除。",
    "A question, or words: 退款, WiFi 密码, refund": "问题或关键词：退款、WiFi 密码、refund",
    "All entries": "全部条目",
    "{n} entries found": "找到 {n} 个条目",
    "{n} entries": "{n} 个条目",
    # ---- an entry and its form ------------------------------------------------------------
    "The entry was added.": "条目已添加。",
    "Delete this entry?": "删除此条目？",
    "Changed by {name}, {when}": "{name} 修改于 {when}",
    "New entry": "新条目",
    "Title": "标题",
    "Category": "分类",
    "Keywords": "关键词",
    "Words the entry is found by, separated by commas.": "用于搜索到此条目的词，以逗号分隔。",
    "Answer": "解答",
    "An entry needs a title.": "条目需要标题。",
    "Choose a category from the list.": "请从列表中选择分类。",
    # ---- categories -----------------------------------------------------------------------
    "Knowledge base categories": "知识库分类",
    "The category was added.": "分类已添加。",
    "The category was deleted.": "分类已删除。",
    "None (at the top)": "无（顶层）",
    "Add a category": "添加分类",
    "Parent category": "上级分类",
    "Order": "顺序",
    "Delete this category?": "删除此分类？",
    "Entries: {entries} · categories below it: {children}":
        "条目：{entries} · 下级分类：{children}",
    "There is a category of that name there already.": "此处已有同名分类。",
    "Categories go at most {n} levels deep.": "分类最多 {n} 层。",
    "Parent category: choose a category from the list.": "上级分类：请从列表中选择分类。",
    "Order: {value} is not a whole number.": "顺序：{value} 不是整数。",
    "Name: a category needs a name.": "名称：分类需要名称。",
    "Name: at most {n} characters.": "名称：最多 {n} 个字符。",
    "A category cannot go below itself.": "分类不能放在其自身之下。",
    "The category is not empty: move or delete what is in it first.":
        "分类不为空：请先移走或删除其中的内容。",
    "A category's name has no /.": "分类名称中不能有 /。",
    # ---- import and export ----------------------------------------------------------------
    "Import to the knowledge base": "导入到知识库",
    "See the knowledge base": "查看知识库",
    "Download the template and fill in one entry per row: title, category path, keywords and answer. Or export the knowledge base and change the file.":  # noqa: E501
        "下载模板，每行填写一个条目：标题、分类路径、关键词和解答。也可以导出知识库后修改该文件。",
    "Every row is checked first: a row with a problem stops the import with its sheet and row, and nothing is imported. Categories not there yet are made.":  # noqa: E501
        "先检查每一行：有问题的行会使导入停止并指出其工作表和行号，且不导入任何内容。尚不存在的分类会自动创建。",
    "{n} entries were imported.": "已导入 {n} 个条目。",
    "One entry per row, below the header row. Only Title is required.":
        "标题行之下每行一个条目。只有标题是必填的。",
    "Category: the path from the top, names separated by /, e.g. Network / Router; categories not there yet are made.":  # noqa: E501
        "分类：从顶层起的路径，名称之间以 / 分隔，例如 网络 / 路由器；尚不存在的分类会自动创建。",
    "The columns after Answer are the entries' own fields: {names}.":
        "“解答”之后的列是知识条目的自定义字段：{names}。",
    "Keywords: words the entry is found by, separated by commas.":
        "关键词：用于搜索到此条目的词，以逗号分隔。",
    "No sheet has a header row with a Title column; start from the template.":
        "没有工作表的标题行中有“标题”列；请从模板开始。",
    "Categories go at most {n} levels deep, each name at most {most} characters.":
        "分类最多 {n} 层，每个名称最多 {most} 个字符。",
    "The file has no entries below its header row.": "文件的标题行之下没有条目。",
    # ---- the caller's card, the user form, the audit log ----------------------------------
    "Answers ({n})": "解答（{n}）",
    "The knowledge base: add, change and delete entries and categories, import and export them":
        "知识库：添加、修改和删除条目与分类，导入和导出",
    "Knowledge base: entry added": "知识库：条目已添加",
    "Knowledge base: entry changed": "知识库：条目已修改",
    "Knowledge base: entry deleted": "知识库：条目已删除",
    "Knowledge base: category added": "知识库：分类已添加",
    "Knowledge base: category changed": "知识库：分类已修改",
    "Knowledge base: category deleted": "知识库：分类已删除",
    "Knowledge base: entries imported": "知识库：条目已导入",
    "Knowledge base: entries exported": "知识库：条目已导出",
    "Entries": "条目",
}

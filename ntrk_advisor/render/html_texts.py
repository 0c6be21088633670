"""The HTML report and the batch pages: its interface texts, the `html.` entries of the translation table.

Loaded by `ntrk_advisor.i18n.t` the first time one of them is asked for; the completeness test
covers them with every other interface text.
"""

from __future__ import annotations

from ntrk_advisor.i18n import Lang

TEXTS: dict[str, dict[Lang, str]] = {
    # HTML report
    "html.report": {"en": "MDT report", "zh": "MDT讨论报告"},
    "html.generated": {"en": "Generated {when}", "zh": "生成时间：{when}"},
    "html.draft": {
        "en": "Draft for MDT discussion: not a decision until the MDT has decided and signed it off below.",
        "zh": "供MDT讨论的草稿：经MDT作出决定并在下方签署之前，不构成治疗决定。",
    },
    "html.mdt_record": {"en": "MDT record (completed at the meeting)", "zh": "MDT记录（会上填写）"},
    "html.mdt_date": {"en": "Meeting date", "zh": "会议日期"},
    "html.mdt_attendees": {"en": "Attendees (name, specialty)", "zh": "参会人员（姓名、专业）"},
    "html.mdt_decision": {"en": "MDT decision", "zh": "MDT决定"},
    "html.mdt_signoff": {"en": "Signed off by (name, role, date)", "zh": "签署人（姓名、职务、日期）"},
    "html.summary": {"en": "Case summary", "zh": "病例摘要"},
    "html.list_sep": {"en": "; ", "zh": "；"},
    "html.plan": {"en": "The plan, step by step", "zh": "分步方案"},
    "html.avoid_detail": {"en": "What to avoid, and why", "zh": "应避免的措施及理由"},
    "html.path": {"en": "Decision path", "zh": "决策路径"},
    "html.path_caption": {
        "en": "The path this case took through the pathway, in bold, from the top; each question shows "
        "the answer given after the arrow. In grey beside each step: the branches not taken.",
        "zh": "粗体为本病例在路径中所走的分支，自上而下；每个问题箭头后为所给的回答。"
        "各步右侧灰色为未走的分支。",
    },
    "html.path_steps": {"en": "The path, step by step", "zh": "路径各步"},
    "html.path_title": {"en": "Decision path: {count} questions", "zh": "决策路径：共 {count} 个问题"},
    "html.tree_years": {"en": "{value} y", "zh": "{value} 岁"},
    "html.tree_age_band": {"en": "Age band", "zh": "年龄段"},
    "html.tree_otherwise": {"en": "otherwise", "zh": "其他"},
    "html.tree_at_least": {"en": "{count} or more", "zh": "{count} 项及以上"},
    "html.tree_below": {"en": "below {value}", "zh": "低于 {value}"},
    "html.tree_handoff": {"en": "{pathway} pathway", "zh": "{pathway}路径"},
    "html.outcome": {"en": "Outcome", "zh": "决策结果"},
    "html.not_answered": {"en": "Not yet answered", "zh": "尚未回答"},
    "html.not_evaluated": {
        "en": "Not evaluated: the case did not pass validation.",
        "zh": "未评估：病例未通过校验。",
    },
    "html.col_number": {"en": "No.", "zh": "序号"},
    "html.col_node": {"en": "Node", "zh": "节点"},
    "html.col_field": {"en": "Field", "zh": "字段"},
    "html.col_answer": {"en": "Answer", "zh": "回答"},
    "html.index_title": {"en": "Batch report", "zh": "批量报告"},
    "html.index_count": {
        "en": "{count} cases: {complete} complete, {incomplete} incomplete, {invalid} invalid.",
        "zh": "共 {count} 例：完整 {complete} 例，不完整 {incomplete} 例，无效 {invalid} 例。",
    },
    "html.written": {
        "en": "Wrote {count} reports and their index to {path}",
        "zh": "已将 {count} 份报告及其索引写入 {path}",
    },
}

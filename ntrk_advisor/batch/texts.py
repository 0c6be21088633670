"""Batch: its interface texts, the `batch.` entries of the translation table.

Loaded by `ntrk_advisor.i18n.t` the first time one of them is asked for; the completeness test
covers them with every other interface text.
"""

from __future__ import annotations

from ntrk_advisor.i18n import Lang

TEXTS: dict[str, dict[Lang, str]] = {
    "batch.summary": {
        "en": "{total:,} cases in {seconds:.2f} s ({rate:,.0f} cases/s)",
        "zh": "共 {total:,} 例，用时 {seconds:.2f} 秒（每秒 {rate:,.0f} 例）",
    },
    "batch.by_status": {"en": "by status", "zh": "按状态"},
    "batch.table_cut": {
        "en": "The table shows the first {shown:,} cases; {left_out:,} more were evaluated and counted "
        "but not drawn. Use --format csv or jsonl for every row.",
        "zh": "表格仅显示前 {shown:,} 例；另有 {left_out:,} 例已评估并计入统计，但未列出。"
        "如需全部结果，请使用 --format csv 或 jsonl。",
    },
    "batch.by_pathway": {"en": "by pathway", "zh": "按路径"},
    "batch.by_action": {"en": "by action", "zh": "按措施"},
    "batch.progress": {"en": "cases evaluated", "zh": "例已评估"},
    "batch.rate": {"en": "cases/s", "zh": "例/秒"},
    "batch.col.case_id": {"en": "case_id", "zh": "病例编号"},
    "batch.col.status": {"en": "status", "zh": "状态"},
    "batch.col.pathway": {"en": "pathway", "zh": "路径"},
    "batch.col.age_group": {"en": "age_group", "zh": "年龄组"},
    "batch.col.actions": {"en": "actions", "zh": "措施"},
    "batch.col.missing": {"en": "missing", "zh": "缺少的回答"},
    "batch.col.unused_answers": {"en": "unused_answers", "zh": "未使用的回答"},
    "batch.col.errors": {"en": "errors", "zh": "问题"},
    "batch.cell_label": {"en": "{label}: {value}", "zh": "{label}：{value}"},
}

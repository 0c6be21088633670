"""Interface texts in English and Simplified Chinese.

Clinical texts live in the pathway files; these are the words around them (headings, labels,
validation messages). A test fails the build when a key lacks either language.
"""

from __future__ import annotations

import importlib
import os
import re
import warnings
from typing import Literal

Lang = Literal["en", "zh"]
LANGS: tuple[Lang, ...] = ("en", "zh")
LANG_ENV = "NTRK_ADVISOR_LANG"


class LanguageWarning(UserWarning):
    """`NTRK_ADVISOR_LANG` names a language the tool does not have (the run goes on in English)."""


def lang_of(name: str) -> Lang | None:
    """The language a language or locale name means, or None.

    Only the primary subtag counts, in any case: `zh`, `zh_CN.UTF-8`, `zh-Hans` and `ZH` are
    Chinese; `en` and `en_GB` English.
    """
    primary = re.split(r"[-_.@]", name.strip(), maxsplit=1)[0].lower()
    return "zh" if primary == "zh" else "en" if primary == "en" else None


def default_lang() -> Lang:
    """The language from `NTRK_ADVISOR_LANG`, else English.

    A value that is no language of the tool (`fr`) is a `LanguageWarning` and means English; the
    CLI shows it as one line on stderr, once per run (`cli/edge.run`).
    """
    value = os.environ.get(LANG_ENV, "").strip()
    if not value:
        return "en"
    lang = lang_of(value)
    if lang is None:
        shown = value if value.isprintable() else ascii(value)
        text = t("lang_unknown", "en", variable=LANG_ENV, value=shown, langs=", ".join(LANGS), used="en")
        warnings.warn(LanguageWarning(text), stacklevel=1)  # one place, so once per run
        return "en"
    return lang


UI: dict[str, dict[Lang, str]] = {
    "title": {"en": "NTRK advisor", "zh": "NTRK 决策助手"},
    "case": {"en": "Case", "zh": "病例"},
    "status": {"en": "Status", "zh": "状态"},
    "pathway": {"en": "Pathway", "zh": "路径"},
    "age_group": {"en": "Age group", "zh": "年龄组"},
    "age_band": {"en": "Age band", "zh": "年龄段"},
    "tumor_type": {"en": "Tumour", "zh": "肿瘤"},
    "recommendation": {"en": "Recommendation", "zh": "建议"},
    "urgent_first": {"en": "Urgent: act on these first", "zh": "紧急：请优先处理"},
    "bottom_line": {"en": "Bottom line", "zh": "结论要点"},
    "group.do": {"en": "Do", "zh": "应做"},
    "group.consider": {"en": "Consider", "zh": "可考虑"},
    "group.avoid": {"en": "Avoid", "zh": "避免"},
    "details": {"en": "Details: why, and on what evidence", "zh": "详细说明：理由与证据"},
    "full_references": {
        "en": "Full references: ntrk-advisor evidence ID",
        "zh": "完整参考文献：ntrk-advisor evidence 编号",
    },
    "trace.question": {"en": "Question", "zh": "问题"},
    "trace.answer": {"en": "Answer", "zh": "回答"},
    "trace.node": {"en": "Node", "zh": "节点"},
    "step": {"en": "Step", "zh": "步骤"},
    "rationale": {"en": "Why", "zh": "依据"},
    "arguments": {"en": "Article arguments", "zh": "文章论点"},
    "evidence": {"en": "Evidence", "zh": "证据"},
    "cautions": {"en": "Cautions", "zh": "注意事项"},
    "references": {"en": "References", "zh": "参考文献"},
    "missing": {"en": "Missing answers", "zh": "缺少的回答"},
    "errors": {"en": "Problems in the case", "zh": "病例中的问题"},
    "trace": {"en": "Questions and answers used", "zh": "所用的问题与回答"},
    "knowledge": {"en": "Knowledge base", "zh": "知识库"},
    "version": {"en": "version", "zh": "版本"},
    "reviewed": {"en": "reviewed", "zh": "审核日期"},
    "edited": {"en": "edited", "zh": "最后编辑"},
    # Clinician sign-off, as every result shows it (docs/governance.md)
    "stamp.coverage": {
        "en": "{approved} of {statements} statements approved by a clinician reviewer",
        "zh": "{statements}条知识条目中有{approved}条经临床审核人批准",
    },
    "stamp.approved": {"en": "Approved by {reviewers}", "zh": "已由{reviewers}审核批准"},
    "stamp.reviewer": {"en": "{name} ({role}), {date}", "zh": "{name}（{role}），{date}"},
    "stamp.unreviewed": {
        "en": "⚠ Not yet reviewed by a clinician: check it against its evidence before relying on it.",
        "zh": "⚠ 尚未经临床医生审核：采用前请对照其证据核实。",
    },
    "stamp.stale": {
        "en": "⚠ Changed since a clinician approved it: the text as it is now has not been reviewed.",
        "zh": "⚠ 临床医生批准后内容已被修改：现行内容未经审核，原审核已失效。",
    },
    "stamp.changes_requested": {
        "en": "⚠ A clinician reviewer asked for changes to this statement.",
        "zh": "⚠ 临床审核人要求修改此条目。",
    },
    "stamp.rejected": {
        "en": "⚠ A clinician reviewer rejected this statement.",
        "zh": "⚠ 临床审核人已驳回此条目。",
    },
    "stamp.short.unreviewed": {"en": "⚠ not reviewed", "zh": "⚠ 未审核"},
    "stamp.short.stale": {"en": "⚠ review void (changed)", "zh": "⚠ 审核已失效（已修改）"},
    "stamp.short.changes_requested": {"en": "⚠ changes requested", "zh": "⚠ 要求修改"},
    "stamp.short.rejected": {"en": "⚠ rejected by a reviewer", "zh": "⚠ 已被审核人驳回"},
    "source": {"en": "Source article", "zh": "来源文章"},
    "intended_use": {
        "en": (
            "For clinicians. Supports, and never replaces, the multidisciplinary team (MDT). "
            "Not for patients or for self-treatment."
        ),
        "zh": "供临床医生使用。本工具辅助而不取代多学科诊疗（MDT）团队的决策，不供患者使用或自行治疗。",
    },
    "incomplete_note": {
        "en": "No recommendation yet: the path needs the answers listed below. Nothing was guessed.",
        "zh": "尚无建议：该路径需要以下回答。本工具不会猜测缺失的信息。",
    },
    "invalid_note": {
        "en": "The case did not pass validation; correct the fields below.",
        "zh": "病例未通过校验，请更正以下字段。",
    },
    "none": {"en": "none", "zh": "无"},
    "yes": {"en": "yes", "zh": "是"},
    "no": {"en": "no", "zh": "否"},
    "review_title": {"en": "Review your answers", "zh": "核对您的回答"},
    "review_prompt": {
        "en": "Change an answer, or show the recommendation?",
        "zh": "修改某个回答，还是显示建议？",
    },
    "review_done": {"en": "Show the recommendation", "zh": "显示建议"},
    "interrupted": {
        "en": "Consult interrupted; answers so far saved to {path} (resume with --case {path}).",
        "zh": "会诊已中断；已有回答保存在 {path}（用 --case {path} 继续）。",
    },
    "saved": {"en": "Case saved to {path}", "zh": "病例已保存至 {path}"},
    "help_label": {"en": "Help", "zh": "说明"},
    "select_hint": {
        "en": "(a number picks · or ↑↓ then Enter)",
        "zh": "（按数字直接选择 · 或用 ↑↓ 再按回车）",
    },
    "consult_select_hint": {
        "en": "(a number picks · or ↑↓ then Enter · Esc or ← goes back)",
        "zh": "（按数字直接选择 · 或用 ↑↓ 再按回车 · Esc 或 ← 返回上一题）",
    },
    "checklist_hint": {
        "en": '("{none}" is first · a number or Space ticks · ↑↓ move · Enter confirms · Esc goes back)',
        "zh": "（“{none}”在第一项 · 按数字或空格键勾选 · ↑↓ 移动 · 回车键确认 · Esc 返回上一题）",
    },
    "checklist_ticked": {
        "en": "Ticked: {item}. Press Enter again to record it, or Space to untick it.",
        "zh": "已勾选：{item}。再按回车键记录，或按空格键取消勾选。",
    },
    "consult_intro": {
        "en": (
            "NTRK advisor: decision support for clinicians before an MDT meeting. "
            "It supports, and never replaces, the MDT; not for patients."
        ),
        "zh": (
            "NTRK 决策助手：供临床医生在多学科诊疗（MDT）讨论前参考，辅助而不取代 MDT 的决策，不供患者使用。"
        ),
    },
    "consult_keys": {
        "en": (
            "Keys: a number picks · ↑↓ move · Space ticks · Enter confirms · Esc or ← goes back one "
            "question. Only the questions this case needs are asked; you can change any answer at "
            "the end. Ctrl-C stops and keeps your answers."
        ),
        "zh": (
            "按键：数字键直接选择 · ↑↓ 移动 · 空格键勾选 · 回车键确认 · Esc 或 ← 返回上一题。"
            "只询问本病例所需的问题；"
            "最后可以修改任何回答。按 Ctrl-C 可中止并保留已有回答。"
        ),
    },
    "flag_invalid": {"en": "{flag} '{value}' is not valid", "zh": "{flag} 的取值 '{value}' 无效"},
    "flag_did_you_mean": {"en": "; did you mean '{suggestion}'?", "zh": "；您是否想输入 '{suggestion}'？"},
    "flag_allowed": {"en": " (allowed: {allowed})", "zh": "（可选值：{allowed}）"},
    "flag_asked_again": {"en": "The question is asked below.", "zh": "下面将重新询问该问题。"},
    "path_so_far": {"en": "Path: ", "zh": "路径："},
    "case_id_prompt": {
        "en": "Case ID for the MDT note (optional; Enter skips)",
        "zh": "用于 MDT 记录的病例编号（选填；按回车键跳过）",
    },
    "case_id_help": {
        "en": (
            "Your own reference for this case, shown with the result. Never a name, record "
            "number or other patient identifier."
        ),
        "zh": "您为本病例设定的编号，随结果显示。请勿填写姓名、病历号或其他可识别患者身份的信息。",
    },
    "number_invalid": {
        "en": "Enter a number from {minimum} to below {below} (decimals allowed, e.g. 0.5).",
        "zh": "请输入 {minimum} 至 {below} 以下的数值（可填小数，如 0.5）。",
    },
    "status.complete": {"en": "complete", "zh": "完整"},
    "status.incomplete": {"en": "incomplete", "zh": "不完整"},
    "status.invalid": {"en": "invalid", "zh": "无效"},
    "age.adult": {"en": "adult", "zh": "成人"},
    "age.pediatric": {"en": "pediatric", "zh": "儿童"},
    "field.age_years": {"en": "Age", "zh": "年龄"},
    "field.tumor_type": {"en": "Tumour type", "zh": "肿瘤类型"},
    "field.fusion_status": {"en": "NTRK fusion status", "zh": "NTRK融合状态"},
    "field.setting": {"en": "Disease setting", "zh": "疾病阶段"},
    "field.treatment_phase": {"en": "Treatment phase", "zh": "治疗阶段"},
    "field.response": {"en": "Response", "zh": "疗效"},
    "field.max_response_reached": {"en": "Maximal response reached", "zh": "已达最大缓解"},
    "field.resectable_now": {"en": "Resectable now", "zh": "目前可切除"},
    "field.resection_margin": {"en": "Resection margin", "zh": "切缘"},
    "field.high_risk_features": {"en": "Recurrence-risk features", "zh": "复发高危因素"},
    "field.progression": {"en": "Pattern of progression", "zh": "进展模式"},
    "field.emergency": {"en": "Emergencies", "zh": "急症"},
    "field.cns_metastases": {"en": "Brain metastases (version 1)", "zh": "脑转移（第1版字段）"},
    "field.resistance_mechanism": {"en": "Resistance mechanism", "zh": "耐药机制"},
    "field.prior_trk_inhibitors": {"en": "Prior TRK inhibitors", "zh": "既往TRK抑制剂"},
    "field.tumor_category": {"en": "Tumour category", "zh": "肿瘤类别"},
    "field.rai_status": {"en": "Radioiodine status", "zh": "放射性碘摄取状态"},
    "field.other_driver": {"en": "Another driver alteration", "zh": "其他驱动改变"},
    "field.assay": {"en": "Assay", "zh": "检测方法"},
    "field.cns_disease": {"en": "Brain disease", "zh": "颅内病变"},
    "field.residual_disease": {"en": "Residual disease", "zh": "残留病灶"},
    "field.toxicity": {"en": "Toxicity", "zh": "不良反应"},
    "field.complete_response_months": {"en": "Months in complete response", "zh": "完全缓解持续月数"},
    "field.fit_for_surgery": {"en": "Fit for surgery", "zh": "可耐受手术"},
    "plan.merged_part": {"en": "{topic}: {summary}", "zh": "{topic}：{summary}"},
    "pathway.diagnostic": {"en": "diagnostic", "zh": "诊断（融合确认）"},
    "pathway.early": {"en": "early", "zh": "早期"},
    "pathway.locally_advanced": {"en": "locally advanced", "zh": "局部晚期"},
    "pathway.metastatic": {"en": "metastatic", "zh": "转移性"},
    "pathway.resistant": {"en": "resistant", "zh": "耐药"},
    "strength.urgent": {"en": "URGENT", "zh": "紧急"},
    "strength.preferred": {"en": "PREFERRED", "zh": "首选"},
    "strength.recommended": {"en": "RECOMMENDED", "zh": "推荐"},
    "strength.consider": {"en": "CONSIDER", "zh": "可考虑"},
    "strength.individualized": {"en": "INDIVIDUALIZED", "zh": "个体化决定"},
    "strength.not_recommended": {"en": "NOT RECOMMENDED", "zh": "不推荐"},
    "action.test_for_fusion": {"en": "Test for an NTRK fusion", "zh": "检测NTRK融合"},
    "action.confirm_fusion": {"en": "Confirm the fusion molecularly", "zh": "分子检测确认融合"},
    "action.trk_inhibitor_not_indicated": {
        "en": "TRK inhibitor not indicated",
        "zh": "不适用TRK抑制剂",
    },
    "action.surgery": {"en": "Surgery", "zh": "手术"},
    "action.neoadjuvant_trk": {"en": "Neoadjuvant TRK inhibitor", "zh": "新辅助TRK抑制剂"},
    "action.surgery_at_max_response": {
        "en": "Surgery at maximal response",
        "zh": "最大缓解时手术",
    },
    "action.continue_trk": {"en": "Continue the TRK inhibitor", "zh": "继续TRK抑制剂"},
    "action.systemic_trk": {"en": "Systemic TRK inhibitor", "zh": "全身TRK抑制剂治疗"},
    "action.adjuvant_trk": {"en": "Adjuvant TRK inhibitor", "zh": "辅助TRK抑制剂"},
    "action.observation": {"en": "Observation", "zh": "观察随访"},
    "action.local_ablative_therapy": {
        "en": "Local ablative therapy",
        "zh": "少数病灶局部治疗",
    },
    "action.urgent_local_therapy": {"en": "Urgent local therapy", "zh": "紧急局部治疗"},
    "action.resistance_testing": {"en": "Resistance testing", "zh": "耐药机制检测"},
    "action.next_gen_trk": {"en": "Next-generation TRK inhibitor", "zh": "新一代TRK抑制剂"},
    "action.clinical_trial": {"en": "Clinical trial", "zh": "临床试验"},
    "action.chemotherapy": {"en": "Chemotherapy", "zh": "化疗"},
    "action.mdt_review": {"en": "MDT review", "zh": "多学科诊疗（MDT）团队讨论"},
    "action.radiotherapy": {"en": "Radiotherapy", "zh": "放疗"},
    "action.manage_toxicity": {"en": "Manage toxicity", "zh": "处理药物毒性"},
    "action.planned_discontinuation": {"en": "Planned discontinuation", "zh": "计划性停药"},
    "action.standard_therapy": {"en": "Standard therapy for the tumour type", "zh": "该瘤种的标准治疗"},
    "level.label": {"en": "regulatory label", "zh": "药品说明书（监管批准）"},
    "level.guideline": {"en": "guideline", "zh": "指南"},
    "level.randomized": {"en": "randomized trial", "zh": "随机对照试验"},
    "level.prospective": {"en": "prospective trials", "zh": "前瞻性试验"},
    "level.retrospective": {"en": "retrospective studies", "zh": "回顾性研究"},
    "level.case_reports": {"en": "case reports", "zh": "个案报道"},
    "level.preclinical": {"en": "preclinical data", "zh": "临床前数据"},
    "level.expert_opinion": {
        "en": "the article's reasoning (expert opinion)",
        "zh": "源文章的论证（专家意见）",
    },
    "evidence_level": {"en": "evidence: {level}", "zh": "证据：{level}"},
    "not_verified": {"en": "identifier not verified", "zh": "标识符未经核实"},
    "unused_answers": {
        "en": "Not used on this path: {fields}. These answers do not change the advice here.",
        "zh": "本路径未使用的回答：{fields}。这些回答不影响此处的建议。",
    },
    # Validation messages; {field} and pydantic context keys are filled in.
    "err.unknown_field": {"en": "unknown field", "zh": "未知字段"},
    "err.more_bad_items": {
        "en": "and {count} more items that are not allowed values",
        "zh": "另有 {count} 项不是允许的取值",
    },
    "err.duplicate_key": {
        "en": "given more than once in the same JSON object; give it once",
        "zh": "在同一个 JSON 对象中出现了不止一次，只能给出一次",
    },
    "err.after_array": {
        "en": "more content follows the array at line {line} (byte {offset}) and was not read; "
        "give one array per file, or one case per line",
        "zh": "数组之后在第 {line} 行（第 {offset} 字节）还有内容，未被读取；"
        "每个文件只能有一个数组，或每行一个病例",
    },
    "err.did_you_mean": {"en": "did you mean '{suggestion}'?", "zh": "您是否想输入 '{suggestion}'?"},
    "err.enum": {"en": "must be one of: {expected}", "zh": "取值必须是：{expected}"},
    "err.number": {"en": "must be a number", "zh": "必须是数字"},
    "err.boolean": {"en": "must be true or false", "zh": "必须是 true 或 false"},
    "err.string": {"en": "must be a string", "zh": "必须是字符串"},
    "err.unicode": {"en": "must be valid Unicode text", "zh": "必须是有效的 Unicode 文本"},
    "err.list": {"en": "must be a list", "zh": "必须是列表"},
    "err.too_long": {
        "en": "is too long (at most {max_length} characters)",
        "zh": "过长（最多 {max_length} 个字符）",
    },
    "err.ge": {"en": "must be at least {ge}", "zh": "不得小于 {ge}"},
    "err.lt": {"en": "must be below {lt}", "zh": "必须小于 {lt}"},
    "err.finite": {"en": "must be a finite number", "zh": "必须是有限数值"},
    "err.object": {"en": "a case must be a JSON object", "zh": "病例必须是一个 JSON 对象"},
    "err.json": {"en": "not valid JSON: {detail}", "zh": "不是有效的 JSON:{detail}"},
    "err.too_large": {
        "en": "record is larger than {limit} bytes",
        "zh": "记录超过 {limit} 字节",
    },
    "err.too_deep": {"en": "JSON nesting is too deep", "zh": "JSON 嵌套层级过深"},
    "err.other": {"en": "invalid value ({detail})", "zh": "取值无效（{detail})"},
    "err.contradiction": {
        "en": "contradicts {other}: {reason}",
        "zh": "与 {other} 相互矛盾：{reason}",
    },
    "rule.resistant_needs_prior": {
        "en": "resistance means progression on a TRK inhibitor, so a prior TRK inhibitor must be named",
        "zh": "耐药是指在TRK抑制剂治疗中进展，因此至少应列出一种既往使用的TRK抑制剂",
    },
    "rule.resistant_not_naive": {
        "en": "resistance needs a TRK inhibitor given before; 'naive' means none was",
        "zh": "耐药须以既往使用过TRK抑制剂为前提，而“未治疗”表示从未使用",
    },
    "rule.naive_has_no_prior": {
        "en": "'naive' means no TRK inhibitor yet, but prior TRK inhibitors are listed",
        "zh": "“未治疗”表示尚未使用TRK抑制剂，但却列出了既往TRK抑制剂",
    },
    "rule.on_inhibitor_needs_prior": {
        "en": "a patient on a TRK inhibitor must have it among the prior TRK inhibitors",
        "zh": "正在使用TRK抑制剂的患者，其所用药物应列入既往TRK抑制剂",
    },
    "rule.naive_has_no_response": {
        "en": "a response to a TRK inhibitor cannot be assessed before one is given",
        "zh": "尚未使用TRK抑制剂，无从评估对其的疗效",
    },
    "rule.naive_has_no_progression": {
        "en": "progression on a TRK inhibitor cannot occur before one is given",
        "zh": "尚未使用TRK抑制剂，不可能出现用药期间的进展",
    },
    "rule.naive_has_no_toxicity": {
        "en": "dose-limiting toxicity of a TRK inhibitor cannot occur before one is given",
        "zh": "尚未使用TRK抑制剂，不可能出现其剂量限制性毒性",
    },
    "rule.naive_has_no_margin": {
        "en": "'naive' means no resection yet, so there is no resection margin",
        "zh": "“未治疗”表示尚未手术，因此不存在切缘状态",
    },
    "rule.naive_has_no_residual": {
        "en": "'naive' means no resection yet, so there is no residual disease after resection",
        "zh": "“未治疗”表示尚未手术，因此不存在术后残留病灶",
    },
    "rule.mechanism_needs_prior": {
        "en": "a resistance mechanism implies a TRK inhibitor given before",
        "zh": "存在耐药机制意味着既往使用过TRK抑制剂",
    },
    "rule.progression_is_not_none": {
        "en": "a response of 'progression' contradicts no progression",
        "zh": "疗效为“进展”，与“无进展”相互矛盾",
    },
    "rule.plateau_is_not_growth": {
        "en": "a response that has plateaued is not a tumour that is growing",
        "zh": "缓解已达平台期与肿瘤正在增大相互矛盾",
    },
    "rule.months_need_complete_response": {
        "en": "the duration of a complete response is given, but the response is not complete",
        "zh": "给出了完全缓解的持续时间，但疗效并非完全缓解",
    },
    "rule.cns_metastases_false": {
        "en": "version 1's cns_metastases 'false' means no brain or leptomeningeal disease",
        "zh": "第1版字段 cns_metastases 为 false 表示无脑转移或软脑膜转移",
    },
    "rule.cns_metastases_true": {
        "en": "version 1's cns_metastases 'true' means there is brain or leptomeningeal disease",
        "zh": "第1版字段 cns_metastases 为 true 表示存在脑转移或软脑膜转移",
    },
    "rule.rai_needs_thyroid": {
        "en": "radioiodine status applies to thyroid carcinoma only",
        "zh": "放射性碘摄取状态仅适用于甲状腺癌",
    },
    "rule.assay_needs_a_test": {
        "en": "an assay is named, but the tumour is said not to have been tested",
        "zh": "列出了检测方法，却又称肿瘤未做过检测",
    },
    "rule.infant_tumour_in_adult": {
        "en": "infantile fibrosarcoma and congenital mesoblastic nephroma are tumours of infancy",
        "zh": "婴儿型纤维肉瘤和先天性中胚层肾瘤是婴幼儿肿瘤，不见于成人",
    },
    # UX polish
    "lang_unknown": {
        "en": "{variable}={value} is not a language of this tool ({langs}); using {used}",
        "zh": "{variable}={value} 不是本工具支持的语言（{langs}）；将使用 {used}",
    },
    "interrupted_nothing_saved": {
        "en": "Consult interrupted; nothing was answered, so nothing was saved.",
        "zh": "会诊已中断；尚未回答任何问题，因此未保存任何内容。",
    },
    "label_sep": {"en": ": ", "zh": "："},
    "err.sources": {
        "en": "must map case fields to lists of resource references",
        "zh": "必须是从病例字段到资源引用列表的映射",
    },
    # Usage errors: one line on stderr, worded by the CLI edge in the user's language
    "usage.case_file": {
        "en": "cannot read case file {path}: {reason}",
        "zh": "无法读取病例文件 {path}：{reason}",
    },
    "usage.no_terminal": {
        "en": (
            "no terminal to ask for {missing}: give the answers with --case FILE or flags, add "
            "--no-input to get an 'incomplete' result, or use `ntrk-advisor batch`"
        ),
        "zh": (
            "没有可以提问的终端，无法询问 {missing}：请用 --case FILE 或选项给出回答，"
            "加 --no-input 得到“不完整”的结果，或使用 `ntrk-advisor batch`"
        ),
    },
    "usage.pdf_needs_output": {
        "en": "--format pdf writes a binary file: name it with -o FILE",
        "zh": "--format pdf 生成二进制文件：请用 -o FILE 指定文件名",
    },
    "usage.over_input": {
        "en": "refusing to write over an input file: {path}",
        "zh": "拒绝覆盖输入文件：{path}",
    },
    "usage.database_side_file": {
        "en": (
            "refusing to write {path}: SQLite keeps the changes of the database {database} there "
            "(its -wal, -shm or -journal file), and replacing it would lose them; choose another output"
        ),
        "zh": (
            "拒绝写入 {path}：SQLite 在此保存数据库 {database} 的改动（其 -wal、-shm 或 -journal 文件），"
            "替换它会丢失这些改动；请另选输出位置"
        ),
    },
    "usage.no_feedback_log": {
        "en": "no feedback log at {path}: the service creates it when it starts; check the path",
        "zh": "{path} 处没有反馈日志：服务启动时才会创建它；请检查路径",
    },
    "usage.over_saved_case": {
        "en": "refusing to write the result over the saved case: {path}",
        "zh": "拒绝用结果覆盖已保存的病例：{path}",
    },
    "usage.unknown_format": {"en": "unknown output format: {format}", "zh": "未知的输出格式：{format}"},
    "usage.pdf_no_browser": {
        "en": (
            "--format pdf needs Chromium on PATH (e.g. apt-get install chromium); "
            "or write --format html and print it from a browser"
        ),
        "zh": (
            "--format pdf 需要 PATH 中有 Chromium（例如 apt-get install chromium）；"
            "或改用 --format html 并在浏览器中打印"
        ),
    },
    "usage.pdf_failed": {
        "en": "cannot print the PDF with {browser}: {reason}",
        "zh": "无法用 {browser} 打印 PDF：{reason}",
    },
    "usage.pdf_exit": {
        "en": "cannot print the PDF with {browser}: it exited with {code}",
        "zh": "无法用 {browser} 打印 PDF：其退出码为 {code}",
    },
    "usage.folder_not_empty": {
        "en": "{path} is not empty; choose a new folder",
        "zh": "{path} 不是空文件夹；请另选一个新文件夹",
    },
    "usage.empty_output": {"en": "the output path is empty", "zh": "输出路径为空"},
    "usage.cannot_write": {"en": "cannot write {path}: {reason}", "zh": "无法写入 {path}：{reason}"},
    "usage.not_regular": {
        "en": "refusing to write over {path}: it is not a regular file",
        "zh": "拒绝覆盖 {path}：它不是普通文件",
    },
    "usage.read_only": {
        "en": "refusing to replace the read-only file {path}",
        "zh": "拒绝替换只读文件 {path}",
    },
    "usage.case_invalid": {
        "en": "the case in {path} is invalid: {reason}",
        "zh": "{path} 中的病例无效：{reason}",
    },
    "usage.no_argument": {
        "en": "no argument '{id}'; see `ntrk-advisor arguments` for the list",
        "zh": "没有论点 '{id}'；完整列表见 `ntrk-advisor arguments`",
    },
    "usage.no_evidence": {
        "en": "no evidence '{id}'; see `ntrk-advisor evidence` for the list",
        "zh": "没有证据 '{id}'；完整列表见 `ntrk-advisor evidence`",
    },
    "usage.server_extra": {
        "en": (
            "the CDS Hooks service needs the server extra: pip install 'ntrk-advisor[server]' "
            "(in a clone of the repository: .venv/bin/pip install -e '.[server]')"
        ),
        "zh": (
            "CDS Hooks 服务需要 server 扩展：pip install 'ntrk-advisor[server]'"
            "（在仓库的克隆目录中：.venv/bin/pip install -e '.[server]'）"
        ),
    },
    "usage.insecure_public_host": {
        "en": "--insecure-no-auth checks no token, so it listens on loopback only (127.0.0.1, ::1 or "
        "localhost), not on {host}; to listen on a network give --jwks and --issuer",
        "zh": "--insecure-no-auth 不校验任何令牌，因此只能监听本机回环地址（127.0.0.1、::1 或 localhost），"
        "不能监听 {host}；要在网络上监听，请提供 --jwks 和 --issuer",
    },
    "usage.jwks_unreadable": {
        "en": "cannot read the JWK Set {path}: {reason}",
        "zh": "无法读取 JWK Set {path}：{reason}",
    },
    "usage.jwks_not_file": {
        "en": "cannot read the JWK Set {path}: it is not a regular file",
        "zh": "无法读取 JWK Set {path}：它不是普通文件",
    },
    "usage.jwks_too_large": {
        "en": "cannot read the JWK Set {path}: it is larger than {limit} bytes",
        "zh": "无法读取 JWK Set {path}：文件超过 {limit} 字节",
    },
    "usage.jwks_empty": {"en": "{path}: the JWK Set has no keys", "zh": "{path}：JWK Set 中没有密钥"},
    "usage.jwks_no_kid": {
        "en": "{path}: every key needs a 'kid' (the token header names it)",
        "zh": "{path}：每个密钥都需要 'kid'（令牌头部按它指定密钥）",
    },
    "usage.jwks_duplicate_kid": {
        "en": "{path}: two keys have the kid '{kid}'; give each key its own kid",
        "zh": "{path}：两个密钥的 kid 都是 '{kid}'；请为每个密钥指定不同的 kid",
    },
    "usage.jwks_symmetric": {
        "en": "{path}: key {kid} is symmetric; CDS Hooks allows public keys only",
        "zh": "{path}：密钥 {kid} 是对称密钥；CDS Hooks 只允许公钥",
    },
    "usage.jwks_private": {
        "en": "{path}: key {kid} holds a private part; give the public key only",
        "zh": "{path}：密钥 {kid} 含有私钥部分；请只提供公钥",
    },
    "usage.jwks_unusable": {
        "en": "{path}: key {kid} cannot be used: {reason}",
        "zh": "{path}：密钥 {kid} 无法使用：{reason}",
    },
    "usage.jwks_algorithm": {
        "en": "{path}: key {kid} is not for an algorithm the service accepts "
        "(RS, PS, ES256/384/512 or EdDSA)",
        "zh": "{path}：密钥 {kid} 所用的算法不被本服务接受（仅限 RS、PS、ES256/384/512 或 EdDSA）",
    },
    "usage.no_jwks": {
        "en": "no keys to check callers with: give --jwks FILE (or --insecure-no-auth)",
        "zh": "没有用于核验调用方的密钥：请提供 --jwks FILE（或 --insecure-no-auth）",
    },
    "usage.no_issuer": {
        "en": "no trusted issuer: give --issuer for each EHR allowed to call",
        "zh": "没有受信任的令牌签发方：请为每个允许调用的电子病历系统提供 --issuer",
    },
    "usage.cannot_listen": {
        "en": "cannot listen on {host}:{port}: {reason}",
        "zh": "无法监听 {host}:{port}：{reason}",
    },
    "usage.cors_origin": {
        "en": "--cors-origin must be an origin such as https://ehr.example.org, not {value}",
        "zh": "--cors-origin 须是 https://ehr.example.org 这样的源，而不是 {value}",
    },
    "usage.feedback_unusable": {
        "en": "cannot use the feedback log {path}: {reason}",
        "zh": "无法使用反馈日志 {path}：{reason}",
    },
    "usage.feedback_unreadable": {
        "en": "cannot read the feedback log {path}: {reason}",
        "zh": "无法读取反馈日志 {path}：{reason}",
    },
    "usage.feedback_foreign": {
        "en": "{path} is not an ntrk-advisor feedback log",
        "zh": "{path} 不是 ntrk-advisor 的反馈日志",
    },
    "usage.replay_window": {
        "en": "cannot use the replay window {path}: {reason}",
        "zh": "无法使用重放窗口 {path}：{reason}",
    },
    "usage.postgres_extra": {
        "en": "a PostgreSQL --feedback-db needs the postgres extra: "
        "pip install 'ntrk-advisor[postgres]' ({reason})",
        "zh": "以 PostgreSQL 作为 --feedback-db 需要 postgres 扩展："
        "pip install 'ntrk-advisor[postgres]'（{reason}）",
    },
    "usage.postgres_unreachable": {
        "en": "cannot use the PostgreSQL database {url}: {reason}",
        "zh": "无法使用 PostgreSQL 数据库 {url}：{reason}",
    },
    "usage.postgres_foreign": {
        "en": "the PostgreSQL table {table} was not made by this version of ntrk-advisor; "
        "give another database or schema",
        "zh": "PostgreSQL 表 {table} 不是由此版本的 ntrk-advisor 创建的；请换一个数据库或模式",
    },
    "usage.html_needs_folder": {
        "en": "--format html writes one page per case: name a folder with -o DIR",
        "zh": "--format html 为每个病例生成一个页面：请用 -o DIR 指定文件夹",
    },
    "usage.compact_html": {
        "en": "--compact does not apply to --format html: a report keeps every text",
        "zh": "--compact 不适用于 --format html：报告保留全部文字",
    },
    "usage.pages_not_folder": {
        "en": "refusing to write the HTML pages into {path}: it exists and is not a folder",
        "zh": "拒绝将 HTML 页面写入 {path}：它已存在且不是文件夹",
    },
    "usage.cannot_create_folder": {
        "en": "cannot create the folder {path}: {reason}",
        "zh": "无法创建文件夹 {path}：{reason}",
    },
    "edge.error": {"en": "error", "zh": "错误"},
    "edge.interrupted": {"en": "interrupted", "zh": "已中断"},
    "edge.cannot_write_output": {"en": "cannot write the output: {reason}", "zh": "无法写出结果：{reason}"},
    "edge.unexpected": {
        "en": "unexpected {kind}: {detail} (run with --debug for details)",
        "zh": "意外错误 {kind}：{detail}（加 --debug 查看详情）",
    },
}


SENTENCE_SEPARATOR: dict[Lang, str] = {"en": " ", "zh": ""}
"""What stands between two sentences: a space in English, nothing after a Chinese full stop."""


OWNERS: dict[str, str] = {
    "about": "ntrk_advisor.render.about_texts",
    "batch": "ntrk_advisor.batch.texts",
    "cds": "ntrk_advisor.service.texts",
    "fhir": "ntrk_advisor.fhir.texts",
    "html": "ntrk_advisor.render.html_texts",
    "page": "ntrk_advisor.service.page_texts",
    "practice": "ntrk_advisor.practice.texts",
    "review": "ntrk_advisor.authoring.texts",
}
"""Key prefixes whose texts a package owns, and the module holding its `TEXTS` table.

`UI` above holds the texts every layer shares (results, validation, usage). A package's own
words live beside it and are read only when first asked for, so a consult never loads the
practice or service texts. Names, not imports: this module stays the bottom layer.
"""

_LOADED: set[str] = set()


def _owned(key: str) -> dict[Lang, str] | None:
    prefix = key.partition(".")[0]
    module = OWNERS.get(prefix)
    if module is None or prefix in _LOADED:
        return UI.get(key)
    table: dict[str, dict[Lang, str]] = importlib.import_module(module).TEXTS
    clash = table.keys() & UI.keys()
    if clash or any(not k.startswith(prefix + ".") for k in table):
        raise RuntimeError(f"{module} holds keys it does not own: {sorted(clash) or sorted(table)}")
    UI.update(table)
    _LOADED.add(prefix)
    return UI.get(key)


def has(key: str) -> bool:
    """Whether `key` is an interface text (in the shared table or in its owner's)."""
    return key in UI or _owned(key) is not None


def all_texts() -> dict[str, dict[Lang, str]]:
    """Every interface text, each owner's table loaded: for the completeness tests and the docs."""
    for prefix in OWNERS:
        _owned(f"{prefix}.")
    return UI


def t(key: str, lang: Lang, **values: object) -> str:
    """The interface text `key` in `lang`, with `{placeholders}` filled."""
    texts = UI.get(key) or _owned(key)
    if texts is None:
        raise KeyError(key)
    text = texts[lang]
    return text.format(**values) if values else text

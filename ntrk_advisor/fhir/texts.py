"""The FHIR import: its interface texts, the `fhir.` entries of the translation table.

Loaded by `ntrk_advisor.i18n.t` the first time one of them is asked for; the completeness test
covers them with every other interface text.
"""

from __future__ import annotations

from ntrk_advisor.i18n import Lang

TEXTS: dict[str, dict[Lang, str]] = {
    # FHIR import (ntrk_advisor.fhir): errors name a FHIR path, never a value from the Bundle.
    "fhir.error": {
        "en": "not a usable FHIR Bundle at {where}: {reason}",
        "zh": "无法使用的 FHIR Bundle（位置 {where}）：{reason}",
    },
    "fhir.err.not_object": {"en": "expected a JSON object", "zh": "应为 JSON 对象"},
    "fhir.err.duplicate_key": {
        "en": "this key is given more than once in the same JSON object",
        "zh": "该键在同一个 JSON 对象中出现了不止一次",
    },
    "fhir.err.not_array": {"en": "expected a JSON array", "zh": "应为 JSON 数组"},
    "fhir.err.not_string": {"en": "expected a string", "zh": "应为字符串"},
    "fhir.err.not_bundle": {
        "en": "not a FHIR Bundle (resourceType must be 'Bundle')",
        "zh": "不是 FHIR Bundle（resourceType 必须为 'Bundle'）",
    },
    "fhir.err.no_type": {"en": "a resource without a resourceType", "zh": "资源缺少 resourceType"},
    "fhir.err.other_version_type": {
        "en": "a resource type that FHIR R4 does not have: the Bundle is of another FHIR version",
        "zh": "FHIR R4 中不存在该资源类型：此 Bundle 属于其他 FHIR 版本",
    },
    "fhir.err.nested_bundle": {
        "en": "a Bundle inside the Bundle; give one patient's Bundle at a time",
        "zh": "Bundle 中嵌套了 Bundle；请每次只提供一位患者的 Bundle",
    },
    "fhir.err.no_patient": {
        "en": "the Bundle holds no Patient; it must hold the one patient the case is about",
        "zh": "Bundle 中没有 Patient 资源；必须包含本病例所涉及的那一位患者",
    },
    "fhir.err.many_patients": {
        "en": "the Bundle holds {count} Patients; it must hold one patient's record",
        "zh": "Bundle 中有 {count} 个 Patient 资源；只能包含一位患者的记录",
    },
    "fhir.err.too_many_values": {
        "en": "the Bundle holds more than {limit} values",
        "zh": "Bundle 包含的取值超过 {limit} 个",
    },
    "fhir.err.too_deep": {
        "en": "nested deeper than {limit} levels",
        "zh": "嵌套层级超过 {limit} 层",
    },
    "fhir.err.too_many_entries": {
        "en": "{count} entries; at most {limit} are read",
        "zh": "共 {count} 个条目；最多读取 {limit} 个",
    },
    "fhir.err.version": {
        "en": "FHIR version {version}; only R4 (4.0.1) and R4B are read",
        "zh": "FHIR 版本为 {version}；仅支持 R4（4.0.1）和 R4B",
    },
    "fhir.err.other_patient": {
        "en": "refers to another patient; a Bundle must hold one patient's record",
        "zh": "指向另一位患者；一个 Bundle 只能包含一位患者的记录",
    },
    "fhir.err.not_context_patient": {
        "en": "is not the patient the call is about (context.patientId); no advice for another patient",
        "zh": "不是本次调用所指的患者（context.patientId）；不为另一位患者给出建议",
    },
    "fhir.err.bad_date": {"en": "not a FHIR date", "zh": "不是有效的 FHIR 日期"},
    "fhir.err.not_boolean": {"en": "expected true or false", "zh": "应为 true 或 false"},
    "fhir.err.deceased": {
        "en": "the record shows the patient as deceased (Patient.deceased[x]); no advice is given "
        "for a deceased patient",
        "zh": "病历记录显示该患者已死亡（Patient.deceased[x]）；不为已故患者提供建议",
    },
    "fhir.err.born_later": {
        "en": "the birth date is after the date the age is computed at",
        "zh": "出生日期晚于计算年龄所用的日期",
    },
    "fhir.err.wrong_target": {
        "en": "refers to a resource of the wrong type (a {expected} is expected)",
        "zh": "指向的资源类型不正确（应为 {expected}）",
    },
    "fhir.err.model": {
        "en": "does not match the FHIR R4B models ({count} problem(s), the first at {first})",
        "zh": "不符合 FHIR R4B 模型（共 {count} 处问题，第一处位于 {first}）",
    },
    "fhir.err.validation_unavailable": {
        "en": "--validate needs the optional FHIR models: pip install 'ntrk-advisor[fhir]'",
        "zh": "--validate 需要可选的 FHIR 模型：pip install 'ntrk-advisor[fhir]'",
    },
    "fhir.note_line": {"en": "ntrk-advisor: note: {text}", "zh": "ntrk-advisor：提示：{text}"},
    "fhir.written": {
        "en": "Derived case written to {path}: {count} answer(s) from the record. Review it before use.",
        "zh": "已将导出的病例写入 {path}：其中 {count} 个回答来自病历记录。使用前请核对。",
    },
    "fhir.note.no_birth_date": {
        "en": "the Patient has no birth date: the age is asked",
        "zh": "Patient 资源没有出生日期：将询问年龄",
    },
    "fhir.note.age_unclear_month": {
        "en": "the birth date gives only the month, and whether the patient is under 18 depends on "
        "the day: the age is asked",
        "zh": "出生日期只精确到月份，患者是否未满 18 岁取决于具体日期：将询问年龄",
    },
    "fhir.note.age_unclear_year": {
        "en": "the birth date gives only the year, and whether the patient is under 18 depends on "
        "the day: the age is asked",
        "zh": "出生日期只精确到年份，患者是否未满 18 岁取决于具体日期：将询问年龄",
    },
    "fhir.note.age_today": {
        "en": "the Bundle has no timestamp: the age is computed at the date of the import, {date}",
        "zh": "Bundle 没有时间戳（timestamp）：年龄按导入日期 {date} 计算",
    },
    "fhir.note.not_final": {
        "en": "{refs}: not used, the result is not final",
        "zh": "{refs}：未采用，该结果尚非最终结果",
    },
    "fhir.note.non_ntrk_fusion": {
        "en": "{refs}: a fusion of another gene, not an NTRK fusion",
        "zh": "{refs}：为其他基因的融合，不是 NTRK 融合",
    },
    "fhir.note.fusion_unclear": {
        "en": "{refs}: an NTRK finding that is neither a recognised fusion nor a described point "
        "mutation or amplification: the fusion status is asked",
        "zh": "{refs}：该 NTRK 检测结果既不是可识别的融合，也不是有明确描述的点突变或扩增：将询问融合状态",
    },
    "fhir.note.fusion_structural": {
        "en": "{refs}: an NTRK translocation, rearrangement or structural variant that the record does "
        "not call a fusion (or says no fusion while reporting it present): the fusion "
        "status is asked",
        "zh": "{refs}：记录中的 NTRK 易位、重排或结构变异未被明确称为融合（或在报告其存在的同时写明"
        "“无融合”）：将询问融合状态",
    },
    "fhir.note.fusion_text_only": {
        "en": "{refs}: a variant names NTRK only in its text, with no gene studied or fusion name "
        "coded: the fusion status is asked",
        "zh": "{refs}：该变异仅在文本中提及 NTRK，未编码所检测基因或融合名称：将询问融合状态",
    },
    "fhir.note.fusion_genes": {
        "en": "{refs}: a fusion whose gene studied and named genes disagree about NTRK: the fusion "
        "status is asked",
        "zh": "{refs}：该融合的所检测基因与所列基因在是否涉及 NTRK 上相互矛盾：将询问融合状态",
    },
    "fhir.note.non_ntrk_structural": {
        "en": "{refs}: a translocation or rearrangement of another gene, not an NTRK finding",
        "zh": "{refs}：为其他基因的易位或重排，不是 NTRK 检测结果",
    },
    "fhir.note.secondary_text_only": {
        "en": "{refs}: the words of a Condition suggest a metastasis, but its code is not one the "
        "import reads: the setting is asked",
        "zh": "{refs}：某 Condition 的文字提示存在转移，但其编码不在导入可识别的范围内：将询问疾病分期",
    },
    "fhir.note.fusion_discordant": {
        "en": "{refs}: the NTRK results disagree: the fusion status is asked",
        "zh": "{refs}：NTRK 检测结果相互矛盾：将询问融合状态",
    },
    "fhir.note.resistance_without_fusion": {
        "en": "{refs}: a TRK resistance mutation, but no fusion report in the Bundle: the fusion "
        "status is asked",
        "zh": "{refs}：发现 TRK 耐药突变，但 Bundle 中没有融合检测报告：将询问融合状态",
    },
    "fhir.note.assay_unclear": {
        "en": "{refs}: the method does not say which molecular assay was used: the assay is asked",
        "zh": "{refs}：检测方法未说明所用的分子检测技术：将询问检测方法",
    },
    "fhir.note.mechanism_many": {
        "en": "{refs}: more than one resistance mechanism: the mechanism is asked",
        "zh": "{refs}：存在不止一种耐药机制：将询问耐药机制",
    },
    "fhir.note.cns_present": {
        "en": "{refs}: brain or meningeal metastases are recorded; whether they cause symptoms is "
        "asked, never assumed",
        "zh": "{refs}：记录有脑或脑膜转移；是否引起症状将另行询问，不作推断",
    },
    "fhir.note.secondary_unclear": {
        "en": "{refs}: a secondary cancer whose site is not read as distant: the setting is asked",
        "zh": "{refs}：继发性肿瘤的部位无法判定为远处转移：将询问疾病分期",
    },
    "fhir.note.medication_unresolved": {
        "en": "{refs}: the Medication it refers to is not in the Bundle",
        "zh": "{refs}：其引用的 Medication 资源不在 Bundle 中",
    },
    "fhir.note.setting_judgement": {
        "en": "{refs}: distant spread is recorded, but a TRK inhibitor was given or a resistance "
        "mutation found: metastatic or resistant is the clinician's judgement and is asked",
        "zh": "{refs}：记录有远处转移，但已用过TRK抑制剂或发现耐药突变："
        "属于转移性还是耐药由临床医生判断，将另行询问",
    },
    "fhir.note.judgement": {
        "en": "never read from the record: resectability, response, progression pattern, "
        "emergencies, toxicity, fitness for surgery and symptoms of brain metastases are the "
        "clinician's answers",
        "zh": "以下内容从不从病历中推断，均由临床医生回答：可切除性、疗效、进展模式、急症、毒性、"
        "手术耐受性以及脑转移是否引起症状",
    },
}

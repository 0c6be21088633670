"""The CDS Hooks service: its interface texts, the `cds.` entries of the translation table.

Loaded by `ntrk_advisor.i18n.t` the first time one of them is asked for; the completeness test
covers them with every other interface text.
"""

from __future__ import annotations

from ntrk_advisor.i18n import Lang

TEXTS: dict[str, dict[Lang, str]] = {
    # CDS Hooks service
    "cds.answers_needed": {"en": "Answers needed before advice", "zh": "给出建议前还需要以下回答"},
    "cds.how_to_answer": {
        "en": (
            "The record does not hold these answers. Give them in the ntrk-advisor consult; "
            "the advice follows as soon as they are known."
        ),
        "zh": "病历中没有这些回答。请在 ntrk-advisor 问诊中填写；回答齐全后即给出建议。",
    },
    "cds.answer_in_app": {
        "en": (
            "The record does not hold these answers. Give them in the form linked below; "
            "the advice follows as soon as they are known."
        ),
        "zh": "病历中没有这些回答。请在下方链接的表单中填写；回答齐全后即给出建议。",
    },
    "cds.bad_fhir_fallback": {
        "en": "--fhir-fallback must be a FHIR server's base URL (http or https, a host, no query), not {url}",
        "zh": "--fhir-fallback 必须是FHIR服务器的基础URL（http或https，含主机名，不含查询），而不是 {url}",
    },
    "cds.enter_answers": {"en": "Enter the missing answers", "zh": "填写缺少的回答"},
    "cds.invalid": {"en": "The case did not pass validation", "zh": "病例未通过校验"},
    "cds.answers_from": {"en": "Where the answers came from", "zh": "回答的来源"},
    "cds.from_request": {"en": "given with the call: {fields}", "zh": "随调用提供：{fields}"},
    "cds.record_replaced": {
        "en": "the answer given with the call replaces the record's for {fields}",
        "zh": "以下字段采用随调用提供的回答，取代病历中的记录：{fields}",
    },
    "cds.order_warning": {
        "en": "TRK inhibitor ordered, but no molecularly confirmed NTRK fusion is on record",
        "zh": "已开具TRK抑制剂，但病历中没有经分子检测证实的NTRK融合",
    },
    "cds.order_detail": {
        "en": (
            "The draft order names {drugs}; the fusion status on record is {status}. "
            "The diagnostic gate of the pathways advises:"
        ),
        "zh": "草拟医嘱包含 {drugs}；病历中的融合状态为 {status}。路径中的诊断关口建议如下：",
    },
    "cds.order_detail_no_status": {
        "en": (
            "The draft order names {drugs}; no fusion status is on record. "
            "The diagnostic gate of the pathways advises:"
        ),
        "zh": "草拟医嘱包含 {drugs}；病历中没有融合状态的记录。路径中的诊断关口建议如下：",
    },
    "cds.gate_needs": {
        "en": "The diagnostic gate needs these answers before it can advise:",
        "zh": "诊断关口需要以下回答才能给出建议：",
    },
    "cds.suggest_remove": {"en": "Remove the draft TRK inhibitor order", "zh": "撤销草拟的TRK抑制剂医嘱"},
    "cds.remove_order": {
        "en": "Remove this draft order until a fusion is molecularly confirmed",
        "zh": "在分子检测证实融合之前撤销此草拟医嘱",
    },
    "cds.suggest_rna_test": {
        "en": "Order an RNA-based NTRK fusion test (RNA NGS) first",
        "zh": "先开具基于RNA的NTRK融合检测（RNA NGS）",
    },
    "cds.override.confirmed-elsewhere": {
        "en": "Fusion confirmed by a molecular test outside this record",
        "zh": "融合已由本病历以外的分子检测证实",
    },
    "cds.override.trial-protocol": {
        "en": "Given within a clinical trial's protocol",
        "zh": "按临床试验方案用药",
    },
    "cds.override.mdt-decision": {
        "en": "Decided by the multidisciplinary team (MDT)",
        "zh": "多学科诊疗（MDT）团队已作决定",
    },
}

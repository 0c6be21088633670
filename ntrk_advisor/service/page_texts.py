"""The answer page (`/app`): its interface texts, the `page.` entries of the translation table.

Loaded by `ntrk_advisor.i18n.t` the first time one of them is asked for; the completeness test
covers them with every other interface text.
"""

from __future__ import annotations

from ntrk_advisor.i18n import Lang

TEXTS: dict[str, dict[Lang, str]] = {
    "page.title": {"en": "Answers needed before advice", "zh": "给出建议前还需要以下回答"},
    "page.product": {
        "en": "ntrk-advisor · NTRK fusion decision support",
        "zh": "ntrk-advisor · NTRK融合决策支持",
    },
    "page.other_language": {"en": "中文", "zh": "English"},
    "page.errors_title": {"en": "Please correct these answers", "zh": "请更正以下回答"},
    "page.given_title": {"en": "What the record and the call gave", "zh": "病历和调用已提供的回答"},
    "page.used_title": {"en": "The answers used", "zh": "所用的回答"},
    "page.col_question": {"en": "Question", "zh": "问题"},
    "page.col_answer": {"en": "Answer", "zh": "回答"},
    "page.col_source": {"en": "Source", "zh": "来源"},
    "page.nothing_given": {
        "en": "Nothing yet: the record holds none of the answers.",
        "zh": "暂无：病历中没有任何回答。",
    },
    "page.questions_title": {"en": "The answers still needed", "zh": "仍需的回答"},
    "page.questions_intro": {
        "en": "Only what the record could not give is asked, in the order of the consult.",
        "zh": "只询问病历无法提供的内容，顺序与问诊相同。",
    },
    "page.submit": {"en": "Submit the answers", "zh": "提交回答"},
    "page.result_title": {"en": "The advice for this case", "zh": "本病例的建议"},
    "page.report_title": {"en": "MDT report", "zh": "MDT报告"},
    "page.report_html": {"en": "MDT report (HTML)", "zh": "MDT报告（HTML）"},
    "page.report_pdf": {"en": "MDT report (PDF)", "zh": "MDT报告（PDF）"},
    "page.report_once": {
        "en": "Each report link opens once, within 15 minutes.",
        "zh": "每个报告链接只能在15分钟内打开一次。",
    },
    "page.pdf_unavailable": {
        "en": "No PDF here: this server has no Chromium to print it; print the HTML report from the browser.",
        "zh": "此处不提供PDF：服务器上没有用于打印的Chromium；请在浏览器中打印HTML报告。",
    },
    "page.source_record": {"en": "the record: {refs}", "zh": "病历：{refs}"},
    "page.source_call": {"en": "given with the call", "zh": "随调用提供"},
    "page.source_page": {"en": "answered on this page", "zh": "在本页填写"},
    "page.source_import_date": {"en": "the date of the import, {date}", "zh": "导入日期（{date}）"},
    "page.number_limits": {"en": "from {minimum}, below {below}", "zh": "不小于{minimum}，小于{below}"},
    "page.none_and_items": {
        "en": "tick either “None of these” or the items that apply, not both",
        "zh": "请只勾选“以上都没有”或适用项，不能同时勾选",
    },
    "page.refused_malformed": {"en": "This link is not valid.", "zh": "此链接无效。"},
    "page.refused_forged": {
        "en": "This link was altered or was not made by this service.",
        "zh": "此链接已被改动，或并非由本服务生成。",
    },
    "page.refused_expired": {
        "en": "This link has expired: links are valid for 15 minutes.",
        "zh": "此链接已过期：链接的有效期为15分钟。",
    },
    "page.refused_used": {
        "en": "This link was already used: each link opens once.",
        "zh": "此链接已被使用：每个链接只能打开一次。",
    },
    "page.refused_busy": {
        "en": "The service is busy. Try again in a minute.",
        "zh": "服务繁忙，请一分钟后重试。",
    },
    "page.refused_csrf": {
        "en": "This form was not sent from the page this service made.",
        "zh": "此表单并非从本服务生成的页面提交。",
    },
    "page.refused_no_pdf": {
        "en": "The PDF cannot be made on this server; open the HTML report and print it.",
        "zh": "本服务器无法生成PDF；请打开HTML报告并打印。",
    },
    "page.refused_next": {
        "en": "Open the patient's record again: its card carries a new link.",
        "zh": "请重新打开患者病历：卡片上会有新的链接。",
    },
    "page.bad_key": {
        "en": "cannot use the page key file {path}: {reason}",
        "zh": "无法使用页面密钥文件 {path}：{reason}",
    },
}

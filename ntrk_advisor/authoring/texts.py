"""Clinician sign-off tools: their interface texts, the `review.` entries of the translation table.

Loaded by `ntrk_advisor.i18n.t` the first time one of them is asked for. The words a result shows
about a review (`stamp.` keys) are shared by every output and live in `i18n.UI`; these are the
words of `pathways review` and `pathways reviewer-key`. The Chinese terms are those of
docs/governance.md: 临床审核人 (reviewer), 知识条目 (statement), 审核 (review), 批准 (approve),
审核已失效 (stale), 私钥/公钥 (private/public key), 签名 (signature).
"""

from __future__ import annotations

from ntrk_advisor.i18n import Lang

TEXTS: dict[str, dict[Lang, str]] = {
    # `pathways export --format fhir`: the Questionnaire's title
    "review.fhir_case_title": {"en": "An NTRK fusion-positive case", "zh": "NTRK融合阳性病例"},
    "review.fhir_whole_knowledge": {
        "en": "--format fhir exports the whole knowledge: leave out --pathway",
        "zh": "--format fhir 导出全部知识：请去掉 --pathway",
    },
    "review.base_url_needs_fhir": {
        "en": "--base-url is for --format fhir only",
        "zh": "--base-url 仅用于 --format fhir",
    },
    # keys and reviewers
    "review.key_unreadable": {
        "en": "cannot read the private key {path}: {reason}",
        "zh": "无法读取私钥 {path}：{reason}",
    },
    "review.key_not_a_key": {
        "en": "{path} is not an Ed25519 private key made by `ntrk-advisor pathways reviewer-key`",
        "zh": "{path} 不是由 `ntrk-advisor pathways reviewer-key` 生成的Ed25519私钥",
    },
    "review.key_readable_by_others": {
        "en": (
            "the private key {path} can be read or changed by others (mode {mode}), and anyone who can "
            "read it can sign in your name: make it yours alone with `chmod 600 {path}`, and make a new "
            "key if someone may have copied it"
        ),
        "zh": (
            "私钥 {path} 可被他人读取或修改（权限 {mode}），任何能读取它的人都能以您的名义签名："
            "请用 `chmod 600 {path}` 设为仅本人可读；如可能已被他人复制，请重新生成密钥"
        ),
    },
    "review.key_not_yours": {
        "en": "the private key {path} belongs to another user: each reviewer signs with a key of their own",
        "zh": "私钥 {path} 属于其他用户：每位临床审核人须使用本人的密钥签名",
    },
    "review.key_exists": {
        "en": "{path} already exists: a key file is never overwritten; choose another file name",
        "zh": "{path} 已存在：密钥文件不会被覆盖，请另选文件名",
    },
    "review.key_unwritable": {
        "en": "cannot write the private key {path}: {reason}",
        "zh": "无法写入私钥 {path}：{reason}",
    },
    "review.reviewer_exists": {
        "en": (
            "{name} is already listed in {file}: remove that entry first to give them a new key "
            "(the records signed with the old key then stop counting)"
        ),
        "zh": "{name} 已列于 {file} 中：如需更换密钥，请先删除该条目（用旧密钥签名的审核记录随即失效）",
    },
    "review.key_made": {
        "en": (
            "private key written to {path} (only you can read it; keep it safe and never share it); "
            "public key of {name} ({role}) added to {file}"
        ),
        "zh": "私钥已写入 {path}（仅本人可读，请妥善保管，切勿外传）；{name}（{role}）的公钥已加入 {file}",
    },
    "review.key_not_listed": {
        "en": (
            "the key {path} belongs to no reviewer in {file}: "
            "add one with `ntrk-advisor pathways reviewer-key`"
        ),
        "zh": "密钥 {path} 不属于 {file} 中的任何临床审核人：请用 `ntrk-advisor pathways reviewer-key` 添加",
    },
    "review.installed_builtin": {
        "en": (
            "the built-in pathways installed with the tool cannot be reviewed in place ({path}): review "
            "a source checkout's pathways/ folder, or an institution's copy (`ntrk-advisor pathways init "
            "DIR`), with --pathways-dir"
        ),
        "zh": (
            "随工具安装的内置路径不能就地审核（{path}）：请用 --pathways-dir 指定源代码中的 pathways/ "
            "文件夹，或机构副本（`ntrk-advisor pathways init DIR`）"
        ),
    },
    "review.not_a_folder": {
        "en": "{path} is not a folder of pathway files (it has no knowledge.yaml)",
        "zh": "{path} 不是路径文件夹（其中没有 knowledge.yaml）",
    },
    # approving
    "review.unknown_statement": {
        "en": (
            "no statement '{id}' in these pathways: `ntrk-advisor "
            "pathways review --status --format json` lists every id"
        ),
        "zh": (
            "这些路径中没有知识条目“{id}”："
            "`ntrk-advisor pathways review --status --format json` 会列出全部编号"
        ),
    },
    "review.own_edit": {
        "en": "{name} last edited {id}: another reviewer must decide on it (no one reviews their own edit)",
        "zh": "{name} 是 {id} 的最后编辑人：须由另一位临床审核人审核（任何人不得审核自己的修改）",
    },
    "review.approve_needs_key": {
        "en": "--approve needs --key FILE (the private key that signs the approvals)",
        "zh": "--approve 需要 --key FILE（用于签名批准的私钥）",
    },
    "review.file_unreadable": {
        "en": "cannot read the review file {path}: {reason}",
        "zh": "无法读取审核文件 {path}：{reason}",
    },
    "review.status_alone": {
        "en": (
            "--status and --export-fhir only report where the review stands: give one of them, "
            "with no statement ids or decision"
        ),
        "zh": (
            "--status 和 --export-fhir 仅报告审核进度：请只给出其中一项，且勿同时给出知识条目编号或审核决定"
        ),
    },
    "review.output_needs_report": {
        "en": (
            "-o is for the reports: pathways review --status --format html -o FILE, or --export-fhir -o FILE"
        ),
        "zh": "-o 仅用于报告：pathways review --status --format html -o FILE，或 --export-fhir -o FILE",
    },
    "review.one_decision": {
        "en": "give one decision: --approve, --request-changes or --reject",
        "zh": "请只给出一项审核决定：--approve、--request-changes 或 --reject",
    },
    "review.decision_needs_ids": {
        "en": (
            "name the statements to decide on, with one decision: pathways review --approve ID... --key FILE"
        ),
        "zh": "请写明要审核的知识条目并给出一项决定：pathways review --approve ID... --key FILE",
    },
    "review.comment_needed": {
        "en": "--request-changes and --reject need --comment saying what is wrong and why",
        "zh": "--request-changes 和 --reject 须用 --comment 说明问题及原因",
    },
    "review.format_needs_status": {
        "en": "--format is for --status: pathways review --status --format json",
        "zh": "--format 仅用于 --status：pathways review --status --format json",
    },
    "review.recorded": {
        "en": "{count} signed review record(s) of {name} written to {file}",
        "zh": "{name} 的 {count} 条已签名审核记录已写入 {file}",
    },
    "review.no_terminal": {
        "en": (
            "pathways review asks its questions at a terminal: use --status to see where the review "
            "stands, or --approve ID... --key FILE to approve without questions"
        ),
        "zh": (
            "pathways review 须在终端中逐条提问：查看审核进度请用 --status，"
            "免提问批准请用 --approve ID... --key FILE"
        ),
    },
    # the interactive review
    "review.session": {
        "en": (
            "Reviewing as {name} ({role}): {count} statement(s) to "
            "review. Each decision is signed and saved at once."
        ),
        "zh": "审核人：{name}（{role}）。待审核知识条目 {count} 条。每项决定会立即签名并保存。",
    },
    "review.nothing_left": {
        "en": (
            "Nothing to review for {name}: every statement is approved, "
            "awaits another reviewer, or was last edited by you."
        ),
        "zh": "{name} 暂无待审核的条目：所有条目均已批准、等待其他审核人，或最后编辑人是您本人。",
    },
    "review.own_skipped": {
        "en": "{count} statement(s) you last edited are left for another reviewer.",
        "zh": "您最后编辑的 {count} 条知识条目留待其他审核人审核。",
    },
    "review.progress": {"en": "Statement {n} of {total}", "zh": "第 {n} 条，共 {total} 条"},
    "review.decide": {"en": "Your decision?", "zh": "您的审核决定？"},
    "review.choice.approved": {
        "en": "Approve: correct as written, for every place and case shown",
        "zh": "批准：所写内容正确，适用于所示的全部位置和病例",
    },
    "review.choice.changes_requested": {"en": "Request changes", "zh": "要求修改"},
    "review.choice.rejected": {"en": "Reject", "zh": "驳回"},
    "review.choice.skip": {"en": "Skip for now", "zh": "暂时跳过"},
    "review.choice.stop": {
        "en": "Stop reviewing (what you decided is saved)",
        "zh": "结束审核（已作出的决定均已保存）",
    },
    "review.comment_required": {
        "en": "Comment (what should change, and why):",
        "zh": "意见（需要修改什么，以及原因）：",
    },
    "review.comment_optional": {"en": "Comment (optional):", "zh": "意见（可选）："},
    "review.done": {
        "en": "{count} decision(s) signed and saved in {file}.",
        "zh": "已签名并保存 {count} 项审核决定，文件：{file}。",
    },
    "review.interrupted": {
        "en": "Review stopped: {count} decision(s) signed and saved before it (last file: {file}).",
        "zh": "审核已中止：此前已签名并保存 {count} 项审核决定（最后写入的文件：{file}）。",
    },
    # the status page (--status --format html)
    "review.page.edited": {"en": "Knowledge last edited {date}", "zh": "知识库最后编辑日期：{date}"},
    "review.page.coverage": {"en": "Coverage per pathway", "zh": "各路径审核覆盖情况"},
    "review.page.statements": {"en": "Every statement", "zh": "全部知识条目"},
    "review.page.id": {"en": "Statement", "zh": "条目编号"},
    "review.page.used_in": {"en": "Pathways", "zh": "所属路径"},
    "review.page.decisions": {"en": "Decisions that count", "zh": "有效的审核决定"},
    "review.page.decision": {
        "en": "{name} ({role}), {date}: {decision}",
        "zh": "{name}（{role}），{date}：{decision}",
    },
    "review.page.none": {"en": "not used", "zh": "未使用"},
    "review.page.note": {
        "en": (
            "Only signed decisions by reviewers listed in reviewers.yaml, on a statement as it "
            "reads now, count; an edit after an approval makes the statement stale."
        ),
        "zh": "仅计入 reviewers.yaml 所列审核人对条目当前内容的签名决定；批准后修改条目，审核即失效。",
    },
    "review.kind.rec": {"en": "Recommendation", "zh": "推荐意见"},
    "review.kind.caution": {"en": "Caution", "zh": "注意事项"},
    "review.kind.arg": {"en": "Argument of the source article (paraphrase)", "zh": "来源文章论点（转述）"},
    "review.label.status": {"en": "Review status", "zh": "审核状态"},
    "review.label.author": {"en": "Last edited by", "zh": "最后编辑人"},
    "review.label.hash": {"en": "Content hash", "zh": "内容哈希"},
    "review.label.used_at": {"en": "Used at (strength)", "zh": "使用位置（推荐强度）"},
    "review.label.cases": {"en": "Cases that reach it (answers)", "zh": "到达此处的病例（回答）"},
    "review.label.more_cases": {
        "en": "… and {count} more answer combinations",
        "zh": "……另有 {count} 种回答组合",
    },
    "review.label.not_used": {"en": "not used by any pathway", "zh": "未被任何路径使用"},
    "review.label.arguments": {"en": "Article arguments", "zh": "文章论点"},
    "review.label.references": {"en": "References", "zh": "参考文献"},
    "review.label.summary": {"en": "What to do", "zh": "建议内容"},
    "review.label.rationale": {"en": "Why", "zh": "依据"},
    "review.label.section": {"en": "Article section", "zh": "文章章节"},
    # the status report
    "review.status.approved": {"en": "approved", "zh": "已批准"},
    "review.status.stale": {"en": "stale (changed since approved)", "zh": "审核已失效（批准后已修改）"},
    "review.status.changes_requested": {"en": "changes requested", "zh": "要求修改"},
    "review.status.rejected": {"en": "rejected", "zh": "已驳回"},
    "review.status.unreviewed": {"en": "unreviewed", "zh": "未审核"},
    "review.report_title": {
        "en": "Clinician review of {name}, version {version}",
        "zh": "{name}（版本 {version}）的临床审核情况",
    },
    "review.col.pathway": {"en": "pathway", "zh": "路径"},
    "review.col.statements": {"en": "statements", "zh": "条目数"},
    "review.all_pathways": {"en": "all statements", "zh": "全部条目"},
    "review.set_aside": {"en": "Review records that do not count", "zh": "不计入的审核记录"},
    "review.reason.unknown_statement": {"en": "the statement no longer exists", "zh": "该知识条目已不存在"},
    "review.reason.unknown_reviewer": {
        "en": "the reviewer is not in reviewers.yaml",
        "zh": "审核人不在 reviewers.yaml 中",
    },
    "review.reason.bad_signature": {
        "en": "the signature does not verify (forged, or altered after signing)",
        "zh": "签名验证未通过（伪造，或签名后被改动）",
    },
    "review.reason.own_edit": {
        "en": "the reviewer last edited the statement",
        "zh": "审核人是该条目的最后编辑人",
    },
    "review.reason.changed": {"en": "the statement changed since", "zh": "该条目此后已被修改"},
}

"""Practice mode's interface texts: the `practice.` entries of the translation table.

Loaded by `ntrk_advisor.i18n.t` the first time one of them is asked for; the completeness test
covers them with every other interface text.
"""

from __future__ import annotations

from ntrk_advisor.i18n import Lang, t


def say(key: str, lang: Lang, **values: object) -> str:
    """A practice-mode text in `lang`, with `values` filled in."""
    return t(f"practice.{key}", lang, **values)


TEXTS: dict[str, dict[Lang, str]] = {
    # Practice mode (ntrk_advisor.practice).
    "practice.scenario": {"en": "Scenario", "zh": "病例场景"},
    "practice.question.next_step": {"en": "best next step", "zh": "最佳下一步"},
    "practice.question.avoid": {"en": "what to avoid", "zh": "应避免什么"},
    "practice.question.timing": {"en": "when to operate", "zh": "手术时机"},
    "practice.difficulty.easy": {"en": "easy", "zh": "易"},
    "practice.difficulty.medium": {"en": "medium", "zh": "中"},
    "practice.difficulty.hard": {"en": "hard", "zh": "难"},
    "practice.correct": {"en": "Correct", "zh": "回答正确"},
    "practice.incorrect": {"en": "Not the best answer", "zh": "并非最佳答案"},
    "practice.your_answer": {"en": "Your answer", "zh": "您的回答"},
    "practice.keyed_answer": {
        "en": "The advisor's answer (from its recommendation for this case)",
        "zh": "决策助手的答案（来自其对本病例的建议）",
    },
    "practice.why_weaker": {"en": "Why your answer is weaker", "zh": "您的回答为何欠佳"},
    "practice.teaching_points": {"en": "Teaching points", "zh": "学习要点"},
    "practice.full_recommendation": {"en": "The advisor's full recommendation", "zh": "决策助手的完整建议"},
    "practice.score": {
        "en": "Score: {correct}/{answered} ({percent}%)",
        "zh": "得分：{correct}/{answered}({percent}%)",
    },
    "practice.continue_prompt": {"en": "Go on?", "zh": "继续吗？"},
    "practice.next_scenario": {"en": "Next scenario", "zh": "下一个病例"},
    "practice.end_session": {"en": "End the session", "zh": "结束练习"},
    "practice.show_full": {
        "en": "Show the advisor's full recommendation",
        "zh": "查看决策助手的完整建议",
    },
    "practice.keyed_short": {"en": "the advisor's answer: {number}", "zh": "决策助手的答案：{number}"},
    "practice.summary_title": {"en": "Session summary by pathway", "zh": "本次练习小结（按路径）"},
    "practice.answered": {"en": "answered", "zh": "已答"},
    "practice.correct_count": {"en": "correct", "zh": "正确"},
    "practice.accuracy": {"en": "accuracy", "zh": "正确率"},
    "practice.total": {"en": "total", "zh": "合计"},
    "practice.interrupted": {
        "en": "Session ended early; {count} answer(s) recorded in {db}.",
        "zh": "练习已提前结束；{count} 个回答已记录在 {db}。",
    },
    "practice.recorded": {"en": "Recorded in {db}.", "zh": "已记录在 {db}。"},
    "practice.nothing_to_review": {
        "en": "Nothing to review: no missed scenario and none left unseen.",
        "zh": "没有需要复习的内容：没有答错的病例，也没有未做过的病例。",
    },
    "practice.no_attempts": {"en": "No attempts recorded yet in {db}.", "zh": "{db} 中尚无答题记录。"},
    "practice.stats_title": {"en": "Practice record: {db}", "zh": "练习记录：{db}"},
    "practice.by_pathway": {"en": "Accuracy by pathway", "zh": "各路径正确率"},
    "practice.by_age_group": {"en": "Accuracy by age group", "zh": "各年龄组正确率"},
    "practice.streaks": {
        "en": "Current streak: {current} · best streak: {best}",
        "zh": "当前连续答对：{current} · 最长连续答对：{best}",
    },
    "practice.weakest": {"en": "Weakest areas", "zh": "最薄弱的方面"},
    "practice.no_weak_area": {
        "en": "No weak area: every answer so far was right.",
        "zh": "暂无薄弱方面：目前的回答全部正确。",
    },
    "practice.review_hint": {
        "en": "Practise them again with: ntrk-advisor practice --review",
        "zh": "可用以下命令再次练习：ntrk-advisor practice --review",
    },
    "practice.unknown": {"en": "other", "zh": "其他"},
    "practice.list_title": {"en": "{count} practice scenarios", "zh": "共 {count} 个练习病例"},
    "practice.col.id": {"en": "id", "zh": "编号"},
    "practice.col.pathway": {"en": "pathway", "zh": "路径"},
    "practice.col.age_group": {"en": "age group", "zh": "年龄组"},
    "practice.col.difficulty": {"en": "difficulty", "zh": "难度"},
    "practice.col.question": {"en": "question", "zh": "问题"},
    "practice.col.title": {"en": "title", "zh": "标题"},
    "practice.col.area": {"en": "area", "zh": "方面"},
    "practice.reset_confirm": {
        "en": "Delete all {count} recorded attempt(s) in {db}? A backup is kept.",
        "zh": "删除 {db} 中全部 {count} 条答题记录吗？删除前会保留备份。",
    },
    "practice.reset_done": {
        "en": "Deleted {count} attempt(s); backup kept at {backup}.",
        "zh": "已删除 {count} 条记录；备份保存在 {backup}。",
    },
    "practice.reset_declined": {"en": "Nothing was deleted.", "zh": "未删除任何记录。"},
    "practice.reset_needs_answer": {
        "en": "No answer to the confirmation; nothing was deleted (add --yes to reset without asking).",
        "zh": "未回答确认问题，未删除任何记录（加 --yes 可不经询问直接重置）。",
    },
    "practice.migrated": {
        "en": "Upgraded the practice database from version {old} to {new}; the old file is kept at {backup}.",
        "zh": "练习数据库已从版本 {old} 升级到 {new}；旧文件保存在 {backup}。",
    },
    "practice.exported": {
        "en": "Wrote {count} attempt(s) to {path}.",
        "zh": "已将 {count} 条记录写入 {path}。",
    },
    # Spaced repetition of items (practice/schedule.py, drawing.py, due.py).
    "practice.age_years": {"en": "{years} years", "zh": "{years} 岁"},
    "practice.age_months": {"en": "{months} months", "zh": "{months} 个月"},
    "practice.nothing_to_draw": {
        "en": "No walked case can ask about {item}: the pathways give it no step to grade against.",
        "zh": "没有可用于 {item} 的病例：路径未给出可据以评分的步骤。",
    },
    "practice.next_item": {"en": "Next review", "zh": "下一个复习"},
    "practice.review_title": {"en": "Review", "zh": "复习"},
    "practice.vignette_intro": {"en": "A patient with these findings:", "zh": "一位患者，情况如下："},
    "practice.ask.next_step": {"en": "What is the best next step?", "zh": "最佳下一步是什么？"},
    "practice.ask.avoid": {"en": "Which of these should be avoided?", "zh": "以下哪一项应当避免？"},
    "practice.item.argument": {"en": "argument", "zh": "论点"},
    "practice.item.outcome": {"en": "outcome", "zh": "结局"},
    "practice.keyed_step": {
        "en": "The advisor's answer (from its recommendation for this case)",
        "zh": "决策助手的答案（来自其对本病例的建议）",
    },
    "practice.next_review": {
        "en": "Next review of {item}: {when} (in {days} day(s)).",
        "zh": "{item} 的下次复习：{when}（{days} 天后）。",
    },
    "practice.nothing_due": {
        "en": "Nothing is due now. Next due: {item} on {when}.",
        "zh": "目前没有到期的复习。下一个到期：{item}，{when}。",
    },
    "practice.nothing_due_none": {
        "en": "Nothing is due now, and nothing has been reviewed yet.",
        "zh": "目前没有到期的复习，也尚未复习过任何内容。",
    },
    "practice.offer_new": {
        "en": "Take a new item now ({item})?",
        "zh": "现在学习一个新内容（{item}）吗？",
    },
    "practice.all_seen": {
        "en": "Every item has been reviewed at least once; come back when one is due.",
        "zh": "所有内容都已至少复习过一次；请在有内容到期时再来。",
    },
    "practice.due_count": {
        "en": "Due now: {count} of {total} items",
        "zh": "当前到期：{total} 项中的 {count} 项",
    },
    "practice.retained_count": {
        "en": "Retained (recall at least {percent}%): {count} of {reviewed} reviewed",
        "zh": "已掌握（回忆概率不低于 {percent}%）：已复习 {reviewed} 项中的 {count} 项",
    },
    "practice.weakest_argument": {
        "en": "Weakest argument: {item} ({correct}/{answered}, {percent}%)",
        "zh": "最薄弱的论点：{item}（{correct}/{answered}，{percent}%）",
    },
    "practice.no_weakest_argument": {
        "en": "Weakest argument: none yet (no argument answered wrongly).",
        "zh": "最薄弱的论点：暂无（尚无答错的论点）。",
    },
    "practice.bars_pathway": {"en": "Accuracy per pathway", "zh": "各路径正确率"},
    "practice.bars_argument": {"en": "Accuracy per article argument", "zh": "各文章论点正确率"},
    "practice.html_title": {"en": "Practice statistics", "zh": "练习统计"},
    "practice.html_written": {"en": "Wrote the statistics page to {path}.", "zh": "统计页面已写入 {path}。"},
    "practice.due_list": {"en": "Due items", "zh": "到期内容"},
    "practice.col.item": {"en": "item", "zh": "内容"},
    "practice.col.due": {"en": "due", "zh": "到期"},
    "practice.answer_keys": {
        "en": "(press an option's number to answer at once, or choose with the arrow keys and press Enter)",
        "zh": "（按选项编号即直接作答；或用方向键选择后按回车确认）",
    },
}

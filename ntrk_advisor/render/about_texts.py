"""The `about` screen: its interface texts, the `about.` entries of the translation table.

Loaded by `ntrk_advisor.i18n.t` the first time one of them is asked for; the completeness test
covers them with every other interface text.
"""

from __future__ import annotations

from ntrk_advisor.i18n import Lang

TEXTS: dict[str, dict[Lang, str]] = {
    "about.intended_use": {"en": "Intended use", "zh": "预期用途"},
    "about.users": {"en": "Intended users", "zh": "目标用户"},
    "about.users_text": {
        "en": "Oncologists, surgeons, radiation oncologists, pathologists and trainees preparing an "
        "MDT discussion; scripts and registries evaluating cases in batch.",
        "zh": "肿瘤内科、外科、放疗科、病理科医生及规培/进修医生（用于准备MDT讨论）；"
        "以及批量评估病例的脚本和登记数据库。",
    },
    "about.not_for": {"en": "Not for", "zh": "不适用于"},
    "about.inputs": {"en": "Inputs used", "zh": "使用的输入"},
    "about.inputs_text": {
        "en": "Clinical parameters only: age in years (the only demographic: it decides adult or "
        "pediatric), fusion status, disease setting, treatment phase, response, resectability, "
        "resection margin, recurrence-risk features, progression pattern, emergencies, brain "
        "metastases, resistance mechanism and TRK inhibitors received. Tumour type is shown but "
        "never used for routing. No names, dates of birth, record numbers or other identifiers.",
        "zh": "仅使用临床参数：年龄（唯一的人口学信息，用于区分成人与儿童）、融合状态、疾病分期、"
        "治疗阶段、疗效、可切除性、切缘、复发高危因素、进展模式、急症、脑转移、耐药机制以及已用过的"
        "TRK抑制剂。肿瘤类型仅用于显示，不参与路径判断。不收集姓名、出生日期、病历号或其他身份信息。",
    },
    "about.developer": {"en": "Developer", "zh": "开发者"},
    "about.report": {"en": "Report a problem", "zh": "问题反馈"},
    "about.location": {"en": "Pathway modules in use", "zh": "当前使用的路径模块"},
}

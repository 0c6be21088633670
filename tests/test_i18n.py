"""Every interface text exists in English and Chinese; the build fails when one is missing."""

from __future__ import annotations

from ntrk_advisor.contract.vocabulary import ActionCode, AgeGroup, PathwayName, Status, Strength
from ntrk_advisor.i18n import LANGS, all_texts

UI = all_texts()


def test_every_interface_text_has_both_languages() -> None:
    missing = [(key, lang) for key, texts in UI.items() for lang in LANGS if not texts.get(lang, "").strip()]
    assert missing == []


def test_every_code_has_a_label_in_both_languages() -> None:
    keys = [f"action.{c.value}" for c in ActionCode] + [f"strength.{s.value}" for s in Strength]
    keys += [f"pathway.{p.value}" for p in PathwayName] + [f"status.{s.value}" for s in Status]
    keys += [f"age.{a.value}" for a in AgeGroup]
    assert [k for k in keys if k not in UI] == []


def test_placeholders_match_between_languages() -> None:
    import string

    def fields(text: str) -> set[str]:
        return {f for _, f, _, _ in string.Formatter().parse(text) if f}

    assert [k for k, v in UI.items() if fields(v["en"]) != fields(v["zh"])] == []


def test_each_package_owns_the_texts_of_its_prefix_and_no_other() -> None:
    import importlib

    from ntrk_advisor.i18n import OWNERS

    for prefix, module in OWNERS.items():
        table = importlib.import_module(module).TEXTS
        assert table and all(key.startswith(f"{prefix}.") for key in table), module


def test_a_package_s_texts_are_read_only_when_one_of_them_is_asked_for() -> None:
    import subprocess
    import sys

    probe = (
        "import sys\n"
        "from ntrk_advisor.i18n import t\n"
        "def owned(): return sorted(m for m in sys.modules if m.endswith('texts'))\n"
        "t('title', 'zh'); print(owned())\n"
        "t('cds.answers_needed', 'zh'); print(owned())\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert out.splitlines() == ["[]", "['ntrk_advisor.service.texts']"]


def test_every_usage_error_is_raised_with_a_text_key_so_it_reads_in_both_languages() -> None:
    """A usage or service set-up error names an interface text (and its values), never a sentence:
    the edge words it in the user's language. A literal sentence or an f-string would reach a
    Chinese user in English."""
    import ast
    from pathlib import Path

    import ntrk_advisor
    from ntrk_advisor.i18n import has

    raised = {"UsageError", "ServiceSetupError"}
    wrong: list[str] = []
    for path in Path(ntrk_advisor.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            called = node.func
            name = called.id if isinstance(called, ast.Name) else getattr(called, "attr", None)
            if name not in raised:
                continue
            first = node.args[0]
            where = f"{path.name}:{node.lineno}"
            if isinstance(first, ast.JoinedStr):
                wrong.append(f"{where}: an f-string")
            elif isinstance(first, ast.Constant) and not (isinstance(first.value, str) and has(first.value)):
                wrong.append(f"{where}: {first.value!r} is no interface text")
    assert not wrong, wrong

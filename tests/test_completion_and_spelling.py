"""Completion after a comma and of scenario IDs (U17); "did you mean" for a case file (U19)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ntrk_advisor.api import evaluate
from ntrk_advisor.cli.case_options import complete_value
from ntrk_advisor.cli.practice_options import complete_scenario
from ntrk_advisor.cli.spelling import closest


def test_a_list_flag_completes_its_next_item_after_a_comma() -> None:
    assert complete_value("emergency", "bleeding,sp") == ["bleeding,spinal-cord-compression"]
    assert complete_value("emergency", "bleeding,") == [
        "bleeding,bowel-obstruction",
        "bleeding,spinal-cord-compression",
        "bleeding,airway-compromise",
        "bleeding,impending-fracture",
    ]  # neither what is given already nor "none"
    assert complete_value("emergency", "sp") == ["spinal-cord-compression"]
    assert complete_value("prior_trk_inhibitors", "laro,Entrec") == ["laro,entrectinib"]


def test_a_single_value_flag_completes_as_before() -> None:
    assert complete_value("setting", "lo") == ["locally-advanced"]
    assert complete_value("setting", "a,b") == []


@pytest.mark.slow  # loads the scenario library (about a second)
def test_scenario_ids_complete() -> None:
    ids = complete_scenario("")
    assert len(ids) > 10
    some = ids[0][:4]
    assert complete_scenario(some) and all(i.startswith(some) for i in complete_scenario(some))
    assert complete_scenario("zzz-no-such") == []


def bash_complete(words: str) -> list[str]:
    env = {
        **os.environ,
        "_NTRK_ADVISOR_COMPLETE": "complete_bash",
        "COMP_WORDS": words,
        "COMP_CWORD": str(len(words.split()) - 1),
    }
    done = subprocess.run(
        [sys.executable, "-m", "ntrk_advisor"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return done.stdout.split()


@pytest.mark.slow
def test_the_shell_completes_after_a_comma_and_scenario_ids() -> None:
    assert bash_complete("ntrk-advisor consult --emergency bleeding,sp") == [
        "bleeding,spinal-cord-compression"
    ]
    first = complete_scenario("")[0]
    assert first in bash_complete(f"ntrk-advisor practice -s {first[:3]}")


def test_the_case_file_and_the_flag_share_one_spelling_rule() -> None:
    assert closest("metastatc", ["early", "locally_advanced", "metastatic", "resistant"]) == "metastatic"


@pytest.mark.parametrize(
    ("lang", "said"),
    [("en", "; did you mean 'metastatic'?"), ("zh", "；您是否想输入 'metastatic'")],
)
def test_a_misspelled_value_in_a_case_gets_did_you_mean(lang: str, said: str) -> None:
    result = evaluate({"age_years": 60, "setting": "metastatc", "emergency": ["bleding"]}, lang)  # type: ignore[arg-type]
    messages = {e.field: e.message for e in result.errors}
    assert said in messages["setting"]
    assert "'bleeding'" in messages["emergency.0"]


def test_a_value_far_from_every_choice_gets_no_suggestion() -> None:
    result = evaluate({"age_years": 60, "setting": "xyzzy"}, "en")
    assert "did you mean" not in result.errors[0].message


@pytest.mark.slow
def test_a_case_file_with_a_misspelled_value_says_did_you_mean_at_the_cli(tmp_path: Path) -> None:
    case = tmp_path / "case.json"
    case.write_text(json.dumps({"age_years": 60, "setting": "metastatc"}), encoding="utf-8")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "ntrk_advisor",
            "consult",
            "--case",
            str(case),
            "--no-input",
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 4
    assert "did you mean 'metastatic'?" in done.stdout


# --- the server extra's install hint (U18) ---------------------------------------------------


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_server_extra_hint_names_the_line_for_an_index_and_for_a_clone(lang: str) -> None:
    import tomllib

    from ntrk_advisor.cli.serve import SERVER_EXTRA_MISSING
    from ntrk_advisor.i18n import t

    root = Path(__file__).resolve().parents[1]
    extras = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"][
        "optional-dependencies"
    ]
    assert "server" in extras
    said = t(SERVER_EXTRA_MISSING, lang)  # type: ignore[arg-type]
    assert "pip install 'ntrk-advisor[server]'" in said
    assert "pip install -e '.[server]'" in said
    for page in ("README.md", "docs/service.md"):
        text = (root / page).read_text(encoding="utf-8")
        assert "pip install 'ntrk-advisor[server]'" in text and "pip install -e '.[server]'" in text, page

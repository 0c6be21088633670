"""`ntrk-advisor consult` without prompts: files, flags, formats, languages and exit codes."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import CliRun

Run = Callable[..., CliRun]


def write_case(tmp_path: Path, case: dict[str, Any], name: str = "case.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(case, ensure_ascii=False), encoding="utf-8")
    return path


EXPECTED = {  # id: (status, exit code, pathway)
    "ex-ifs-arm": ("complete", 0, "locally_advanced"),
    "ex-masc-postop": ("complete", 0, "early"),
    "ex-lung-liver-oligo": ("complete", 0, "metastatic"),
    "ex-g595r": ("complete", 0, "resistant"),
    "ex-ihc": ("complete", 0, "diagnostic"),
    "ex-bleeding": ("complete", 0, "metastatic"),
    "ex-incomplete": ("incomplete", 3, "locally_advanced"),
    "ex-typo": ("invalid", 4, None),
}


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("case_id", sorted(EXPECTED))
def test_each_example_prints_one_contract_json_object_with_its_status_and_exit_code(
    run_cli: Run, example_cases: dict[str, Any], tmp_path: Path, case_id: str, lang: str
) -> None:
    path = write_case(tmp_path, example_cases[case_id])
    out = run_cli("consult", "--case", str(path), "--no-input", "--format", "json", "--lang", lang)
    status, code, pathway = EXPECTED[case_id]
    assert out.code == code, out.stderr
    data = out.json
    assert (data["case_id"], data["status"], data.get("pathway")) == (case_id, status, pathway)


def test_typo_is_named_with_a_suggestion(run_cli: Run, example_cases: dict[str, Any], tmp_path: Path) -> None:
    out = run_cli(
        "consult",
        "--case",
        str(write_case(tmp_path, example_cases["ex-typo"])),
        "--no-input",
        "--format",
        "json",
    )
    assert out.json["errors"] == [{"field": "settting", "message": "unknown field; did you mean 'setting'?"}]


def test_flags_fill_and_override_the_case_file(run_cli: Run, tmp_path: Path) -> None:
    path = write_case(
        tmp_path, {"age_years": 9, "fusion_status": "confirmed", "setting": "early", "emergency": []}
    )
    out = run_cli(
        "consult",
        "--case",
        str(path),
        "--setting",
        "Locally-Advanced",
        "--treatment-phase",
        "naive",
        "--tumor-category",
        "Infantile Fibrosarcoma",
        "--no-input",
        "--format",
        "json",
    )
    assert out.code == 0 and out.json["pathway"] == "locally_advanced"


def test_flags_alone_make_a_case(run_cli: Run) -> None:
    out = run_cli(
        "consult",
        "--age",
        "61",
        "--fusion-status",
        "confirmed",
        "--setting",
        "metastatic",
        "--treatment-phase",
        "on_trk_inhibitor",
        "--emergency",
        "none",
        "--cns-disease",
        "none",
        "--toxicity",
        "none-or-manageable",
        "--progression",
        "oligo",
        "--no-input",
        "--format",
        "json",
    )
    assert out.code == 0
    assert [a["action"] for a in out.json["actions"]][:3] == [
        "continue_trk",
        "local_ablative_therapy",
        "next_gen_trk",
    ]


def test_list_flags_take_comma_separated_values(run_cli: Run) -> None:
    out = run_cli(
        "consult",
        "--age",
        "48",
        "--fusion-status",
        "confirmed",
        "--setting",
        "early",
        "--treatment-phase",
        "post_resection",
        "--resection-margin",
        "R0",
        "--high-risk-features",
        "high_grade, close_margin",
        "--emergency",
        "none",
        "--tumor-category",
        "other",
        "--no-input",
        "--format",
        "json",
    )
    assert out.json["trace"][-2] == {
        "node": "early.recurrence_risk",
        "field": "high_risk_features",
        "answer": ["high_grade", "close_margin"],
    }


def test_a_mistyped_flag_value_is_a_one_line_usage_error_with_a_suggestion(run_cli: Run) -> None:
    out = run_cli(
        "consult", "--age", "40", "--fusion-status", "confirmed", "--setting", "metastatc", "--no-input"
    )
    assert (out.code, out.stdout) == (2, "")
    assert out.stderr == (
        "ntrk-advisor: error: --setting 'metastatc' is not valid; did you mean 'metastatic'? "
        "(allowed: early, locally-advanced, metastatic, resistant)\n"
    )


def test_a_flag_value_with_no_near_match_lists_the_allowed_values(run_cli: Run) -> None:
    out = run_cli("consult", "--age", "48", "--fusion-status", "maybe", "--no-input", "--format", "json")
    assert (out.code, out.stdout) == (2, "")
    assert "--fusion-status 'maybe' is not valid (allowed: confirmed, ihc-only," in out.stderr
    assert "did you mean" not in out.stderr


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        (["--resectable-now", "perhaps"], "--resectable-now 'perhaps' is not valid (allowed: yes, no)"),
        (
            ["--emergency", "bleeding,bledding"],
            "--emergency 'bledding' is not valid; did you mean 'bleeding'?",
        ),
        (["--age", "130"], "--age 130: must be below 130"),
    ],
)
def test_every_kind_of_bad_flag_value_is_named_by_its_flag(
    run_cli: Run, flags: list[str], expected: str
) -> None:
    out = run_cli("consult", *flags, "--no-input")
    assert out.code == 2 and expected in out.stderr and out.stderr.count("\n") == 1


def test_a_bad_flag_value_is_worded_in_chinese_with_full_width_punctuation(run_cli: Run) -> None:
    out = run_cli("consult", "--setting", "metastatc", "--no-input", "--lang", "zh")
    assert out.code == 2
    assert (
        "--setting 的取值 'metastatc' 无效；您是否想输入 'metastatic'？（可选值：early、locally-advanced、"
        in out.stderr
    )


def test_a_bad_value_in_a_case_file_is_still_an_invalid_result(run_cli: Run, tmp_path: Path) -> None:
    case = tmp_path / "case.json"
    case.write_text('{"age_years": 48, "fusion_status": "maybe"}', encoding="utf-8")
    out = run_cli("consult", "--case", str(case), "--no-input", "--format", "json")
    assert out.code == 4 and [e["field"] for e in out.json["errors"]] == ["fusion_status"]


def test_no_input_with_missing_answers_is_incomplete(run_cli: Run) -> None:
    out = run_cli("consult", "--age", "48", "--no-input", "--format", "json")
    assert out.code == 3 and out.json["missing"] == ["emergency", "fusion_status"]


def test_without_a_terminal_missing_answers_are_a_one_line_usage_error(run_cli: Run) -> None:
    out = run_cli("consult", "--age", "48", "--format", "json", input="")
    assert out.code == 2 and out.stdout == ""
    assert out.stderr.count("\n") == 1
    assert "--case" in out.stderr and "--no-input" in out.stderr and "batch" in out.stderr


def test_unreadable_case_file_is_a_usage_error(run_cli: Run, tmp_path: Path) -> None:
    out = run_cli("consult", "--case", str(tmp_path / "nope.json"), "--no-input")
    assert out.code == 2 and "cannot read case file" in out.stderr and "Traceback" not in out.stderr


def test_non_json_case_file_is_a_usage_error(run_cli: Run, tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text("age: 3", encoding="utf-8")
    out = run_cli("consult", "--case", str(path), "--no-input")
    assert out.code == 2 and "not JSON" in out.stderr


def test_case_can_come_from_stdin(run_cli: Run) -> None:
    out = run_cli(
        "consult",
        "--case",
        "-",
        "--no-input",
        "--format",
        "json",
        input='{"age_years": 70, "fusion_status": "ihc_only", "emergency": []}',
    )
    assert out.code == 0 and out.json["actions"][0]["action"] == "confirm_fusion"


def test_save_writes_the_case_for_replay(run_cli: Run, tmp_path: Path) -> None:
    saved = tmp_path / "saved.json"
    first = run_cli(
        "consult",
        "--age",
        "70",
        "--fusion-status",
        "IHC only",
        "--no-input",
        "--format",
        "json",
        "--save",
        str(saved),
    )
    assert json.loads(saved.read_text(encoding="utf-8")) == {"age_years": 70, "fusion_status": "ihc_only"}
    again = run_cli("consult", "--case", str(saved), "--no-input", "--format", "json")
    assert again.json == first.json


def test_save_refuses_to_overwrite_the_case_file(run_cli: Run, tmp_path: Path) -> None:
    path = write_case(tmp_path, {"age_years": 70, "fusion_status": "ihc_only"})
    before = path.read_text(encoding="utf-8")
    out = run_cli("consult", "--case", str(path), "--no-input", "--save", str(path))
    assert out.code == 2 and "refusing to write over an input" in out.stderr
    assert path.read_text(encoding="utf-8") == before


def test_markdown_output_has_the_same_content_for_mdt_notes(
    run_cli: Run, example_cases: dict[str, Any], tmp_path: Path
) -> None:
    path = write_case(tmp_path, example_cases["ex-bleeding"])
    out = run_cli("consult", "--case", str(path), "--no-input", "--format", "markdown", "--explain")
    text = out.stdout
    assert text.startswith("# ")
    assert text.index("Urgent local therapy") < text.index("Continue the TRK inhibitor")
    assert "advanced.palliative_local" in text and "· S4" in text
    assert "## References" in text and "## Cautions" in text
    assert (
        "| Pattern of progression on the TRK inhibitor | No progression | `metastatic.progression` |" in text
    )
    assert text.index("## Bottom line") < text.index("## Recommendation")
    assert "Supports, and never replaces" in text


def test_rich_output_shows_strengths_arguments_references_and_intended_use(
    run_cli: Run, example_cases: dict[str, Any], tmp_path: Path
) -> None:
    path = write_case(tmp_path, example_cases["ex-ifs-arm"])
    out = run_cli("consult", "--case", str(path), "--no-input", env={"COLUMNS": "100"})
    for expected in (
        "PREFERRED",
        "pediatric.neoadjuvant_first",
        "dubois-2018-cancer",
        "MDT",
        "version",
        "Not for patients",
    ):
        assert expected in out.stdout, expected


def test_chinese_rich_output_folds_instead_of_cutting(
    run_cli: Run, example_cases: dict[str, Any], tmp_path: Path
) -> None:
    path = write_case(tmp_path, example_cases["ex-ifs-arm"])
    out = run_cli("consult", "--case", str(path), "--no-input", "--lang", "zh", env={"COLUMNS": "40"})
    assert out.code == 0
    assert "…" not in out.stdout
    assert "首选" in out.stdout and "不取代" in out.stdout.replace("\n", "").replace("│", "").replace(" ", "")


def test_language_defaults_from_the_environment(run_cli: Run) -> None:
    out = run_cli(
        "consult",
        "--age",
        "70",
        "--fusion-status",
        "ihc_only",
        "--emergency",
        "none",
        "--no-input",
        "--format",
        "json",
        env={"NTRK_ADVISOR_LANG": "zh"},
    )
    assert any("\u4e00" <= ch <= "\u9fff" for ch in out.json["actions"][0]["summary"])


def test_json_is_never_wrapped_or_marked_up(run_cli: Run) -> None:
    out = run_cli(
        "consult",
        "--age",
        "48",
        "--fusion-status",
        "confirmed",
        "--setting",
        "early",
        "--treatment-phase",
        "post_resection",
        "--resection-margin",
        "r1",
        "--emergency",
        "none",
        "--fit-for-surgery",
        "yes",
        "--no-input",
        "--format",
        "json",
        env={"COLUMNS": "20"},
    )
    assert json.loads(out.stdout)["trace"][-1]["answer"] is True


def test_version_and_help(run_cli: Run) -> None:
    assert run_cli("--version").stdout.startswith("ntrk-advisor ")
    assert "consult" in run_cli("--help").stdout


def test_a_whole_number_age_flag_is_saved_as_an_integer(run_cli: Run, tmp_path: Path) -> None:
    saved = tmp_path / "saved.json"
    run_cli(
        "consult",
        "--age",
        "61",
        "--fusion-status",
        "negative",
        "--no-input",
        "--format",
        "json",
        "--save",
        str(saved),
    )
    assert saved.read_text(encoding="utf-8").count('"age_years": 61,') == 1


def test_help_lists_the_contract_values_of_every_case_field_option() -> None:
    import typer

    from ntrk_advisor.cli.app import app
    from ntrk_advisor.contract.fields import FIELD_SPECS

    consult = typer.main.get_command(app).commands["consult"]  # type: ignore[attr-defined]
    helps = {param.name: param.help for param in consult.params}
    for name, spec in FIELD_SPECS.items():
        if name not in helps:
            continue
        if spec.values is not None:
            listed = helps[name].removeprefix("Comma-separated, or 'none': ").rstrip(".").split(", ")
            assert listed == [member.value.replace("_", "-") for member in spec.values], name
        elif spec.kind == "bool":
            assert helps[name] == "yes or no.", name

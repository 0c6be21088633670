"""`ntrk-advisor batch`: input shapes, output formats, ordering, never-silent rows, exit codes."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ntrk_advisor.i18n import t
from tests.conftest import EXAMPLES, CliRun
from tests.fhir_support import TODAY

Run = Callable[..., CliRun]
IHC = {"age_years": 70, "fusion_status": "ihc_only", "emergency": []}
EARLY = {
    "age_years": 40,
    "fusion_status": "confirmed",
    "setting": "early",
    "treatment_phase": "naive",
    "emergency": [],
    "fit_for_surgery": True,
}


def lines_of(out: CliRun) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.stdout.splitlines() if line.strip()]


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_the_examples_give_eight_results_in_order_and_exit_4(run_cli: Run) -> None:
    out = run_cli("batch", str(EXAMPLES), "--format", "jsonl", "--quiet")
    results = lines_of(out)
    assert out.code == 4
    assert [(r["case_id"], r["status"]) for r in results] == [
        ("ex-ifs-arm", "complete"),
        ("ex-masc-postop", "complete"),
        ("ex-lung-liver-oligo", "complete"),
        ("ex-g595r", "complete"),
        ("ex-ihc", "complete"),
        ("ex-bleeding", "complete"),
        ("ex-incomplete", "incomplete"),
        ("ex-typo", "invalid"),
    ]


def test_batch_results_equal_single_consults(run_cli: Run, tmp_path: Path) -> None:
    batch = lines_of(run_cli("batch", str(EXAMPLES), "--format", "jsonl", "--quiet", "--lang", "zh"))
    for line, result in zip(EXAMPLES.read_text(encoding="utf-8").splitlines(), batch, strict=True):
        single = run_cli(
            "consult",
            "--case",
            str(write(tmp_path, "c.json", line)),
            "--no-input",
            "--format",
            "json",
            "--lang",
            "zh",
        ).json
        assert single == result


def test_mixed_file_keeps_order_and_names_file_and_line(run_cli: Run, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "mixed.jsonl",
        "\n".join(
            [
                json.dumps(IHC),
                "",
                '{"age_years": 40, "fusion_status": "confirmed"}',
                '{"age_years": "old"}',
                '{"age_years": 5, "fusion_status": ',
                "   ",
                json.dumps({**EARLY, "id": "mine"}),
            ]
        )
        + "\n",
    )
    results = lines_of(run_cli("batch", str(path), "--format", "jsonl", "-q"))
    assert [(r["case_id"], r["status"]) for r in results] == [
        (f"{path}:1", "complete"),
        (f"{path}:3", "incomplete"),
        (f"{path}:4", "invalid"),
        (f"{path}:5", "invalid"),
        ("mine", "complete"),
    ]
    assert results[3]["errors"][0]["field"] == "case"
    assert results[3]["errors"][0]["message"].startswith("not valid JSON")
    assert all(r["actions"] or r["missing"] or r["errors"] for r in results)  # never an empty row


def test_invalid_record_keeps_its_own_id(run_cli: Run, tmp_path: Path) -> None:
    path = write(tmp_path, "one.jsonl", json.dumps({"id": "k-7", "age_years": -3}) + "\n")
    (result,) = lines_of(run_cli("batch", str(path), "-q"))
    assert result["case_id"] == "k-7" and result["errors"][0]["field"] == "age_years"


def test_json_array_input_uses_the_index_as_default_id(run_cli: Run, tmp_path: Path) -> None:
    path = write(tmp_path, "cases.json", json.dumps([IHC, {**EARLY, "id": "x"}, "junk"], indent=2))
    results = lines_of(run_cli("batch", str(path), "-q"))
    assert [(r["case_id"], r["status"]) for r in results] == [
        (f"{path}[0]", "complete"),
        ("x", "complete"),
        (f"{path}[2]", "invalid"),
    ]


def test_single_pretty_printed_object_is_one_case(run_cli: Run, tmp_path: Path) -> None:
    path = write(tmp_path, "one.json", json.dumps(IHC, indent=2))
    (result,) = lines_of(run_cli("batch", str(path), "-q"))
    assert result["status"] == "complete" and result["case_id"] == f"{path}:1"


def test_input_format_can_be_forced(run_cli: Run, tmp_path: Path) -> None:
    path = write(tmp_path, "cases.txt", json.dumps(IHC) + "\n" + json.dumps(EARLY) + "\n")
    assert len(lines_of(run_cli("batch", str(path), "--input-format", "jsonl", "-q"))) == 2
    forced = run_cli("batch", str(path), "--input-format", "json", "-q")
    assert forced.code == 2 and "not JSON" in forced.stderr  # two objects are not one JSON document


def test_several_files_are_read_in_order(run_cli: Run, tmp_path: Path) -> None:
    a = write(tmp_path, "a.jsonl", json.dumps({**IHC, "id": "a"}) + "\n")
    b = write(tmp_path, "b.json", json.dumps([{**IHC, "id": "b"}]))
    assert [r["case_id"] for r in lines_of(run_cli("batch", str(a), str(b), str(a), "-q"))] == ["a", "b", "a"]


def test_stdin_is_read_with_a_dash(run_cli: Run) -> None:
    out = run_cli("batch", "-", "-q", input=json.dumps(IHC) + "\n" + json.dumps(EARLY) + "\n")
    assert out.code == 0 and [r["case_id"] for r in lines_of(out)] == ["<stdin>:1", "<stdin>:2"]


def test_unreadable_file_is_a_one_line_usage_error(run_cli: Run, tmp_path: Path) -> None:
    out = run_cli("batch", str(tmp_path / "missing.jsonl"))
    assert out.code == 2 and out.stdout == "" and out.stderr.count("\n") == 1


def test_a_file_that_is_not_json_at_all_is_a_usage_error(run_cli: Run, tmp_path: Path) -> None:
    out = run_cli("batch", str(write(tmp_path, "notes.txt", "age,fusion\n3,confirmed\n")))
    assert out.code == 2 and "not JSON" in out.stderr


def test_exit_codes(run_cli: Run, tmp_path: Path) -> None:
    complete = write(tmp_path, "c.jsonl", json.dumps(IHC) + "\n")
    incomplete = write(tmp_path, "i.jsonl", json.dumps(IHC) + "\n" + '{"age_years": 3}\n')
    assert run_cli("batch", str(complete), "-q").code == 0
    assert run_cli("batch", str(incomplete), "-q").code == 3
    assert run_cli("batch", str(EXAMPLES), "-q").code == 4


def test_compact_drops_texts_and_keeps_codes(run_cli: Run) -> None:
    results = lines_of(run_cli("batch", str(EXAMPLES), "--compact", "-q"))
    first = results[0]
    assert "cautions" not in first
    assert set(first["actions"][0]) == {
        "action",
        "strength",
        "order",
        "arguments",
        "evidence",
        "evidence_level",
        "review",  # a code and names, no text: kept
    }
    assert results[6]["missing"] == ["treatment_phase"] and results[7]["errors"]


def test_json_format_is_one_array(run_cli: Run) -> None:
    data = json.loads(run_cli("batch", str(EXAMPLES), "--format", "json", "-q").stdout)
    assert isinstance(data, list) and len(data) == 8


def test_empty_input_gives_an_empty_array_and_exit_0(run_cli: Run) -> None:
    out = run_cli("batch", "-", "--format", "json", "-q", input="")
    assert out.code == 0 and json.loads(out.stdout) == []


def test_csv_has_one_row_per_case_with_actions_as_code_strength(run_cli: Run) -> None:
    """Each action is `code:strength`, followed by `:status` when no clinician approved it as it is."""
    rows = list(csv.DictReader(io.StringIO(run_cli("batch", str(EXAMPLES), "--format", "csv", "-q").stdout)))
    assert len(rows) == 8
    assert rows[0]["actions"] == (
        "neoadjuvant_trk:preferred:unreviewed; surgery_at_max_response:recommended:unreviewed; "
        "mdt_review:recommended:unreviewed"
    )
    assert rows[6]["missing"] == "treatment_phase"
    assert rows[7]["errors"] == "settting: unknown field; did you mean 'setting'?"


@pytest.mark.parametrize("evil", ['=HYPERLINK("http://x")', "+1+1", "-2", "@SUM(A1)"])
def test_csv_cells_cannot_become_formulas(run_cli: Run, tmp_path: Path, evil: str) -> None:
    path = write(tmp_path, "evil.jsonl", json.dumps({**IHC, "id": evil}) + "\n")
    (row,) = list(csv.DictReader(io.StringIO(run_cli("batch", str(path), "--format", "csv", "-q").stdout)))
    assert row["case_id"] == "'" + evil


def test_markdown_and_table_formats_show_the_same_columns(run_cli: Run) -> None:
    md = run_cli("batch", str(EXAMPLES), "--format", "markdown", "-q").stdout
    assert (
        md.splitlines()[0]
        == "| case_id | status | pathway | age_group | actions | missing | unused_answers | errors |"
    )
    assert len(md.splitlines()) == 10
    table = run_cli("batch", str(EXAMPLES), "--format", "table", "-q", env={"COLUMNS": "200"}).stdout
    assert "ex-masc-postop" in table and "adjuvant_trk (individualized)" in table


def test_table_folds_chinese_errors_on_a_narrow_terminal(run_cli: Run) -> None:
    out = run_cli("batch", str(EXAMPLES), "--format", "table", "--lang", "zh", "-q", env={"COLUMNS": "60"})
    assert "…" not in out.stdout and "未知" in out.stdout


def test_output_file_is_written_atomically_and_stdout_stays_empty(run_cli: Run, tmp_path: Path) -> None:
    target = tmp_path / "out.jsonl"
    out = run_cli("batch", str(EXAMPLES), "--output", str(target), "-q")
    assert out.stdout == ""
    assert len(target.read_text(encoding="utf-8").splitlines()) == 8
    assert [p.name for p in tmp_path.iterdir()] == ["out.jsonl"]  # no temporary file left behind


def test_output_is_not_replaced_when_the_run_fails(run_cli: Run, tmp_path: Path) -> None:
    target = write(tmp_path, "out.jsonl", "previous\n")
    out = run_cli("batch", str(EXAMPLES), str(tmp_path / "missing.jsonl"), "--output", str(target), "-q")
    assert out.code == 2
    assert target.read_text(encoding="utf-8") == "previous\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.jsonl"]


def test_batch_refuses_to_write_over_an_input(run_cli: Run, tmp_path: Path) -> None:
    source = write(tmp_path, "cases.jsonl", json.dumps(IHC) + "\n")
    out = run_cli("batch", str(source), "--output", str(source))
    assert out.code == 2 and "refusing to write over an input" in out.stderr
    assert source.read_text(encoding="utf-8") == json.dumps(IHC) + "\n"


def test_summary_on_stderr_counts_status_pathway_and_action(run_cli: Run) -> None:
    out = run_cli("batch", str(EXAMPLES))
    assert out.stderr.startswith("8 cases in")
    # a small table: status, pathway and action side by side, each code whole with its count
    rows = [re.split(r"\s{2,}", line.strip()) for line in out.stderr.splitlines()[1:]]
    assert rows[0] == ["by status", "by pathway", "by action"]
    assert rows[2] == ["complete", "6", "locally_advanced", "2", "mdt_review", "6"]
    cells = re.findall(r"([a-z_]+) +([0-9,]+)", out.stderr)
    assert {"complete": "6", "incomplete": "1", "invalid": "1"}.items() <= dict(cells).items()
    assert ("metastatic", "2") in cells and ("mdt_review", "6") in cells
    assert max(len(line) for line in out.stderr.splitlines()) <= 80
    assert "cases in" not in out.stdout


def test_quiet_suppresses_the_summary(run_cli: Run) -> None:
    assert run_cli("batch", str(EXAMPLES), "-q").stderr == ""


def test_piped_run_has_no_progress_bar_and_pure_jsonl_stdout() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "ntrk_advisor", "batch", str(EXAMPLES)],
        capture_output=True,
        text=True,
        env={**os.environ, "TERM": "xterm"},
    )
    assert done.returncode == 4
    first = done.stdout.splitlines()[0]
    assert json.loads(first)["case_id"] == "ex-ifs-arm"
    assert "\r" not in done.stderr and "\x1b" not in done.stderr and "\x1b" not in done.stdout


def test_oversized_line_is_an_invalid_record_and_the_rest_go_on(run_cli: Run, tmp_path: Path) -> None:
    big = json.dumps({**IHC, "tumor_type": "x" * 1_100_000})
    path = write(tmp_path, "big.jsonl", big + "\n" + json.dumps(IHC) + "\n")
    results = lines_of(run_cli("batch", str(path), "-q"))
    assert [r["status"] for r in results] == ["invalid", "complete"]
    assert results[0]["case_id"] == f"{path}:1" and "larger than" in results[0]["errors"][0]["message"]


def test_deep_nesting_is_rejected_cleanly(run_cli: Run, tmp_path: Path) -> None:
    path = write(
        tmp_path, "deep.jsonl", '{"age_years": ' + "[" * 5000 + "]" * 5000 + "}\n" + json.dumps(IHC) + "\n"
    )
    results = lines_of(run_cli("batch", str(path), "-q"))
    assert [r["status"] for r in results] == ["invalid", "complete"]


def test_invalid_utf8_is_an_invalid_record(run_cli: Run, tmp_path: Path) -> None:
    path = tmp_path / "bytes.jsonl"
    path.write_bytes(b'{"age_years": 3, "tumor_type": "\xff\xfe"}\n' + json.dumps(IHC).encode() + b"\n")
    results = lines_of(run_cli("batch", str(path), "-q"))
    assert [r["status"] for r in results] == ["invalid", "complete"]


def test_line_numbers_count_blank_lines_before_the_first_record(run_cli: Run, tmp_path: Path) -> None:
    path = write(tmp_path, "gap.jsonl", "\n\n" + json.dumps(IHC) + "\n\n" + json.dumps(IHC))
    assert [r["case_id"] for r in lines_of(run_cli("batch", str(path), "-q"))] == [f"{path}:3", f"{path}:5"]


@pytest.mark.slow  # 5,007 cases
def test_the_table_format_draws_at_most_its_limit_and_says_how_many_it_left_out(
    run_cli: Run, tmp_path: Path
) -> None:
    from ntrk_advisor.batch.job import TABLE_ROWS

    path = write(tmp_path, "many.jsonl", (json.dumps(IHC) + "\n") * (TABLE_ROWS + 7))
    out = run_cli("batch", str(path), "--format", "table", "-q")
    assert out.code == 0
    assert f"The table shows the first {TABLE_ROWS:,} cases; 7 more were evaluated" in " ".join(
        out.stdout.split()
    )


def test_a_json_array_is_streamed_and_a_duplicate_key_in_one_item_spoils_only_that_item(
    run_cli: Run, tmp_path: Path
) -> None:
    text = (
        "["
        + json.dumps(IHC)
        + ', {"age_years": 5, "age_years": 50, "fusion_status": "ihc_only"}, '
        + json.dumps(IHC)
        + "]"
    )
    path = write(tmp_path, "cases.json", text)
    results = lines_of(run_cli("batch", str(path), "-q"))
    assert [r["status"] for r in results] == ["complete", "invalid", "complete"]
    assert (
        results[1]["errors"][0]["field"] == "age_years"
        and "more than once" in results[1]["errors"][0]["message"]
    )


def test_an_array_that_breaks_off_keeps_the_items_before_and_names_where_it_broke(
    run_cli: Run, tmp_path: Path
) -> None:
    path = write(tmp_path, "cases.json", "[" + json.dumps(IHC) + ", " + json.dumps(IHC) + ', {"age_years": ')
    out = run_cli("batch", str(path), "-q")
    results = lines_of(out)
    assert [(r["case_id"], r["status"]) for r in results] == [
        (f"{path}[0]", "complete"),
        (f"{path}[1]", "complete"),
        (f"{path}[2]", "invalid"),
    ]
    assert "the array breaks off here" in results[2]["errors"][0]["message"] and out.code == 4


def test_a_jsonl_file_with_a_broken_first_line_is_read_line_by_line(run_cli: Run, tmp_path: Path) -> None:
    path = write(
        tmp_path, "cases.jsonl", '{"age_years": 3, \n' + json.dumps(IHC) + "\n" + json.dumps(IHC) + "\n"
    )
    results = lines_of(run_cli("batch", str(path), "-q"))
    assert [(r["case_id"], r["status"]) for r in results] == [
        (f"{path}:1", "invalid"),
        (f"{path}:2", "complete"),
        (f"{path}:3", "complete"),
    ]


def test_the_summary_writes_counts_as_the_progress_does_with_thousands_separated(
    run_cli: Run, tmp_path: Path
) -> None:
    path = write(tmp_path, "many.jsonl", (json.dumps(IHC) + "\n") * 1200)
    for lang in ("en", "zh"):
        summary = run_cli("batch", str(path), "--lang", lang).stderr
        assert ("1,200 cases in" if lang == "en" else "共 1,200 例") in summary
        cells = dict(re.findall(r"([a-z_]+) +([0-9,]+)", summary))
        assert cells["complete"] == cells["diagnostic"] == cells["confirm_fusion"] == "1,200"
        assert "1200" not in summary


def table_items(lang: str, *files: Path) -> list[Any]:
    from ntrk_advisor.batch.runner import BatchEvaluator, BatchStats
    from ntrk_advisor.batch.sources import read_records
    from ntrk_advisor.pathway.knowledge import load_knowledge_base

    evaluator = BatchEvaluator(load_knowledge_base(), lang, today=TODAY)  # type: ignore[arg-type]
    return list(evaluator.run(read_records([str(f) for f in files]), BatchStats()))


def drawn(items: list[Any], lang: str, width: int) -> list[str]:
    from rich.console import Console

    from ntrk_advisor.batch.table import BatchTable

    out = io.StringIO()
    Console(width=width, file=out, color_system=None).print(BatchTable(items, lang))  # type: ignore[arg-type]
    return out.getvalue().splitlines()


def whole(code: str, lines: list[str]) -> int:
    """How often `code` appears on a line as a whole code (not inside a longer one)."""
    pattern = re.compile(rf"(?<![\w-]){re.escape(code)}(?![\w-])")
    return sum(len(pattern.findall(line)) for line in lines)


@pytest.mark.parametrize("width", [80, 120])
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_table_never_splits_a_code_across_lines(width: int, lang: str) -> None:
    items = table_items(lang, EXAMPLES, EXAMPLES.parent / "clinical-v2.jsonl")
    lines = drawn(items, lang, width)
    assert max(len(line.rstrip()) for line in lines) <= width
    expected: dict[str, int] = {}
    for item in items:
        s = item.summary
        if lang == "zh":  # the codes are shown as their labels (U14), each whole on its line
            codes = [item.case_id, t(f"status.{s.status}", "zh"), t(f"age.{s.age_group}", "zh")]
            codes += [t(f"pathway.{s.pathway}", "zh")] if s.pathway else []
            codes += [f"{t(f'action.{c}', 'zh')}（{t(f'strength.{g}', 'zh')}）" for c, g in s.actions]
        else:
            codes = [item.case_id, s.status, s.pathway, s.age_group, *(c for c, _ in s.actions)]
            codes += [strength for _, strength in s.actions]
        codes += [*s.missing, *s.unused, *(f for f, _ in s.errors)]
        for code in codes:
            if code:
                expected[code] = expected.get(code, 0) + 1
    for code, count in expected.items():
        assert whole(code, lines) >= count, (code, width, lang)  # each one shown whole, every time
    one_line = "surgery_at_max_response (recommended)" if lang == "en" else "最大缓解时手术（推荐）"
    assert any(one_line in line for line in lines)  # one action a line


def test_the_chinese_table_shows_labels_and_every_other_format_keeps_the_codes(run_cli: Run) -> None:
    table = run_cli("batch", str(EXAMPLES), "--format", "table", "--lang", "zh", "-q", env={"COLUMNS": "200"})
    for label in ("完整", "不完整", "无效", "局部晚期", "新辅助TRK抑制剂（首选）"):
        assert label in table.stdout
    for code in ("complete", "locally_advanced", "neoadjuvant_trk", "preferred"):
        assert whole(code, table.stdout.splitlines()) == 0, code
    english = run_cli("batch", str(EXAMPLES), "--format", "table", "-q", env={"COLUMNS": "200"})
    assert "neoadjuvant_trk (preferred)" in english.stdout
    jsonl = lines_of(run_cli("batch", str(EXAMPLES), "--lang", "zh", "-q"))
    assert {r["status"] for r in jsonl} == {"complete", "incomplete", "invalid"}
    assert "locally_advanced" in {r["pathway"] for r in jsonl}
    rows = list(
        csv.DictReader(
            io.StringIO(run_cli("batch", str(EXAMPLES), "--format", "csv", "--lang", "zh", "-q").stdout)
        )
    )
    assert {r["status"] for r in rows} == {"complete", "incomplete", "invalid"}


def test_the_table_draws_the_optional_columns_only_when_some_row_fills_them() -> None:
    complete_only = [item for item in table_items("en", EXAMPLES) if item.summary.status == "complete"]
    header = " ".join(drawn(complete_only, "en", 200)[:1])
    assert header.split() == ["case_id", "status", "pathway", "age_group", "actions"]
    header = " ".join(drawn(table_items("en", EXAMPLES), "en", 200)[:1])
    assert header.split() == ["case_id", "status", "pathway", "age_group", "actions", "missing", "errors"]


def test_the_table_headers_follow_the_language(run_cli: Run) -> None:
    out = run_cli("batch", str(EXAMPLES), "--format", "table", "--lang", "zh", "-q", env={"COLUMNS": "200"})
    header = out.stdout.splitlines()[0].split()
    assert header == ["病例编号", "状态", "路径", "年龄组", "措施", "缺少的回答", "问题"]
    assert "case_id" not in out.stdout


def test_wrapping_breaks_at_spaces_and_between_chinese_characters_never_inside_a_code() -> None:
    from rich.cells import cell_len

    from ntrk_advisor.render.wrapping import widest_unit, wrap

    text = "取值必须是：locally_advanced, metastatic 或 early"
    lines = wrap(text, 20)
    assert all(cell_len(line) <= 20 for line in lines)
    assert any("locally_advanced," in line for line in lines)  # rich would fold it mid-code here
    assert not any(line.startswith("：") for line in lines)  # closing punctuation stays with its text
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")
    assert widest_unit(text) == cell_len("locally_advanced,")
    assert wrap("surgery_at_max_response (recommended)", 30) == ["surgery_at_max_response", "(recommended)"]
    assert wrap("abcdef", 4) == ["abcd", "ef"]  # only a code wider than the line is folded

"""A command starts with the cyclic garbage collector paused (`cli/startup.py`), and it always runs
again afterwards: a long batch or a server must never be left without it."""

from __future__ import annotations

import gc
import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from ntrk_advisor.cli.startup import collector_paused

CASE = {
    "age_years": 0.5,
    "fusion_status": "confirmed",
    "setting": "locally_advanced",
    "treatment_phase": "naive",
}


@pytest.fixture(autouse=True)
def collector_running() -> Iterator[None]:
    gc.enable()
    yield
    gc.enable()


def test_the_collector_is_paused_inside_and_runs_again_after() -> None:
    with collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_the_collector_runs_again_when_the_block_fails() -> None:
    with pytest.raises(RuntimeError), collector_paused():
        raise RuntimeError("start-up failed")
    assert gc.isenabled()


def test_a_collector_paused_by_someone_else_stays_paused() -> None:
    gc.disable()
    with collector_paused():
        pass
    assert not gc.isenabled()


def test_a_consult_leaves_the_collector_running(run_cli: Callable[..., object], tmp_path: Path) -> None:
    case = tmp_path / "case.json"
    case.write_text(json.dumps(CASE), encoding="utf-8")
    run_cli("consult", "--case", str(case), "--no-input", "--format", "json")
    assert gc.isenabled()


def test_a_batch_leaves_the_collector_running(run_cli: Callable[..., object], tmp_path: Path) -> None:
    case = tmp_path / "case.json"
    case.write_text(json.dumps(CASE), encoding="utf-8")
    run_cli("batch", str(case), "--format", "jsonl", "--quiet", "--no-progress")
    assert gc.isenabled()


def test_a_consult_whose_knowledge_fails_to_load_leaves_the_collector_running(
    run_cli: Callable[..., object], tmp_path: Path
) -> None:
    case = tmp_path / "case.json"
    case.write_text(json.dumps(CASE), encoding="utf-8")
    empty = tmp_path / "no-pathways"
    empty.mkdir()
    run_cli("--pathways-dir", str(empty), "consult", "--case", str(case), "--no-input", "--format", "json")
    assert gc.isenabled()


def test_the_cli_process_runs_its_command_with_the_collector_on_and_its_start_up_frozen() -> None:
    # cli/entry.py: what typer and the CLI's modules allocated is moved out of the collector's way
    code = (
        "import gc\n"
        "from ntrk_advisor.cli.entry import main\n"
        "code = main(['--help'])\n"
        "print(code, gc.isenabled(), gc.get_freeze_count() > 0)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.splitlines()[-1] == "0 True True"


def test_a_command_reaches_typer_with_its_annotations_already_evaluated() -> None:
    # cli/edge.at_the_edge: typer would evaluate each annotation's text four times per build
    import inspect

    import typer

    from ntrk_advisor.cli.consult import consult

    assert [name for name, value in consult.__annotations__.items() if isinstance(value, str)] == []
    assert inspect.signature(consult).parameters["ctx"].annotation is typer.Context

"""The knowledge cache can never run code, never serve tampered advice, and never hang or litter.

Regression tests for the reliability review's H1 (a planted pickle ran as the next user), H2 (a
tampered cache was trusted as the built-in knowledge) and its cache findings (FIFO hang, orphan
temporary files on a full disk or with a folder in the file's place).
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import pickle
import re
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any

import pytest

from ntrk_advisor import evaluate
from ntrk_advisor.pathway import compiled_cache
from ntrk_advisor.pathway.compiled_codec import LAYOUT, CorruptLayer, from_data, to_data
from ntrk_advisor.pathway.knowledge import (
    CATALOGUE_FILES,
    PATHWAY_FILES,
    KnowledgeBase,
    builtin_source,
    load_knowledge_base,
)

PACKAGE = Path(compiled_cache.__file__).resolve().parent.parent
EARLY_NAIVE = {
    "id": "c",
    "age_years": 50,
    "fusion_status": "confirmed",
    "setting": "early",
    "treatment_phase": "naive",
    "emergency": [],
    "fit_for_surgery": True,
}


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    folder.mkdir(mode=0o700)
    monkeypatch.setenv(compiled_cache.CACHE_ENV, str(folder))
    monkeypatch.delenv(compiled_cache.NO_CACHE_ENV, raising=False)
    return folder


def builtin_key() -> str:
    texts = {
        name: builtin_source().joinpath(name).read_text(encoding="utf-8")
        for name in CATALOGUE_FILES + PATHWAY_FILES
    }
    return compiled_cache.key_of(texts, builtin=True)


def cache_file(folder: Path) -> Path:
    return folder / compiled_cache.file_name(builtin_key())


class Planted:
    """A pickle that creates a marker file when unpickled: what an attacker would plant."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Any, ...]:
        return (os.system, (f"touch {self.marker}",))


def consult_in_a_process(folder: Path, case: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, compiled_cache.CACHE_ENV: str(folder)}
    env.pop(compiled_cache.NO_CACHE_ENV, None)
    return subprocess.run(
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
        env=env,
        timeout=60,
    )


def surgery_strength(kb: KnowledgeBase) -> str:
    result = evaluate(EARLY_NAIVE, knowledge=kb)
    return next(a.strength.value for a in result.actions if a.action.value == "surgery")


def test_a_planted_pickle_never_runs_in_a_real_consult(cache_dir: Path, tmp_path: Path) -> None:
    marker = tmp_path / "PWNED"
    payload = pickle.dumps(Planted(marker))
    key = builtin_key()
    for name in (f"knowledge-{key}.pickle", compiled_cache.file_name(key)):  # the old name and the new
        (cache_dir / name).write_bytes(payload)
    case = tmp_path / "case.json"
    case.write_text(json.dumps(EARLY_NAIVE), encoding="utf-8")
    done = consult_in_a_process(cache_dir, case)
    assert done.returncode == 0, done.stderr
    assert not marker.exists()
    assert json.loads(done.stdout)["status"] == "complete"
    assert not (cache_dir / f"knowledge-{key}.pickle").exists()  # old pickles are tidied away


def test_the_package_holds_no_code_that_can_deserialise_objects() -> None:
    dangerous = re.compile(
        r"^\s*(import|from)\s+(pickle|marshal|shelve|dill|cloudpickle)\b|\b(eval|exec)\(", re.M
    )
    offenders = [
        str(p.relative_to(PACKAGE))
        for p in PACKAGE.rglob("*.py")
        if dangerous.search(p.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_the_cache_file_is_plain_json_with_a_header_that_vouches_for_the_body(cache_dir: Path) -> None:
    load_knowledge_base()
    head, _, body = cache_file(cache_dir).read_bytes().partition(b"\n")
    header = json.loads(head)
    assert header["key"] == builtin_key()
    assert header["sha256"] == hashlib.sha256(body).hexdigest() and header["bytes"] == len(body)
    assert json.loads(body)["layout"] == LAYOUT


def test_a_tampered_body_is_rebuilt_and_the_built_in_advice_stands(cache_dir: Path) -> None:
    """H2: surgery for early disease turned from preferred to not recommended, header left as it was."""
    load_knowledge_base()
    path = cache_file(cache_dir)
    tampered = path.read_bytes().replace(
        b'["surgery.early_definitive","preferred"', b'["surgery.early_definitive","not_recommended"'
    )
    assert tampered != path.read_bytes()
    path.write_bytes(tampered)
    assert surgery_strength(load_knowledge_base()) == "preferred"
    assert path.read_bytes() != tampered  # rebuilt and written afresh


def test_a_file_whose_header_claims_another_key_is_not_used(cache_dir: Path, pathways_copy: Path) -> None:
    knowledge = pathways_copy / "knowledge.yaml"
    knowledge.write_text(
        knowledge.read_text(encoding="utf-8").replace("ntrk-advisor built-in pathways", "Clinic"),
        encoding="utf-8",
    )
    load_knowledge_base(pathways_copy)
    (local,) = cache_dir.glob("knowledge-*.json")
    local.rename(cache_file(cache_dir))  # a local copy's layer put under the built-in's name
    assert load_knowledge_base().stamp.name == "ntrk-advisor built-in pathways"


def test_a_well_hashed_body_with_a_wrong_structure_is_rebuilt(cache_dir: Path) -> None:
    load_knowledge_base()
    path = cache_file(cache_dir)
    head, _, body = path.read_bytes().partition(b"\n")
    data = json.loads(body)
    data["nodes"][0]["bundle"] = {"actions": [["x", "garbage", 1]], "cautions": []}
    new_body = json.dumps(data).encode()
    header = json.loads(head) | {"sha256": hashlib.sha256(new_body).hexdigest(), "bytes": len(new_body)}
    path.write_bytes(json.dumps(header).encode() + b"\n" + new_body)
    assert load_knowledge_base().stamp.name == "ntrk-advisor built-in pathways"
    assert json.loads(path.read_bytes().partition(b"\n")[2]) != data


@pytest.mark.parametrize(
    "damage",
    [
        lambda d: d.update(layout=99),
        lambda d: d.update(entry="diagnostic.nowhere"),
        lambda d: d["nodes"][0].update(next="diagnostic.nowhere"),
        lambda d: d["nodes"][0].update(kind="python"),
        lambda d: d["statement_bodies"][0].__setitem__(1, {"not": "text"}),
        lambda d: d["statement_bodies"][0][2].append(7),
        lambda d: d["statement_bodies"][0].__setitem__(0, "operate_at_once"),
        lambda d: d["statements"][0].__setitem__(1, "fr"),
        lambda d: d["statements"][0].__setitem__(3, len(d["statement_bodies"])),
        lambda d: d["statements"][0].__setitem__(3, -1),
        lambda d: d["works"].update(x=["citation", "1999", None, True]),
        lambda d: d.pop("prompts"),
    ],
    ids=[
        "layout",
        "entry",
        "link",
        "kind",
        "text",
        "bullet",
        "action",
        "language",
        "no-wording",
        "wording-from-the-end",
        "year",
        "missing-part",
    ],
)
def test_the_codec_refuses_anything_out_of_place(kb: Any, damage: Any) -> None:
    data = json.loads(json.dumps(to_data(kb.layer)))
    damage(data)
    with pytest.raises(CorruptLayer):
        from_data(data)


def test_the_codec_round_trips_the_layer_exactly(kb: Any) -> None:
    data = json.loads(json.dumps(to_data(kb.layer)))
    assert to_data(from_data(data)) == to_data(kb.layer)


def test_a_folder_others_can_write_to_is_not_used_and_one_warning_says_so(
    cache_dir: Path, tmp_path: Path
) -> None:
    cache_dir.chmod(0o777)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        load_knowledge_base()
    assert [w.category for w in caught] == [compiled_cache.UnsafeCacheWarning]
    assert list(cache_dir.iterdir()) == []
    case = tmp_path / "case.json"
    case.write_text(json.dumps(EARLY_NAIVE), encoding="utf-8")
    done = consult_in_a_process(cache_dir, case)
    assert done.returncode == 0
    assert done.stderr.splitlines() == [
        f"ntrk-advisor: warning: not using the knowledge cache {cache_dir}: it is a folder others can write to (mode 777)"
    ]
    assert list(cache_dir.iterdir()) == []


@pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() != 0, reason="needs root to give a folder away"
)
def test_a_folder_of_another_user_is_not_used(cache_dir: Path) -> None:
    os.chown(cache_dir, 65534, 65534)
    with pytest.warns(compiled_cache.UnsafeCacheWarning, match="belongs to another user"):
        load_knowledge_base()
    assert list(cache_dir.iterdir()) == []


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="needs root to give a file away")
def test_a_file_of_another_user_is_not_read(cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    load_knowledge_base()
    os.chown(cache_file(cache_dir), 65534, 65534)
    assert compiled_cache.load(builtin_key()) is None


def test_a_linked_cache_file_is_not_followed(cache_dir: Path, tmp_path: Path) -> None:
    load_knowledge_base()
    real = tmp_path / "elsewhere.json"
    cache_file(cache_dir).rename(real)
    cache_file(cache_dir).symlink_to(real)
    assert compiled_cache.load(builtin_key()) is None


def test_a_fifo_at_the_cache_path_never_hangs(cache_dir: Path, tmp_path: Path) -> None:
    os.mkfifo(cache_file(cache_dir))
    case = tmp_path / "case.json"
    case.write_text(json.dumps(EARLY_NAIVE), encoding="utf-8")
    done = consult_in_a_process(cache_dir, case)  # times out (and fails) if the open blocks
    assert done.returncode == 0 and json.loads(done.stdout)["status"] == "complete"


def test_a_folder_in_the_files_place_leaves_no_temporary_file(cache_dir: Path) -> None:
    cache_file(cache_dir).mkdir()
    load_knowledge_base()
    load_knowledge_base()
    assert sorted(p.name for p in cache_dir.iterdir()) == [cache_file(cache_dir).name]


def test_a_full_disk_leaves_no_temporary_file(cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real_fdopen = os.fdopen

    class FullDisk:
        def __init__(self, fd: int, *args: Any) -> None:
            self.handle = real_fdopen(fd, *args)

        def __enter__(self) -> FullDisk:
            return self

        def __exit__(self, *exc: object) -> None:
            self.handle.close()

        def write(self, data: bytes) -> int:
            raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(compiled_cache.os, "fdopen", FullDisk)
    assert load_knowledge_base().stamp.name
    assert list(cache_dir.iterdir()) == []


def test_stale_temporary_files_of_killed_runs_are_tidied(cache_dir: Path) -> None:
    stale = cache_dir / ".knowledge-x.json.1.ab.tmp"
    stale.write_bytes(b"half")
    os.utime(stale, (0, 0))
    fresh = cache_dir / ".knowledge-y.json.2.cd.tmp"  # perhaps another run's, still being written
    fresh.write_bytes(b"half")
    load_knowledge_base()
    assert not stale.exists() and fresh.exists()


def test_a_served_cache_gives_the_same_advice_as_a_fresh_build(
    cache_dir: Path, monkeypatch: pytest.MonkeyPatch, example_cases: dict[str, dict[str, Any]]
) -> None:
    built = load_knowledge_base()
    monkeypatch.setattr("ntrk_advisor.pathway.knowledge._build", lambda *a: pytest.fail("rebuilt"))
    served = load_knowledge_base()
    for case in example_cases.values():
        for lang in ("en", "zh"):
            assert evaluate(case, lang, knowledge=served) == evaluate(case, lang, knowledge=built)

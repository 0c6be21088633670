"""The compiled-knowledge cache: reused when files are unchanged, rebuilt when they change, never trusted blindly."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ntrk_advisor.errors import PathwayError
from ntrk_advisor.pathway import compiled_cache
from ntrk_advisor.pathway.knowledge import load_knowledge_base


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("NTRK_ADVISOR_CACHE", str(folder))
    monkeypatch.delenv("NTRK_ADVISOR_NO_CACHE", raising=False)
    return folder


def renamed(copy: Path, version: str = "1") -> Path:
    knowledge = copy / "knowledge.yaml"
    text = knowledge.read_text(encoding="utf-8").replace("ntrk-advisor built-in pathways", "Clinic")
    knowledge.write_text(re.sub(r'version: ".*"', f'version: "{version}"', text, count=1), encoding="utf-8")
    return copy


def test_a_loaded_knowledge_base_is_cached_and_reused(
    cache_dir: Path, pathways_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = load_knowledge_base(renamed(pathways_copy))
    assert len(list(cache_dir.glob("knowledge-*.json"))) == 1
    monkeypatch.setattr("ntrk_advisor.pathway.knowledge._build", lambda *a: pytest.fail("rebuilt"))
    again = load_knowledge_base(pathways_copy)
    assert again.stamp == first.stamp and set(again.nodes) == set(first.nodes)


def test_changing_a_file_rebuilds_and_the_change_shows(cache_dir: Path, pathways_copy: Path) -> None:
    load_knowledge_base(renamed(pathways_copy, "1"))
    assert load_knowledge_base(renamed(pathways_copy, "2")).stamp.version == "2"
    assert len(list(cache_dir.glob("knowledge-*.json"))) == 2


def test_a_broken_file_is_never_served_from_the_cache(cache_dir: Path, pathways_copy: Path) -> None:
    load_knowledge_base(renamed(pathways_copy))
    (pathways_copy / "early.yaml").write_text("pathway: early\n", encoding="utf-8")
    with pytest.raises(PathwayError):
        load_knowledge_base(pathways_copy)


def test_a_corrupt_cache_file_is_ignored(cache_dir: Path, pathways_copy: Path) -> None:
    load_knowledge_base(renamed(pathways_copy))
    (cached,) = cache_dir.glob("knowledge-*.json")
    cached.write_bytes(b"not a cache file")
    assert load_knowledge_base(pathways_copy).stamp.name == "Clinic"


def test_builtin_and_identical_local_copy_do_not_share_an_entry(cache_dir: Path, pathways_copy: Path) -> None:
    load_knowledge_base()
    with pytest.raises(PathwayError):  # the copy still carries the built-in name: refused, not served
        load_knowledge_base(pathways_copy)


def test_the_cache_can_be_switched_off(
    cache_dir: Path, pathways_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(compiled_cache.NO_CACHE_ENV, "1")
    load_knowledge_base(renamed(pathways_copy))
    assert not cache_dir.exists()


def test_changing_the_code_that_builds_the_cache_changes_the_fingerprint(tmp_path: Path) -> None:
    package = Path(compiled_cache.__file__).resolve().parent.parent
    copy = tmp_path / "ntrk_advisor"
    for name in compiled_cache._LAYOUT_SOURCES:
        (copy / name).parent.mkdir(parents=True, exist_ok=True)
        (copy / name).write_bytes((package / name).read_bytes())
    before = compiled_cache.code_fingerprint(copy)
    assert compiled_cache.code_fingerprint(package) == before  # by content, not by place
    tree = copy / "pathway" / "tree.py"
    tree.write_text(tree.read_text(encoding="utf-8") + "\n# a new layout\n", encoding="utf-8")
    assert compiled_cache.code_fingerprint(copy) != before


def test_a_cache_written_by_other_code_is_not_read(
    cache_dir: Path, pathways_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    load_knowledge_base(renamed(pathways_copy))
    assert len(list(cache_dir.glob("knowledge-*.json"))) == 1
    monkeypatch.setattr(compiled_cache, "code_fingerprint", lambda package: b"other code")
    load_knowledge_base(pathways_copy)
    assert len(list(cache_dir.glob("knowledge-*.json"))) == 2  # rebuilt under a new key


@pytest.mark.parametrize(
    "env",
    [
        {"HOME": "/home/clinician"},
        {"HOME": "/home/clinician/", "XDG_CACHE_HOME": "/var/cache/clinician"},
        {"HOME": "/home/clinician", "XDG_CACHE_HOME": "relative/ignored"},
        {"HOME": "/home/clinician", "XDG_CACHE_HOME": ""},
        {"HOME": "relative-home"},
        {},
    ],
    ids=["home", "xdg", "relative-xdg", "empty-xdg", "relative-home", "no-home"],
)
def test_the_default_cache_folder_is_the_one_platformdirs_names(
    env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # read directly on Linux (platformdirs costs a quick consult 4 ms), so the two must agree
    import platformdirs

    for name in ("HOME", "XDG_CACHE_HOME"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert compiled_cache.user_cache_folder() == Path(platformdirs.user_cache_dir("ntrk-advisor"))

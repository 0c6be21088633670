"""Permissions as an ordinary user meets them: read-only files and folders, and another user's cache.

The security review ran as root, which ignores mode bits, so it could not try these ("Not
tested"). Here the real CLI runs as an unprivileged user: as the current user when the tests are
not run as root, else as `NTRK_ADVISOR_TEST_USER` (default `nobody`) through `setpriv`. That user
must be able to run the interpreter: `NTRK_ADVISOR_TEST_PYTHON` names one it can read (`.ci/run`
creates the user and such a venv); otherwise these tests are skipped, saying why.
"""

from __future__ import annotations

import hashlib
import json
import os
import pwd
import shutil
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # each test runs the CLI several times as another user

USER_ENV = "NTRK_ADVISOR_TEST_USER"
PYTHON_ENV = "NTRK_ADVISOR_TEST_PYTHON"
IHC = {"age_years": 70, "fusion_status": "ihc_only", "emergency": []}
EARLY_NAIVE = {
    "age_years": 50,
    "fusion_status": "confirmed",
    "setting": "early",
    "treatment_phase": "naive",
    "emergency": [],
    "fit_for_surgery": True,
}


@dataclass
class User:
    """Runs the CLI as an unprivileged user, in a folder of that user's own."""

    name: str
    uid: int
    gid: int
    python: str
    prefix: list[str]
    """What runs a command as that user (nothing when the tests already run as one)."""
    home: Path

    def run(self, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        variables = {k: v for k, v in os.environ.items() if not k.startswith("NTRK_ADVISOR_")}
        variables.update(HOME=str(self.home), NTRK_ADVISOR_CACHE=str(self.home / ".cache"))
        variables.update(PYTHONDONTWRITEBYTECODE="1", **(env or {}))
        return subprocess.run(
            [*self.prefix, self.python, "-m", "ntrk_advisor", *args],
            capture_output=True,
            text=True,
            cwd=self.home,
            env=variables,
            timeout=120,
        )

    def owns(self, *paths: Path) -> None:
        """Give files made by the test to the user (a no-op when the test is that user)."""
        for path in paths:
            os.chown(path, self.uid, self.gid)


def _user() -> tuple[str, int, int, list[str]] | str:
    """The user to run as, or why there is none."""
    if os.geteuid() != 0:
        me = pwd.getpwuid(os.getuid())
        return me.pw_name, me.pw_uid, me.pw_gid, []
    name = os.environ.get(USER_ENV, "nobody")
    try:
        entry = pwd.getpwnam(name)
    except KeyError:
        return f"no user {name!r} to run as ({USER_ENV}; .ci/run creates one with useradd)"
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        return "setpriv (util-linux) is needed to run as another user"
    prefix = [setpriv, f"--reuid={entry.pw_uid}", f"--regid={entry.pw_gid}", "--clear-groups", "--"]
    return name, entry.pw_uid, entry.pw_gid, prefix


@pytest.fixture(scope="module")
def account() -> tuple[str, int, int, list[str], str]:
    found = _user()
    if isinstance(found, str):
        pytest.skip(found)
    name, uid, gid, prefix = found
    python = os.environ.get(PYTHON_ENV, sys.executable)
    probe = subprocess.run(
        [*prefix, python, "-c", "import ntrk_advisor"], capture_output=True, text=True, cwd="/", timeout=60
    )
    if probe.returncode != 0:
        pytest.skip(
            f"user {name} cannot run {python} with ntrk_advisor ({probe.stderr.strip()[-200:]}): "
            f"set {PYTHON_ENV} to a venv that user can read, as .ci/run does"
        )
    return name, uid, gid, prefix, python


@pytest.fixture
def user(account: tuple[str, int, int, list[str], str]) -> Iterator[User]:
    name, uid, gid, prefix, python = account
    home = Path(tempfile.mkdtemp(prefix="ntrk-advisor-perm-"))  # in /tmp: reachable by that user
    user = User(name, uid, gid, python, prefix, home)
    try:
        user.owns(home)
        yield user
    finally:
        for folder, _, _ in os.walk(home):
            os.chmod(folder, 0o700)  # read-only folders made by a test, so they can be removed
        shutil.rmtree(home)


def folder_of(user: User, name: str, mode: int) -> Path:
    folder = user.home / name
    folder.mkdir()
    user.owns(folder)
    folder.chmod(mode)
    return folder


def a_case(user: User, data: dict[str, object], name: str = "case.json") -> Path:
    path = user.home / name
    path.write_text(json.dumps(data), encoding="utf-8")
    user.owns(path)
    return path


def one_error_line(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 2, (done.returncode, done.stderr)
    assert done.stderr.count("\n") == 1 and done.stderr.startswith("ntrk-advisor: error: "), done.stderr
    assert "Traceback" not in done.stderr and "unexpected" not in done.stderr
    return done.stderr


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# The practice database.


def test_a_read_only_practice_database_is_reported_as_such_and_nothing_appears_beside_it(user: User) -> None:
    db = user.home / "p.sqlite3"
    assert user.run("practice", "answer", "dx-ihc-colorectal", "2", "--db", str(db)).returncode == 0
    db.chmod(0o444)
    before = digest(db)
    error = one_error_line(user.run("practice", "answer", "dx-ihc-colorectal", "1", "--db", str(db)))
    assert "read-only" in error and "damaged" not in error
    stats = user.run("practice", "stats", "--db", str(db), "--format", "json")  # reading still works
    assert stats.returncode == 0, stats.stderr
    exported = user.run("practice", "export", "--db", str(db), "--format", "json")
    assert exported.returncode == 0 and len(json.loads(exported.stdout)) == 1
    assert digest(db) == before
    assert sorted(p.name for p in user.home.iterdir() if p.name.startswith("p.")) == ["p.sqlite3"]
    db.chmod(0o644)  # made writable again, it works at once: no read-only -wal or -shm left behind
    assert user.run("practice", "answer", "dx-ihc-colorectal", "1", "--db", str(db)).returncode == 0


def test_a_practice_database_in_a_read_only_folder_is_read_but_never_written(user: User) -> None:
    folder = folder_of(user, "class", 0o755)
    db = folder / "p.sqlite3"
    assert user.run("practice", "answer", "dx-ihc-colorectal", "2", "--db", str(db)).returncode == 0
    folder.chmod(0o555)
    before = digest(db)
    error = one_error_line(user.run("practice", "answer", "dx-ihc-colorectal", "1", "--db", str(db)))
    assert "read-only" in error and "damaged" not in error
    assert user.run("practice", "stats", "--db", str(db)).returncode == 0
    assert digest(db) == before and [p.name for p in folder.iterdir()] == ["p.sqlite3"]
    new = one_error_line(
        user.run("practice", "answer", "dx-ihc-colorectal", "1", "--db", str(folder / "n.db"))
    )
    assert "n.db" in new and "damaged" not in new


def test_a_read_only_file_sqlite_left_beside_the_database_is_named(user: User) -> None:
    db = user.home / "p.sqlite3"
    assert user.run("practice", "answer", "dx-ihc-colorectal", "2", "--db", str(db)).returncode == 0
    shm = user.home / "p.sqlite3-shm"
    shm.write_bytes(b"")
    user.owns(shm)
    shm.chmod(0o444)
    error = one_error_line(user.run("practice", "answer", "dx-ihc-colorectal", "1", "--db", str(db)))
    assert f"{shm} beside it is read-only" in error


# Outputs.


def test_an_output_into_a_read_only_folder_is_one_line_and_leaves_nothing(user: User) -> None:
    case = a_case(user, IHC)
    db = user.home / "p.sqlite3"
    assert user.run("practice", "answer", "dx-ihc-colorectal", "2", "--db", str(db)).returncode == 0
    locked = folder_of(user, "locked", 0o555)
    for command in (
        ["batch", str(case), "-q", "-o", str(locked / "out.jsonl")],
        ["batch", str(case), "-q", "--format", "html", "-o", str(locked)],
        ["batch", str(case), "-q", "--format", "html", "-o", str(locked / "pages")],
        ["consult", "--case", str(case), "--no-input", "--format", "html", "-o", str(locked / "note.html")],
        ["practice", "export", "--db", str(db), "-o", str(locked / "attempts.csv")],
        ["pathways", "init", str(locked / "clinic")],
    ):
        error = one_error_line(user.run(*command))
        assert str(locked) in error and "Permission denied" in error, (command, error)
    assert list(locked.iterdir()) == []


def test_an_output_over_a_read_only_file_is_refused_and_the_file_kept(user: User) -> None:
    case = a_case(user, IHC)
    kept = a_case(user, {"keep": True}, "results.jsonl")
    kept.chmod(0o444)
    error = one_error_line(user.run("batch", str(case), "-q", "-o", str(kept)))
    assert "read-only" in error and json.loads(kept.read_text(encoding="utf-8")) == {"keep": True}


def test_save_into_a_read_only_case_folder_is_refused_and_writes_nothing(user: User) -> None:
    cases = folder_of(user, "cases", 0o755)
    case = cases / "c.json"
    case.write_text(json.dumps(IHC), encoding="utf-8")
    user.owns(case)
    cases.chmod(0o555)
    done = user.run(
        "consult", "--case", str(case), "--no-input", "--format", "json", "--save", str(cases / "c2.json")
    )
    error = one_error_line(done)
    assert f"cannot write {cases / 'c2.json'}" in error and "Permission denied" in error
    assert [p.name for p in cases.iterdir()] == ["c.json"]


# The knowledge cache.


def plant_tampered_cache(user: User, folder: Path) -> Path:
    """A cache file that would change the advice if it were trusted, in `folder`.

    The user builds the cache in a folder of its own (so the key is the one it will look for);
    the file is then copied into `folder`, early surgery is turned down, and its header is made
    to vouch for the new body.
    """
    own = user.home / "own-cache"
    case = a_case(user, EARLY_NAIVE, "planting.json")
    built = user.run(
        "consult", "--case", str(case), "--no-input", "--format", "json", env={"NTRK_ADVISOR_CACHE": str(own)}
    )
    assert built.returncode == 0, built.stderr
    (source,) = own.glob("knowledge-*.json")
    header, _, body = source.read_bytes().partition(b"\n")
    body = body.replace(
        b'["surgery.early_definitive","preferred"', b'["surgery.early_definitive","not_recommended"'
    )
    head = json.loads(header)
    head.update(sha256=hashlib.sha256(body).hexdigest(), bytes=len(body))
    planted = folder / source.name
    planted.write_bytes(json.dumps(head).encode() + b"\n" + body)
    planted.chmod(0o644)
    return planted


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to plant a folder as another user")
@pytest.mark.parametrize("mode", [0o755, 0o777])
def test_a_cache_folder_planted_by_another_user_is_never_used(user: User, mode: int) -> None:
    planted_folder = user.home / "shared-cache"
    planted_folder.mkdir(mode=0o700)  # root's: another user than the one who runs the tool
    planted = plant_tampered_cache(user, planted_folder)
    planted_folder.chmod(mode)
    before = digest(planted)
    case = a_case(user, EARLY_NAIVE)
    done = user.run(
        "consult",
        "--case",
        str(case),
        "--no-input",
        "--format",
        "json",
        env={"NTRK_ADVISOR_CACHE": str(planted_folder)},
    )
    assert done.returncode == 0, done.stderr
    surgery = next(a for a in json.loads(done.stdout)["actions"] if a["action"] == "surgery")
    assert surgery["strength"] == "preferred"  # the built-in advice, not the planted one
    assert done.stderr.splitlines() == [
        f"ntrk-advisor: warning: not using the knowledge cache {planted_folder}: it belongs to another user (uid 0)"
    ]
    assert digest(planted) == before and [p.name for p in planted_folder.iterdir()] == [planted.name]
    assert stat.S_IMODE(planted_folder.stat().st_mode) == mode and planted_folder.stat().st_uid == 0

"""A real PostgreSQL for the tests of `--feedback-db postgresql://…`, and the one line when there is none.

Where the server comes from, first found first:
1. `NTRK_ADVISOR_TEST_POSTGRES_URL`: a running server (`.ci/run` starts one on loopback and sets it);
2. else a throwaway cluster this module makes with PostgreSQL's own `initdb` and `pg_ctl` (on PATH,
   or Debian's /usr/lib/postgresql/N/bin) in a temporary folder, listening on 127.0.0.1 only, with a
   password, and stopped (`pg_ctl stop -m immediate`) when the session ends. As root, it runs as an
   unprivileged user (`NTRK_ADVISOR_TEST_USER`, else `postgres`), since PostgreSQL refuses root;
3. else the tests skip, saying what to install. CI sets `NTRK_ADVISOR_REQUIRE_POSTGRES=1`, which turns
   that skip into a failure.

Each test gets a database of its own (`fresh_database`), so tests never see each other's rows.
"""

from __future__ import annotations

import glob
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest

URL_ENV = "NTRK_ADVISOR_TEST_POSTGRES_URL"
REQUIRE_POSTGRES = "NTRK_ADVISOR_REQUIRE_POSTGRES"
HOW_TO_RUN = (
    "install PostgreSQL (apt-get install postgresql) and psycopg (pip install -e '.[test]'), or set "
    f"{URL_ENV} to a server's URL, then run .venv/bin/python -m pytest -m slow tests/service/test_service_postgres.py"
)


def pg_bin(name: str) -> str | None:
    """A PostgreSQL program: on PATH, else the newest of Debian's /usr/lib/postgresql/N/bin."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=lambda p: int(p.split("/")[4]))
    return candidates[-1] if candidates else None


def missing(*, load: bool = True) -> str:
    """What is missing for the PostgreSQL tests ("" when nothing is).

    `load=False` only looks for psycopg without importing it (half a second): for collection.
    """
    import importlib.util

    try:
        if load:
            import psycopg  # noqa: F401
        elif importlib.util.find_spec("psycopg") is None:
            return "no psycopg"
    except ImportError:
        return "no psycopg"
    if os.environ.get(URL_ENV):
        return ""
    if pg_bin("initdb") is None or pg_bin("pg_ctl") is None:
        return f"no PostgreSQL server (no initdb) and no {URL_ENV}"
    return ""


def left_out() -> str:
    """Why the PostgreSQL tests are left out of this run ("" when they run): nothing to run them
    with, and CI (`NTRK_ADVISOR_REQUIRE_POSTGRES=1`) not requiring them."""
    return "" if os.environ.get(REQUIRE_POSTGRES) == "1" else missing(load=False)


def unavailable(reason: str) -> None:
    """Skip the calling test, or fail it where CI requires PostgreSQL."""
    if os.environ.get(REQUIRE_POSTGRES) == "1":
        pytest.fail(
            f"{REQUIRE_POSTGRES}=1 and the PostgreSQL tests cannot run ({reason}): {HOW_TO_RUN}",
            pytrace=False,
        )
    pytest.skip(f"PostgreSQL tests left out ({reason}): {HOW_TO_RUN}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Cluster:
    """A throwaway PostgreSQL cluster in a temporary folder, on 127.0.0.1 and a free port."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="ntrk-pg-"))
        self.password = secrets.token_urlsafe(16)
        self.port = free_port()
        self.as_user: list[str] = []
        if os.geteuid() == 0:  # PostgreSQL will not run as root
            name = os.environ.get("NTRK_ADVISOR_TEST_USER") or "postgres"
            user = pwd.getpwnam(name)
            self.as_user = [
                "setpriv",
                f"--reuid={user.pw_uid}",
                f"--regid={user.pw_gid}",
                "--clear-groups",
                "--",
            ]
            os.chown(self.folder, user.pw_uid, user.pw_gid)
        (self.folder / "pw").write_text(self.password, encoding="utf-8")
        if self.as_user:
            os.chown(self.folder / "pw", user.pw_uid, user.pw_gid)
        self.data = self.folder / "data"
        self._run(
            str(pg_bin("initdb")),
            "-D",
            str(self.data),
            "-U",
            "ntrk",
            "--auth=scram-sha-256",
            f"--pwfile={self.folder / 'pw'}",
            "-E",
            "UTF8",
            "--no-sync",
            "--locale=C",
        )
        self._run(
            str(pg_bin("pg_ctl")),
            "-D",
            str(self.data),
            "-l",
            str(self.folder / "server.log"),
            "-w",
            "-t",
            "60",
            "-o",
            f"-k {self.folder} -c listen_addresses=127.0.0.1 -p {self.port} -c fsync=on",
            "start",
        )
        self.url = f"postgresql://ntrk:{self.password}@127.0.0.1:{self.port}/postgres"

    def _run(self, *command: str) -> None:
        done = subprocess.run(
            [*self.as_user, *command],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
            cwd=self.folder,
        )
        if done.returncode != 0:
            raise RuntimeError(f"{command[0]} failed: {done.stdout[-1000:]} {done.stderr[-1000:]}")

    def stop(self) -> None:
        try:
            self._run(str(pg_bin("pg_ctl")), "-D", str(self.data), "-m", "immediate", "stop")
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)


def fresh_database(server_url: str) -> str:
    """A new, empty database on the server, and its `postgresql://` URL (what `--feedback-db` takes)."""
    from urllib.parse import quote, urlencode

    import psycopg
    from psycopg import sql
    from psycopg.conninfo import conninfo_to_dict

    name = f"ntrk_test_{secrets.token_hex(6)}"
    with psycopg.connect(server_url, autocommit=True, connect_timeout=10) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    params = {k: str(v) for k, v in conninfo_to_dict(server_url).items()}
    params.pop("dbname", None)
    user, password = quote(params.pop("user", ""), safe=""), quote(params.pop("password", ""), safe="")
    host, port = params.pop("host", "127.0.0.1"), params.pop("port", "5432")
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    if host.startswith("/"):  # a socket folder goes in the query
        params["host"], host = host, ""
    query = f"?{urlencode(params)}" if params else ""
    return f"postgresql://{auth}{host}:{port}/{name}{query}" if host else f"postgresql://{auth}/{name}{query}"

"""The CDS Hooks service against a bare endpoint on the same stack, in one run (issue 27).

    python benchmarks/service_ratio.py [--seconds 4] [--rounds 3] [--concurrency 16] [--short]
                                       [--baseline PYTHON]

Two real servers on free loopback ports, one worker each: `ntrk-advisor serve --insecure-no-auth`
and the floor, a bare Starlette endpoint on uvicorn that parses the JSON body, checks that it has
the keys of a call and returns fixed bytes of the size of the service's answer (no mapping, no
decision, no cards, no log). For each call, a complete case (three cards) and an incomplete one
(the card naming what is missing, with its link to the answer page), `--concurrency` clients
(benchmarks/load.py's) send it for `--seconds`, to the service and to the floor in turn, for
`--rounds` rounds; the best throughput and the lowest p95 of each are kept, and their ratios printed,
with the server's CPU time per call (least of the rounds; from /proc), the steadier figure on a
shared machine.

`--baseline PYTHON` also serves the code installed for another interpreter (a venv with another
commit installed) on a third port, measured in the same rounds: before and after a change, in one run.

Targets (issue 27): the service at least 60 % of the floor's throughput, p95 at most 2x the floor's.
It never fails on a ratio (the machines are shared and noisy); `--short` is the form
benchmarks/ratios.py runs.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from load import CASE, client, free_port, percentile, request_bytes

FLOOR = r"""
import json, sys
import uvicorn
from starlette.applications import Starlette
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

port, size = int(sys.argv[1]), int(sys.argv[2])
def answer(filler):
    card = {"uuid": "0", "summary": "floor", "indicator": "info", "source": {"label": "floor"}, "detail": filler}
    return json.dumps({"cards": [card]}, separators=(",", ":")).encode()
answer = answer("x" * max(0, size - len(answer(""))))

async def call(request):
    data = json.loads(await request.body())
    if not isinstance(data, dict) or "hook" not in data or "context" not in data:
        return JSONResponse({"error": "bad"}, status_code=400)
    return Response(answer, media_type="application/json")

app = Starlette(routes=[Route("/cds-services/{sid}", call, methods=["POST"])])
uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)
"""
"""The floor: Starlette on uvicorn, parse the body, check its keys, return fixed bytes."""

CALLS: dict[str, dict[str, Any]] = {
    "complete": CASE,
    "incomplete": {"age_years": 40, "fusion_status": "confirmed"},
}
"""The answers each call carries: a complete infantile fibrosarcoma case (three cards), and one
that leaves the setting and the rest out (the missing-answers card)."""


def call_body(answers: dict[str, Any]) -> bytes:
    """A patient-view call carrying `answers` in the extension (no prefetch: nothing to read)."""
    return json.dumps(
        {
            "hook": "patient-view",
            "hookInstance": str(uuid.uuid4()),
            "context": {
                "userId": "Practitioner/bench",
                "patientId": "bench",
                "extension": {"ntrk-advisor": {"answers": answers}},
            },
        }
    ).encode()


def start(cmd: list[str], port: int, log: Path, env: dict[str, str]) -> subprocess.Popen[bytes]:
    """A server process, once its port accepts connections.

    It runs in the log's folder: `python -m` looks in the working directory first, and a checkout's
    would shadow the code installed for a `--baseline` interpreter.
    """
    server = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=log.open("wb"), env=env, cwd=log.parent)
    deadline = time.monotonic() + 60
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return server
        except OSError:
            if time.monotonic() > deadline or server.poll() is not None:
                server.kill()
                raise SystemExit(f"{cmd[2]} did not start: {log.read_text()[-2000:]}") from None
            time.sleep(0.1)


def stop(server: subprocess.Popen[bytes]) -> None:
    """SIGTERM, then kill if it lingers."""
    server.send_signal(signal.SIGTERM)
    try:
        server.wait(30)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


async def drive(port: int, payload: bytes, concurrency: int, seconds: float) -> tuple[float, float, int]:
    """Calls per second and p95 (ms) of `concurrency` clients sending `payload` for `seconds`."""
    jobs: asyncio.Queue[bytes] = asyncio.Queue()
    for _ in range(int(seconds * 20_000)):
        jobs.put_nowait(payload)
    latencies: list[float] = []
    errors: list[str] = []
    start = time.perf_counter()
    deadline = time.monotonic() + seconds
    await asyncio.gather(*(client(port, jobs, latencies, errors, deadline) for _ in range(concurrency)))
    elapsed = time.perf_counter() - start
    if errors:
        raise SystemExit(f"{len(errors)} failed calls (first: {errors[0]})")
    return len(latencies) / elapsed, percentile(latencies, 0.95), len(latencies)


def answer_size(port: int, payload: bytes) -> int:
    """The size of the service's answer to `payload` (the floor returns as many bytes)."""
    with socket.create_connection(("127.0.0.1", port)) as conn:
        conn.sendall(payload)
        data = b""
        while b"\r\n\r\n" not in data:
            data += conn.recv(65536)
        head, _, body = data.partition(b"\r\n\r\n")
        length = next(
            int(line.split(b":")[1])
            for line in head.split(b"\r\n")
            if line.lower().startswith(b"content-length")
        )
        while len(body) < length:
            body += conn.recv(65536)
    if not body.startswith(b'{"cards":[{'):
        raise SystemExit(f"unexpected answer: {body[:200]!r}")
    return length


def cpu_s(pid: int) -> float:
    """User + system CPU seconds a process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def serve_cmd(python: str, port: int, folder: Path) -> list[str]:
    """`ntrk-advisor serve` of the code installed for `python`, one worker, no auth, on loopback."""
    serve = [python, "-m", "ntrk_advisor", "serve", "--port", str(port), "--workers", "1"]
    return [*serve, "--feedback-db", str(folder / f"feedback-{port}.sqlite3"), "--insecure-no-auth"]


def measure(
    seconds: float, rounds: int, concurrency: int, baseline: str | None = None
) -> dict[str, dict[str, float]]:
    """The servers, each call, alternating rounds: best calls/s and lowest p95 of each."""
    results: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory(prefix="ntrk-svc-ratio-") as tmp:
        folder = Path(tmp)
        (folder / "floor.py").write_text(FLOOR, encoding="utf-8")
        env = {**os.environ, "NTRK_ADVISOR_HOME": tmp}
        ports = {"service": free_port()}
        if baseline is not None:
            ports["baseline"] = free_port()
        servers = []
        try:
            for who, port in ports.items():
                python = sys.executable if who == "service" else str(baseline)
                servers.append(start(serve_cmd(python, port, folder), port, folder / f"{who}.log", env))
            pids = {who: server.pid for who, server in zip(ports, servers, strict=True)}
            for name, answers in CALLS.items():
                payload = request_bytes(call_body(answers), "")
                size = answer_size(ports["service"], payload)
                floor_port = free_port()
                floor_cmd = [sys.executable, str(folder / "floor.py"), str(floor_port), str(size)]
                floor = start(floor_cmd, floor_port, folder / "floor.log", env)
                here = {**ports, "floor": floor_port}
                pid = {**pids, "floor": floor.pid}
                try:
                    best = {who: (0.0, float("inf"), float("inf")) for who in here}
                    for where in here.values():  # warm each
                        asyncio.run(drive(where, payload, concurrency, min(1.0, seconds)))
                    for _ in range(rounds):
                        for who, where in here.items():
                            before = cpu_s(pid[who])
                            rate, p95, calls = asyncio.run(drive(where, payload, concurrency, seconds))
                            cpu = (cpu_s(pid[who]) - before) / calls * 1e6
                            was = best[who]
                            best[who] = (max(was[0], rate), min(was[1], p95), min(was[2], cpu))
                finally:
                    stop(floor)
                results[name] = {"size": size}
                for who, (rate, p95, cpu) in best.items():
                    results[name].update({f"{who}_rate": rate, f"{who}_p95": p95, f"{who}_cpu": cpu})
        finally:
            for server in servers:
                stop(server)
    return results


def report(results: dict[str, dict[str, float]], concurrency: int) -> None:
    """One line per call: throughput and p95 as ratios to the floor's, with the figures."""
    for name, r in results.items():
        share = r["service_rate"] / r["floor_rate"]
        p95 = r["service_p95"] / r["floor_p95"]
        print(
            f"service, {name:10} ({r['size'] / 1000:.1f} kB, {concurrency} clients, 1 worker): "
            f"{share:.0%} of the floor's calls/s (target >= 60%), p95 {p95:.2f}x (target <= 2)  "
            f"service {r['service_rate']:,.0f}/s p95 {r['service_p95']:.1f} ms "
            f"{r['service_cpu']:.0f} us CPU a call, "
            f"floor {r['floor_rate']:,.0f}/s p95 {r['floor_p95']:.1f} ms {r['floor_cpu']:.0f} us CPU"
        )
        if "baseline_rate" in r:
            print(
                f"  baseline: {r['baseline_rate'] / r['floor_rate']:.0%} of the floor's calls/s, "
                f"p95 {r['baseline_p95'] / r['floor_p95']:.2f}x  "
                f"({r['baseline_rate']:,.0f}/s p95 {r['baseline_p95']:.1f} ms {r['baseline_cpu']:.0f} us CPU a call)"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=4.0, help="each measurement's length")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds; the best of each kept")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--short", action="store_true", help="the CI form: 2 s each, 2 rounds")
    parser.add_argument(
        "--baseline", metavar="PYTHON", help="also serve the code installed for this interpreter"
    )
    args = parser.parse_args()
    if args.short:
        args.seconds, args.rounds = 2.0, 2
    report(measure(args.seconds, args.rounds, args.concurrency, args.baseline), args.concurrency)


if __name__ == "__main__":
    main()

"""The CDS Hooks service against a bare endpoint on the same stack, in one run (issue 27).

    python benchmarks/service_ratio.py [--seconds 4] [--rounds 3] [--concurrency 16] [--short]

Two real servers on free loopback ports, one worker each: `ntrk-advisor serve --insecure-no-auth`
and the floor, a bare Starlette endpoint on uvicorn that parses the JSON body, checks that it has
the keys of a call and returns fixed bytes of the size of the service's answer (no mapping, no
decision, no cards, no log). For each call, a complete case (three cards) and an incomplete one
(the card naming what is missing, with its link to the answer page), `--concurrency` clients
(benchmarks/load.py's) send it for `--seconds`, to the service and to the floor in turn, for
`--rounds` rounds; the best throughput and the lowest p95 of each are kept, and their ratios printed.

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
    """A server process, once its port accepts connections."""
    server = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=log.open("wb"), env=env)
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


def measure(seconds: float, rounds: int, concurrency: int) -> dict[str, dict[str, float]]:
    """Both servers, each call, alternating rounds: best calls/s and lowest p95 of each."""
    results: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory(prefix="ntrk-svc-ratio-") as tmp:
        folder = Path(tmp)
        (folder / "floor.py").write_text(FLOOR, encoding="utf-8")
        env = {**os.environ, "NTRK_ADVISOR_HOME": tmp}
        port = free_port()
        serve = [sys.executable, "-m", "ntrk_advisor", "serve", "--port", str(port), "--workers", "1"]
        serve += ["--feedback-db", str(folder / "feedback.sqlite3"), "--insecure-no-auth"]
        service = start(serve, port, folder / "service.log", env)
        try:
            for name, answers in CALLS.items():
                payload = request_bytes(call_body(answers), "")
                size = answer_size(port, payload)
                floor_port = free_port()
                floor_cmd = [sys.executable, str(folder / "floor.py"), str(floor_port), str(size)]
                floor = start(floor_cmd, floor_port, folder / "floor.log", env)
                try:
                    best = {"service": (0.0, float("inf")), "floor": (0.0, float("inf"))}
                    asyncio.run(drive(port, payload, concurrency, min(1.0, seconds)))  # warm both
                    asyncio.run(drive(floor_port, payload, concurrency, min(1.0, seconds)))
                    for _ in range(rounds):
                        for who, where in (("service", port), ("floor", floor_port)):
                            rate, p95, _ = asyncio.run(drive(where, payload, concurrency, seconds))
                            best[who] = (max(best[who][0], rate), min(best[who][1], p95))
                finally:
                    stop(floor)
                results[name] = {
                    "size": size,
                    "service_rate": best["service"][0],
                    "service_p95": best["service"][1],
                    "floor_rate": best["floor"][0],
                    "floor_p95": best["floor"][1],
                }
        finally:
            stop(service)
    return results


def report(results: dict[str, dict[str, float]], concurrency: int) -> None:
    """One line per call: throughput and p95 as ratios to the floor's, with the figures."""
    for name, r in results.items():
        share = r["service_rate"] / r["floor_rate"]
        p95 = r["service_p95"] / r["floor_p95"]
        print(
            f"service, {name:10} ({r['size'] / 1000:.1f} kB, {concurrency} clients, 1 worker): "
            f"{share:.0%} of the floor's calls/s (target >= 60%), p95 {p95:.2f}x (target <= 2)  "
            f"service {r['service_rate']:,.0f}/s p95 {r['service_p95']:.1f} ms, "
            f"floor {r['floor_rate']:,.0f}/s p95 {r['floor_p95']:.1f} ms"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=4.0, help="each measurement's length")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds; the best of each kept")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--short", action="store_true", help="the CI form: 2 s each, 2 rounds")
    args = parser.parse_args()
    if args.short:
        args.seconds, args.rounds = 2.0, 2
    report(measure(args.seconds, args.rounds, args.concurrency), args.concurrency)


if __name__ == "__main__":
    main()

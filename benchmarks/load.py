"""Load test of the CDS Hooks service: a real server on loopback, many concurrent patient-view calls.

    python benchmarks/load.py [--requests 20000] [--concurrency 32] [--workers 1] [--no-auth]

Starts `ntrk-advisor serve` on a free loopback port (with a JWK Set and issuer made for the run),
signs one token per call beforehand (each `jti` is new, as the replay window wants), then sends
the calls from `--concurrency` clients, each on its own keep-alive connection, and checks every
answer (HTTP 200 and cards). The server's memory (RSS, all its processes) is sampled throughout.
Finally SIGTERM stops the server, which must exit 0.

The clients are a minimal asyncio HTTP/1.1 client written here: on two shared cores a general
client such as httpx spends more CPU per call than the server does, and the latency measured
would be mostly the client's own queueing.

Targets (exit 1 if missed): zero errors, p95 under `--p95-ms` (50), memory growth from the end of
the warm-up (the first quarter) to the end under `--max-growth-mib` (16), server exit 0.
Bounded in count and in time (`--max-seconds`); every connection is to 127.0.0.1.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

CASE = {
    "age_years": 0.5,
    "fusion_status": "confirmed",
    "setting": "locally_advanced",
    "treatment_phase": "naive",
    "emergency": [],
    "tumor_category": "infantile_fibrosarcoma",
}
ISSUER = "https://ehr.load-test.invalid"
PATH = "/cds-services/ntrk-patient-view"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def rss_kib(pid: int) -> int:
    """Resident memory of a process and its children, in KiB (Linux /proc)."""
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            total += int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS:")))
            for task in Path(f"/proc/{current}/task").iterdir():
                children = (task / "children").read_text().split()
                todo.extend(int(c) for c in children)
        except (OSError, StopIteration):
            continue
    return total


def make_keys(folder: Path, count: int, port: int, auth: bool) -> tuple[Path | None, list[str]]:
    if not auth:
        return None, [""] * count
    import jwt
    from cryptography.hazmat.primitives.asymmetric import ec

    private = ec.generate_private_key(ec.SECP256R1())
    public = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(private.public_key()))
    public.update(kid="load", alg="ES256", use="sig")
    path = folder / "jwks.json"
    path.write_text(json.dumps({"keys": [public]}), encoding="utf-8")
    now = int(time.time())
    aud = f"http://127.0.0.1:{port}{PATH}"
    tokens = [
        jwt.encode(
            {"iss": ISSUER, "aud": aud, "iat": now, "exp": now + 540, "jti": str(uuid.uuid4())},
            private,
            algorithm="ES256",
            headers={"kid": "load", "typ": "JWT"},
        )
        for _ in range(count)
    ]
    return path, tokens


def request_bytes(body: bytes, token: str) -> bytes:
    auth = f"Authorization: Bearer {token}\r\n" if token else ""
    return (
        f"POST {PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n{auth}"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode() + body


async def read_answer(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    return status, await reader.readexactly(length)


async def client(
    port: int, jobs: asyncio.Queue[bytes], latencies: list[float], errors: list[str], deadline: float
) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        while time.monotonic() < deadline:
            try:
                payload = jobs.get_nowait()
            except asyncio.QueueEmpty:
                return
            start = time.perf_counter()
            try:
                writer.write(payload)
                status, body = await read_answer(reader)
            except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
                errors.append(type(exc).__name__)
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
                continue
            latencies.append((time.perf_counter() - start) * 1000)
            if status != 200 or not body.startswith(b'{"cards":[{'):
                errors.append(f"HTTP {status}: {body[:120]!r}")
    finally:
        writer.close()


async def run_load(
    port: int, payloads: list[bytes], concurrency: int, max_seconds: float
) -> tuple[list[float], list[str], float]:
    jobs: asyncio.Queue[bytes] = asyncio.Queue()
    for payload in payloads:
        jobs.put_nowait(payload)
    latencies: list[float] = []
    errors: list[str] = []
    start = time.perf_counter()
    deadline = time.monotonic() + max_seconds
    await asyncio.gather(*(client(port, jobs, latencies, errors, deadline) for _ in range(concurrency)))
    if not jobs.empty():
        errors.append(f"time limit reached with {jobs.qsize()} calls unsent")
    return latencies, errors, time.perf_counter() - start


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--no-auth", action="store_true", help="serve with --insecure-no-auth (no tokens)")
    parser.add_argument("--p95-ms", type=float, default=50.0)
    parser.add_argument("--max-growth-mib", type=float, default=16.0)
    parser.add_argument("--max-seconds", type=float, default=300.0)
    args = parser.parse_args()

    port = free_port()
    with tempfile.TemporaryDirectory(prefix="ntrk-load-") as tmp:
        folder = Path(tmp)
        jwks, tokens = make_keys(folder, args.requests, port, not args.no_auth)
        auth = ["--insecure-no-auth"] if jwks is None else ["--jwks", str(jwks), "--issuer", ISSUER]
        log = (folder / "server.log").open("wb")
        env = {**os.environ, "NTRK_ADVISOR_HOME": tmp}
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "ntrk_advisor",
                "serve",
                "--port",
                str(port),
                "--workers",
                str(args.workers),
                "--feedback-db",
                str(folder / "feedback.sqlite3"),
                *auth,
            ],
            stdout=subprocess.DEVNULL,
            stderr=log,
            env=env,
        )
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    if time.monotonic() > deadline or server.poll() is not None:
                        print("the server did not start:", (folder / "server.log").read_text()[-2000:])
                        return 1
                    time.sleep(0.1)
            body = json.dumps(
                {
                    "hook": "patient-view",
                    "hookInstance": str(uuid.uuid4()),
                    "context": {
                        "userId": "Practitioner/load",
                        "patientId": "load",
                        "extension": {"ntrk-advisor": {"answers": CASE}},
                    },
                }
            ).encode()
            payloads = [request_bytes(body, token) for token in tokens]
            samples: list[tuple[float, int]] = []
            stop = threading.Event()

            def sample() -> None:
                t0 = time.monotonic()
                while not stop.is_set():
                    samples.append((time.monotonic() - t0, rss_kib(server.pid)))
                    stop.wait(0.25)

            sampler = threading.Thread(target=sample, daemon=True)
            sampler.start()
            latencies, errors, elapsed = asyncio.run(
                run_load(port, payloads, args.concurrency, args.max_seconds)
            )
            stop.set()
            sampler.join()
            server.send_signal(signal.SIGTERM)
            code = server.wait(60)
        finally:
            if server.poll() is None:
                server.kill()
                server.wait()
            log.close()

    rss = [kib for _, kib in samples] or [0]
    warm = rss[len(rss) // 4] / 1024
    end = rss[-1] / 1024
    growth = end - warm
    p50, p95, p99 = (percentile(latencies, f) for f in (0.50, 0.95, 0.99)) if latencies else (0.0, 0.0, 0.0)
    print(
        f"calls:        {len(latencies)} patient-view, {args.concurrency} concurrent clients, "
        f"{args.workers} worker(s), auth {'off' if args.no_auth else 'on (ES256 JWT)'}"
    )
    print(f"errors:       {len(errors)}" + (f" (first: {errors[0]})" if errors else ""))
    print(f"time:         {elapsed:.1f} s, {len(latencies) / elapsed:.0f} calls/s")
    if latencies:
        print(
            f"latency ms:   p50 {p50:.1f}  p95 {p95:.1f}  p99 {p99:.1f}  max {max(latencies):.1f}  "
            f"mean {statistics.fmean(latencies):.1f}"
        )
    print(
        f"server RSS:   {rss[0] / 1024:.1f} MiB at start, {warm:.1f} after warm-up, {end:.1f} at the end "
        f"(growth {growth:+.1f} MiB, max {max(rss) / 1024:.1f})"
    )
    print(f"server exit:  {code} after SIGTERM")
    failed = errors or not latencies or p95 >= args.p95_ms or growth >= args.max_growth_mib or code != 0
    print(
        "verdict:      "
        + ("FAILED" if failed else "ok")
        + f" (targets: 0 errors, p95 < {args.p95_ms:g} ms, growth < {args.max_growth_mib:g} MiB, exit 0)"
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

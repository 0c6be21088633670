"""Where a CDS Hooks call's time goes inside the service: cProfile over direct ASGI calls.

    python benchmarks/service_profile.py [--calls 3000] [--case complete|incomplete] [--top 25]

The application `serve --insecure-no-auth` runs (security headers, logging set up, the log to
/dev/null), called in-process with the same request again and again (no sockets, no uvicorn: the
profile is the application's own work). Prints the functions with the most cumulative and own time.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import os
import pstats
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from service_ratio import CALLS, call_body


async def asgi_call(app: Any, body: bytes) -> list[dict[str, Any]]:
    """One POST to the patient-view service through the ASGI interface; the messages sent back."""
    sent: list[dict[str, Any]] = []
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/cds-services/ntrk-patient-view",
        "raw_path": b"/cds-services/ntrk-patient-view",
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"127.0.0.1"),
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ],
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 8080),
    }

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(scope, receive, send)
    return sent


async def calls(app: Any, body: bytes, count: int) -> None:
    """`count` calls one after the other, in one event loop (as one worker answers them)."""
    for _ in range(count):
        await asgi_call(app, body)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=3000)
    parser.add_argument("--case", choices=sorted(CALLS), default="complete")
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()

    from ntrk_advisor.service import logs
    from ntrk_advisor.service.app import CdsService, create_app, warm_up
    from ntrk_advisor.service.config import ServiceConfig

    with tempfile.TemporaryDirectory(prefix="ntrk-svc-profile-") as tmp:
        os.environ["NTRK_ADVISOR_HOME"] = tmp
        config = ServiceConfig(insecure_no_auth=True, feedback_db=str(Path(tmp) / "feedback.sqlite3"))
        stderr, sys.stderr = sys.stderr, open(os.devnull, "w")  # noqa: SIM115 - the log's stream
        try:
            logs.setup()
            service = CdsService(config)
            warm_up(service)
            app = create_app(service)
            body = call_body(CALLS[args.case])
            status = asyncio.run(asgi_call(app, body))[0]["status"]
            loop = asyncio.new_event_loop()
            start = time.perf_counter()
            loop.run_until_complete(calls(app, body, args.calls))
            plain = time.perf_counter() - start
            profile = cProfile.Profile()
            profile.enable()
            loop.run_until_complete(calls(app, body, args.calls))
            profile.disable()
            loop.close()
        finally:
            sys.stderr.close()
            sys.stderr = stderr
            service.close()
    out = io.StringIO()
    stats = pstats.Stats(profile, stream=out)
    total = stats.total_tt  # type: ignore[attr-defined]
    print(
        f"{args.calls} calls, {args.case} case, HTTP {status}: {plain / args.calls * 1e6:.0f} us a call "
        f"(wall, no profiler), {total / args.calls * 1e6:.0f} us under cProfile"
    )
    stats.sort_stats("cumulative").print_stats(args.top)
    stats.sort_stats("tottime").print_stats(args.top)
    print(out.getvalue())


if __name__ == "__main__":
    main()

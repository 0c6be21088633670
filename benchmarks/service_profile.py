"""Where a CDS Hooks call's time goes inside the service: cProfile over direct ASGI calls.

    python benchmarks/service_profile.py [--calls 3000] [--case complete|incomplete] [--top 25]
                                         [--varied N]

The application `serve --insecure-no-auth` runs (security headers, logging set up, the log to
/dev/null), called in-process with the same request again and again (no sockets, no uvicorn: the
profile is the application's own work). Prints the functions with the most cumulative and own time.

`--varied N` sends N different cases in turn instead of one (benchmarks/ratios.py's realistic
records, without their ids): with N at least `--calls`, no case comes twice, so no call is
answered from a case's template (`service.card_templates`), the worst case for the service.
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


async def calls(app: Any, bodies: list[bytes], count: int) -> None:
    """`count` calls one after the other, in one event loop (as one worker answers them)."""
    for index in range(count):
        await asgi_call(app, bodies[index % len(bodies)])


def varied_bodies(count: int, seed: int) -> list[bytes]:
    """`count` calls of different realistic cases (the batch benchmark's, ids left out)."""
    import json

    from ratios import realistic_lines

    out = []
    for line in realistic_lines(count, seed):
        try:
            answers = json.loads(line)
        except ValueError:  # one of the broken records: not JSON
            continue
        if isinstance(answers, dict):
            answers.pop("id", None)
            out.append(call_body(answers))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=3000)
    parser.add_argument("--case", choices=sorted(CALLS), default="complete")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--varied", type=int, metavar="N", help="N different cases in turn")
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
            if args.varied:  # the profiled run draws cases of its own
                timed, profiled = varied_bodies(args.varied, 7), varied_bodies(args.varied, 8)
            else:
                timed = profiled = [call_body(CALLS[args.case])]
            status = asyncio.run(asgi_call(app, timed[0]))[0]["status"]
            loop = asyncio.new_event_loop()
            start = time.process_time()
            loop.run_until_complete(calls(app, timed, args.calls))
            plain = time.process_time() - start
            profile = cProfile.Profile()
            profile.enable()
            loop.run_until_complete(calls(app, profiled, args.calls))
            profile.disable()
            loop.close()
        finally:
            sys.stderr.close()
            sys.stderr = stderr
            service.close()
    out = io.StringIO()
    stats = pstats.Stats(profile, stream=out)
    total = stats.total_tt  # type: ignore[attr-defined]
    what = f"{args.varied} varied cases" if args.varied else f"{args.case} case"
    print(
        f"{args.calls} calls, {what}, first HTTP {status}: {plain / args.calls * 1e6:.0f} us of CPU a call "
        f"(no profiler), {total / args.calls * 1e6:.0f} us under cProfile"
    )
    stats.sort_stats("cumulative").print_stats(args.top)
    stats.sort_stats("tottime").print_stats(args.top)
    print(out.getvalue())


if __name__ == "__main__":
    main()

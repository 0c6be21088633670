"""Run the CLI with the process's clock pinned: `python tests/fixed_clock_cli.py ISO-TIME ARGS...`.

`Environment.of_process` reads the clock through `environment.local_now` when a command starts,
so pinning that one name gives every command of this process the same fixed "now" (tests only).
"""

from __future__ import annotations

import datetime as dt
import sys

if __name__ == "__main__":
    from ntrk_advisor import environment

    moment = dt.datetime.fromisoformat(sys.argv[1])
    environment.local_now = lambda: moment
    from ntrk_advisor.cli.entry import main

    sys.exit(main(sys.argv[2:]))

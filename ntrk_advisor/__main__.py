"""`python -m ntrk_advisor` runs the command-line interface."""

from ntrk_advisor.cli.entry import main

raise SystemExit(main())

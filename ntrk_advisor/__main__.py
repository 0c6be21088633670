"""`python -m ntrk_advisor` runs the command-line interface."""

from ntrk_advisor.cli.app import main

raise SystemExit(main())

"""`python -m ithaca.cli` runs the command line."""

from ithaca.cli import main

raise SystemExit(main())

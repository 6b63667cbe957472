"""`python -m ithaca` runs the command line."""

from ithaca.cli import main

raise SystemExit(main())

"""`python -m prnglint` runs the command line."""

import sys

from prnglint.cli import main

sys.exit(main())

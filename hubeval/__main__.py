"""`python -m hubeval` runs the `hubeval` command."""
import sys

from hubeval.batch.cli import main

sys.exit(main())

"""`python -m hubeval` runs the `hubeval` command."""
import sys

from .cli import main

sys.exit(main())

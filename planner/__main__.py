"""``python -m planner`` is the ``virtplan`` command."""

from planner.cli import main

main()

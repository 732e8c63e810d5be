"""`python -m forum` is the same as the `forum` console script."""

from forum.cli import main

main(prog_name="forum")

"""`python -m docs_index PATH`: the same as `forum docs index PATH`."""

from docs_index.cli import index_command

index_command(prog_name="python -m docs_index")

"""The `foi-archive` command."""
from cli.main import main

__all__ = ["main"]

"""The `foi-archive` command."""
from cli.evaluate import evaluate_command
from cli.main import main

main.add_command(evaluate_command)

__all__ = ["main"]

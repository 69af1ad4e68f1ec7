"""The `foi-archive` command."""
from cli.admin import COMMANDS as ADMIN_COMMANDS
from cli.evaluate import evaluate_command
from cli.main import main

main.add_command(evaluate_command)
for command in ADMIN_COMMANDS:  # rebuild, verify, takedown, restore, correct, corrections, snapshot
    main.add_command(command)

__all__ = ["main"]

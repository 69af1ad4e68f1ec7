import click


@click.group()
def main() -> None:
    """FOI Archive."""

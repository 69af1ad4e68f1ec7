"""``python -m foi_archive ...`` runs ``foi-archive ...`` (where the script is not on PATH)."""

from cli import main

if __name__ == "__main__":
    main(prog_name="foi-archive")

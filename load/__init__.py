"""Load tests against the production server (docs/reliability.md, Load): python -m load.run --help."""

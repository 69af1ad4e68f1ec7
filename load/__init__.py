"""Load tests against the production server (issue 7): python -m load.run --help."""

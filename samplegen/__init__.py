"""The generated sample set: letters in the wording and formats real FOI responses use,
with their truth, for `make run`, the tests and the benchmark. Apart from ingest, which
reads them like any other folder of files (`foi-archive samples DIR`)."""

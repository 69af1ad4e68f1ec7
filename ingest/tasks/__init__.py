"""What is run on an archive beside ingest. The operator's: rebuild the index from the
store (rebuild.py), check every stored byte and the index against the catalogue
(verify.py), withdraw or restore a response (takedown.py). The researcher's: score the
metadata against hand labels (evaluate.py). The commands are in cli/admin.py and
cli/evaluate.py."""

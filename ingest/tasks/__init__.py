"""What an operator runs on an archive, beside ingest: rebuild the index from the store
(rebuild.py), check every stored byte and the index against the catalogue (verify.py),
and withdraw or restore a response (takedown.py). The commands are in cli/admin.py."""

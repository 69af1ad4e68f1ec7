"""The ingest side: sources find documents, fetch stores them, extract reads their
text, metadata reads what the text says, and the index writer records them.

``ingest`` may import ``archive`` (its config, store and index writer);
``archive`` never imports ``ingest``.
"""

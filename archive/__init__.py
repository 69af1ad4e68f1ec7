"""The archive side: the store, the Whoosh index, search, and the web site.

Nothing here imports ``ingest``; the site only reads the index and the store.
"""

"""``python -m foi_archive``: the ``foi-archive`` command by its package name."""

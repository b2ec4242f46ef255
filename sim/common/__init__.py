"""Shared utilities at the bottom of the stack: user-facing errors, atomic file writes and
the on-disk format of a sweep folder.  Imports nothing else from ``sim``.
"""

"""Scenarios: the schema (typed sections), TOML loading with ``extends`` and ``--set``,
validation with one-line errors, the generated reference docs and ODD tables, and one run
of a scenario (``runner``) with its output folder (``rundir``).  May import
:mod:`sim.policies`, :mod:`sim.world` and :mod:`sim.common`.
"""

"""Sweeps: experiment files, designs (grids and samples), executors (process pool, Dask),
streaming storage with resume, and summaries with paired intervals.  May import
:mod:`sim.scenario` and the layers below it; never :mod:`sim.report`.
"""

"""Reporting: plot data read back from a run or sweep folder, statistics, style, the figures
and the HTML report.  May import :mod:`sim.scenario` and the layers below it (it reads sweep
folders through :mod:`sim.common.sweepdir`); never :mod:`sim.sweep`.
"""

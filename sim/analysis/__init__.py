"""Exploratory analysis of a sweep with uncertainties: which assumptions a policy choice rests
on (SALib Morris and Sobol indices), where a policy's advantage disappears (PRIM and CART from
EMA Workbench), which policy is robust (regret and satisficing), an EMA Workbench connector and
``salesim analyze``.  Sits above :mod:`sim.sweep` and :mod:`sim.report`; the model never
imports it.
"""

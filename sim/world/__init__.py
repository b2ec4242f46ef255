"""The simulated world: the Mesa model (``SalesModel``) and the processes of its week.

Reps and managers are Mesa agents over struct-of-arrays tables; accounts, compensation,
behaviour, tactics, leverage, attrition, managers' hours, seasons and collection each have a
module.  Policies plug in through :mod:`sim.world.hooks`.  May import :mod:`sim.common` only:
never policies, scenario, sweep or report.
"""

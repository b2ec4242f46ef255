"""Performance benchmarks for salesim: ``python -m benchmarks`` (or ``make bench``).

Each module measures one thing and returns plain numbers; :mod:`benchmarks.report` checks them
against the targets of issue 7 and writes ``benchmarks/RESULTS.md``.
"""

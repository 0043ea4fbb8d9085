"""Benchmarks of the advisor: `python -m bench.run_all` (or `make bench`).

Each module is a script (`python -m bench.<name>`) that stores its figures under its own key
in docs/bench/results.json (not committed: it holds raw samples); bench.report turns that file
into docs/bench/report.md (numbers and verdicts only). The analysis of the figures is written
by hand in docs/bench/analysis.md.
"""

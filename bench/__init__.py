"""Benchmark harness for syncsvc (issue 7); entry point: ``python -m bench.run``."""

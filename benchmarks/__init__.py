"""Benchmark scripts (run from the repository root); run_all.py runs them, render.py writes BENCHMARKS.md."""

"""milasim benchmarks: ``python benchmarks/run.py [--quick]`` (see docs/performance.md)."""

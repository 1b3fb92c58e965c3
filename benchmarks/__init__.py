"""Benchmarks: side-by-side measurements written to benchmarks/results/. They never assert."""

"""vqdb benchmarks: the client against a plain psycopg2 baseline, on one durable server.

Run from the repository root: ``python -m bench`` (full, a few minutes) or
``python -m bench --quick`` (seconds). See docs/benchmarks.md.
"""

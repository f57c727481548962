"""Helpers of the reliability tests (tests/python/reliability/test_reliability_*.py)."""

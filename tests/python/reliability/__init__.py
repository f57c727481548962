"""Helpers of the reliability tests (tests/python/test_reliability_*.py)."""

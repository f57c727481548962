"""How hard the reliability tests push: a quick default, the issue's full figures on demand.

    VQDB_SOAK=full pytest tests/python/reliability/test_reliability_*.py

The default run already uses real threads, real connections and thousands of
calls (it finishes in well under a minute per test); ``full`` runs the issue's
numbers (or more, where the default already meets them) for a longer soak.
"""

from __future__ import annotations

import os


def full() -> bool:
    return os.environ.get("VQDB_SOAK", "").lower() == "full"


def scale(default: int, full_size: int) -> int:
    """``full_size`` under VQDB_SOAK=full, else ``default``."""
    return full_size if full() else default

"""Which optional extra of vqdb brings a module, read from the package's own
metadata (pyproject.toml's optional-dependencies): a command whose extra is not
installed says what to install instead of dying with a traceback."""

from __future__ import annotations

import re
from importlib import metadata


def extra_providing(module: str | None) -> str | None:
    """The extra (e.g. "metrics") whose requirements include ``module``'s
    distribution, or None when no extra does (or vqdb's metadata is missing)."""
    if not module:
        return None
    top = module.split(".")[0].lower()
    try:
        requirements = metadata.requires("vqdb") or []
    except metadata.PackageNotFoundError:
        return None
    for requirement in requirements:
        match = re.match(r"([A-Za-z0-9._-]+).*;\s*extra\s*==\s*['\"](\w+)['\"]", requirement)
        if match and match.group(2) != "dev":
            if re.sub(r"[-.]", "_", match.group(1).lower()) == top:
                return match.group(2)
    return None

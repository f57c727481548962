"""Every SQL example of docs/sql-api.md, run as a DBA meets them: in one psql
session, in the order of the document (each example may use what an earlier one
set with \\gset), logged in as a worker service. An example written for a
driver (with $1 parameters) is prepared, so that it is checked against the
functions' signatures too."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

DOC = Path(__file__).resolve().parents[3] / "docs" / "sql-api.md"


def examples() -> list[tuple[int, str]]:
    """(line, text) of each ```sql block."""
    found, lines = [], DOC.read_text().splitlines()
    block: list[str] | None = None
    for number, line in enumerate(lines, 1):
        if block is None and line.strip() == "```sql":
            block, start = [], number
        elif block is not None and line.strip() == "```":
            found.append((start, "\n".join(block)))
            block = None
        elif block is not None:
            block.append(line)
    return found


def as_psql(line: int, text: str, index: int) -> str:
    if not re.search(r"\$\d", text):
        return f"\\echo example at docs/sql-api.md:{line}\n{text}\n"
    statements = [s.strip() for s in text.split(";") if s.strip()]
    prepared = [
        f"prepare doc_example_{index}_{n} as {statement};\ndeallocate doc_example_{index}_{n};"
        for n, statement in enumerate(statements)
    ]
    return f"\\echo example at docs/sql-api.md:{line} (prepared)\n" + "\n".join(prepared) + "\n"


def test_every_example_of_the_sql_reference_runs(worker_url):
    blocks = examples()
    assert len(blocks) > 20
    script = "\\set ON_ERROR_STOP on\n" + "".join(
        as_psql(line, text, i) for i, (line, text) in enumerate(blocks)
    )
    done = subprocess.run(
        ["psql", "-X", "-q", "-d", worker_url, "-f", "-"],
        input=script, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    last = [x for x in done.stdout.splitlines() if x.startswith("example at")][-1:]
    assert done.returncode == 0, f"{last}: {done.stderr}"
    assert last == [f"example at docs/sql-api.md:{blocks[-1][0]} (prepared)"]

"""The README's pipeline, as the README prints it, on a clip ffmpeg makes here:
only its two paths are replaced (the source and the output directory)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

README = Path(__file__).resolve().parents[3] / "README.md"


def readme_pipeline() -> str:
    section = README.read_text().split("## Workers: take encodes from the catalog", 1)[1]
    match = re.search(r"```python\n(.*?)```", section, re.S)
    assert match, "the README's Workers section has no python block"
    return match.group(1)


def test_the_readme_pipeline_runs(db_url: str, tmp_path: Path) -> None:
    source = tmp_path / "intro.mov"
    subprocess.run(
        ["ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i",
         "testsrc2=size=1280x720:rate=25", "-f", "lavfi", "-i", "sine", "-t", "2",
         "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac", str(source)],
        check=True,
    )  # fmt: skip
    code = readme_pipeline()
    assert code.count("/srv/in/intro.mov") == 1 and "/srv/out" in code
    code = code.replace("/srv/in/intro.mov", str(source)).replace("/srv/out", str(tmp_path / "out"))
    assert len(code.strip().splitlines()) <= 30, "the pipeline is meant to fit in 30 lines"
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
        env={"DATABASE_URL": db_url, "PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    lines = [line.split() for line in done.stdout.splitlines()]
    assert [(q, h, status) for q, h, _kbps, _codecs, status in lines] == [
        ("720p", "720", "ready"), ("480p", "480", "ready"), ("360p", "360", "ready"),
    ]  # fmt: skip
    assert all(codecs.startswith("avc1.") for *_, codecs, _ in lines)
    assert sorted(p.name for p in (tmp_path / "out").rglob("*.mp4")) == [
        "360p.mp4", "480p.mp4", "720p.mp4",
    ]  # fmt: skip

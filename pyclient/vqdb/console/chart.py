"""The overview's chart of encodes per minute, as geometry for an SVG drawn on the
server (templates/overview.html): no script, no library, nothing downloaded."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from vqdb.models import AttemptsInMinute

WIDTH, HEIGHT = 720, 160  # the drawing area, in SVG units
GAP = 2  # between bars


@dataclasses.dataclass(frozen=True)
class Bar:
    x: float
    width: float
    ready_height: float
    failed_height: float
    label: str  # the bar's tooltip


def bars(minutes: Sequence[AttemptsInMinute]) -> tuple[list[Bar], int]:
    """One stacked bar per minute (ready below, failed above), scaled so that the
    busiest minute fills the height; and that busiest minute's total."""
    peak = max((m.ready + m.failed for m in minutes), default=0)
    scale = HEIGHT / peak if peak else 0.0
    step = WIDTH / max(len(minutes), 1)
    return [
        Bar(
            x=i * step,
            width=max(step - GAP, 1),
            ready_height=m.ready * scale,
            failed_height=m.failed * scale,
            label=f"{m.minute:%H:%M}: {m.ready} ready, {m.failed} failed",
        )
        for i, m in enumerate(minutes)
    ], peak

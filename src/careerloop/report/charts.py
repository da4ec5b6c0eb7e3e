"""The score trend as an inline SVG (HTML pages) and as a PNG (Notion and Trello uploads).

Both are drawn by hand from the same layout so the two look alike and no plotting
library is needed. A period without a score leaves a gap in the line.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from careerloop.errors import CareerloopError
from careerloop.periods import Period
from careerloop.report.review import TrendPoint

__all__ = ["axis_label", "score_colour", "trend_png", "trend_svg"]

WIDTH = 640
HEIGHT = 220
_LEFT, _RIGHT, _TOP, _BOTTOM = 44, 16, 20, 34
_INSET = 24
_GRID = (0, 25, 50, 75, 100)
# The status bands behind the line: off track below 60, at risk to 90, on track above.
_BANDS = ((0, 60, "#fef2f2"), (60, 90, "#fffbeb"), (90, 100, "#f0fdf4"))
_THRESHOLDS = (60, 90)
_THRESHOLD_COLOUR = "#9ca3af"

_LINE = "#2563eb"
_AXIS = "#6b7280"
_GRID_COLOUR = "#e5e7eb"
_TEXT = "#374151"


def score_colour(score: int | None) -> str:
    """The colour of a score's dot: green on track, amber at risk, red off track."""
    if score is None:
        return "#9ca3af"
    if score >= 90:
        return "#16a34a"
    if score >= 60:
        return "#d97706"
    return "#dc2626"


@dataclass(slots=True, frozen=True)
class _Layout:
    width: int
    height: int

    def x(self, index: int, count: int) -> float:
        # Inset so the first and last dots and labels do not sit on the chart's edges.
        left = _LEFT + _INSET
        inner = self.width - left - _RIGHT - _INSET
        if count <= 1:
            return left + inner / 2
        return left + inner * index / (count - 1)

    def y(self, score: float) -> float:
        inner = self.height - _TOP - _BOTTOM
        clamped = min(max(score, 0.0), 100.0)
        return _TOP + inner * (1 - clamped / 100)


def _segments(points: Sequence[TrendPoint]) -> list[list[int]]:
    """Runs of consecutive indexes that have a score (a None breaks the line)."""
    runs: list[list[int]] = []
    current: list[int] = []
    for index, point in enumerate(points):
        if point.score is None:
            if current:
                runs.append(current)
            current = []
        else:
            current.append(index)
    if current:
        runs.append(current)
    return runs


def axis_label(label: str) -> str:
    """`2026-10` -> `Oct 2026` on the axis; a quarter or other label as is."""
    try:
        period = Period.parse(label)
    except CareerloopError:
        return label
    return period.start.strftime("%b %Y") if period.kind == "month" else label


def _num(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _bands_and_grid(layout: _Layout) -> list[str]:
    """The status bands, the grid lines with their labels, the thresholds and the axis."""
    x0, x1 = _LEFT, WIDTH - _RIGHT
    parts = []
    for low, high, fill in _BANDS:
        top, bottom = layout.y(high), layout.y(low)
        parts.append(
            f'<rect class="band" x="{x0}" y="{_num(top)}" width="{x1 - x0}" '
            f'height="{_num(bottom - top)}" fill="{fill}"/>'
        )
    for value in _GRID:
        y = _num(layout.y(value))
        colour = _AXIS if value == 0 else _GRID_COLOUR
        parts.append(
            f'<line x1="{x0}" y1="{y}" x2="{x1}" y2="{y}" stroke="{colour}" stroke-width="1"/>'
        )
        parts.append(
            f'<text x="{x0 - 6}" y="{y}" text-anchor="end" dominant-baseline="middle" '
            f'fill="{_TEXT}">{value}</text>'
        )
    for value in _THRESHOLDS:
        y = _num(layout.y(value))
        parts.append(
            f'<line class="threshold" x1="{x0}" y1="{y}" x2="{x1}" y2="{y}" '
            f'stroke="{_THRESHOLD_COLOUR}" stroke-width="1" stroke-dasharray="4 3"/>'
        )
        parts.append(
            f'<text x="{x1 - 2}" y="{_num(layout.y(value) - 4)}" text-anchor="end" '
            f'fill="{_TEXT}" font-size="10">{value}</text>'
        )
    parts.append(
        f'<line x1="{x0}" y1="{_num(layout.y(0))}" x2="{x0}" y2="{_num(layout.y(100))}" '
        f'stroke="{_AXIS}" stroke-width="1"/>'
    )
    return parts


def _score_line(points: Sequence[TrendPoint], layout: _Layout) -> list[str]:
    """A polyline per run of scored periods ("No scores yet" when there is none)."""
    count = len(points)
    parts = []
    if not any(p.score is not None for p in points):
        parts.append(
            f'<text x="{WIDTH / 2:.0f}" y="{HEIGHT / 2:.0f}" text-anchor="middle" '
            f'fill="{_TEXT}">No scores yet</text>'
        )
    for run in _segments(points):
        coords = " ".join(
            f"{_num(layout.x(i, count))},{_num(layout.y(points[i].score or 0))}" for i in run
        )
        parts.append(
            f'<polyline points="{coords}" fill="none" stroke="{_LINE}" stroke-width="2" '
            'stroke-linejoin="round"/>'
        )
    return parts


def _period_marks(points: Sequence[TrendPoint], layout: _Layout) -> list[str]:
    """Each period's axis label, and its dot and score when it has one."""
    count = len(points)
    parts = []
    for index, point in enumerate(points):
        x = _num(layout.x(index, count))
        parts.append(
            f'<text x="{x}" y="{HEIGHT - 12}" text-anchor="middle" fill="{_TEXT}">'
            f"{escape(axis_label(point.label))}</text>"
        )
        if point.score is None:
            continue
        y_pos = layout.y(point.score)
        parts.append(
            f'<circle cx="{x}" cy="{_num(y_pos)}" r="4" fill="{score_colour(point.score)}" '
            'stroke="#ffffff" stroke-width="1"/>'
        )
        parts.append(
            f'<text x="{x}" y="{_num(y_pos - 9)}" text-anchor="middle" fill="{_TEXT}" '
            f'font-weight="600">{point.score}</text>'
        )
    return parts


def trend_svg(points: Sequence[TrendPoint], *, title: str = "Score trend") -> str:
    """A self-contained SVG of the period scores on a 0-100 axis."""
    layout = _Layout(WIDTH, HEIGHT)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="{WIDTH}" height="{HEIGHT}" role="img" aria-label="{escape(title)}" '
        'font-family="system-ui, sans-serif" font-size="11">',
        f"<title>{escape(title)}</title>",
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="#ffffff"/>',
        *_bands_and_grid(layout),
        *_score_line(points, layout),
        *_period_marks(points, layout),
        "</svg>",
    ]
    return "\n".join(parts)


# --- PNG -------------------------------------------------------------------------------

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _rgb(colour: str) -> tuple[int, int, int]:
    value = colour.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


class _Canvas:
    """An RGB raster with just enough drawing for a line chart."""

    def __init__(self, width: int, height: int) -> None:
        self.width = width
        self.height = height
        self.pixels = bytearray(b"\xff" * (width * height * 3))

    def dot(self, x: int, y: int, colour: tuple[int, int, int]) -> None:
        if 0 <= x < self.width and 0 <= y < self.height:
            offset = (y * self.width + x) * 3
            self.pixels[offset : offset + 3] = bytes(colour)

    def disc(self, cx: float, cy: float, radius: float, colour: tuple[int, int, int]) -> None:
        r = int(radius) + 1
        for dy in range(-r, r + 1):
            for dx in range(-r, r + 1):
                if dx * dx + dy * dy <= radius * radius:
                    self.dot(round(cx) + dx, round(cy) + dy, colour)

    def line(
        self,
        start: tuple[float, float],
        end: tuple[float, float],
        colour: tuple[int, int, int],
        *,
        thickness: float = 1.0,
    ) -> None:
        (x0, y0), (x1, y1) = start, end
        steps = max(int(max(abs(x1 - x0), abs(y1 - y0))), 1)
        for step in range(steps + 1):
            t = step / steps
            x, y = x0 + (x1 - x0) * t, y0 + (y1 - y0) * t
            if thickness <= 1:
                self.dot(round(x), round(y), colour)
            else:
                self.disc(x, y, thickness / 2, colour)

    def png(self) -> bytes:
        stride = self.width * 3
        # Filter type 0 (None) on every row: simple, and zlib still compresses flat areas.
        raw = b"".join(
            b"\x00" + bytes(self.pixels[row * stride : (row + 1) * stride])
            for row in range(self.height)
        )
        header = struct.pack(">IIBBBBB", self.width, self.height, 8, 2, 0, 0, 0)
        return b"".join(
            [
                _PNG_SIGNATURE,
                _chunk(b"IHDR", header),
                _chunk(b"IDAT", zlib.compress(raw, 9)),
                _chunk(b"IEND", b""),
            ]
        )


def _chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


def trend_png(points: Sequence[TrendPoint], *, width: int = WIDTH, height: int = HEIGHT) -> bytes:
    """The same trend as a PNG: white background, axis, grid, line and dots (no text)."""
    layout = _Layout(width, height)
    canvas = _Canvas(width, height)
    x0, x1 = _LEFT, width - _RIGHT
    for low, high, fill in _BANDS:
        for row in range(round(layout.y(high)), round(layout.y(low))):
            canvas.line((x0, row), (x1, row), _rgb(fill))
    for value in _GRID[1:]:
        canvas.line((x0, layout.y(value)), (x1, layout.y(value)), _rgb(_GRID_COLOUR))
    canvas.line((x0, layout.y(0)), (x1, layout.y(0)), _rgb(_AXIS))
    canvas.line((x0, layout.y(0)), (x0, layout.y(100)), _rgb(_AXIS))
    for value in _THRESHOLDS:
        level = layout.y(value)
        for dash in range(x0, x1, 7):  # dashed, like the SVG
            canvas.line((dash, level), (min(dash + 4, x1), level), _rgb(_THRESHOLD_COLOUR))
    count = len(points)
    for run in _segments(points):
        coords = [(layout.x(i, count), layout.y(points[i].score or 0)) for i in run]
        for start, end in zip(coords, coords[1:], strict=False):
            canvas.line(start, end, _rgb(_LINE), thickness=2.5)
    for index, point in enumerate(points):
        if point.score is not None:
            x, y = layout.x(index, count), layout.y(point.score)
            canvas.disc(x, y, 5, (255, 255, 255))
            canvas.disc(x, y, 4, _rgb(score_colour(point.score)))
    return canvas.png()

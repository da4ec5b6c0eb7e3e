"""The trend chart as SVG and PNG."""

from __future__ import annotations

import struct
import xml.etree.ElementTree as ET
import zlib

import pytest

from careerloop.report.charts import HEIGHT, WIDTH, trend_png, trend_svg
from careerloop.report.review import TrendPoint

SVG = "{http://www.w3.org/2000/svg}"
POINTS = [
    TrendPoint("2026-06", 55),
    TrendPoint("2026-07", 70),
    TrendPoint("2026-08", None),
    TrendPoint("2026-09", 80),
    TrendPoint("2026-10", 95),
]


def test_svg_is_wellformed_with_a_gap_for_missing_scores() -> None:
    root = ET.fromstring(trend_svg(POINTS))
    assert root.tag == f"{SVG}svg"
    polylines = root.findall(f"{SVG}polyline")
    assert len(polylines) == 2  # the None in the middle breaks the line
    assert len(polylines[0].get("points", "").split()) == 2
    assert len(root.findall(f"{SVG}circle")) == 4
    texts = [t.text for t in root.findall(f"{SVG}text")]
    assert {"0", "50", "100"} <= set(texts)
    assert {"Jun 2026", "Aug 2026", "Oct 2026"} <= set(texts)  # months by name
    assert {"55", "95"} <= set(texts)


def test_svg_escapes_labels() -> None:
    svg = trend_svg([TrendPoint("<script>alert(1)</script>", 50)], title='a"b')
    assert "<script>" not in svg
    assert "&lt;script&gt;" in svg
    ET.fromstring(svg)


def test_svg_without_scores() -> None:
    svg = trend_svg([TrendPoint("2026-10", None)])
    assert "No scores yet" in svg
    assert "<polyline" not in svg
    assert "No scores yet" in trend_svg([])


def _chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    chunks = []
    offset = 8
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset : offset + 4])
        kind = data[offset + 4 : offset + 8]
        body = data[offset + 8 : offset + 8 + length]
        (crc,) = struct.unpack(">I", data[offset + 8 + length : offset + 12 + length])
        assert crc == zlib.crc32(kind + body) & 0xFFFFFFFF
        chunks.append((kind, body))
        offset += 12 + length
    return chunks


def _decode(data: bytes) -> tuple[int, int, bytes]:
    chunks = _chunks(data)
    assert [k for k, _ in chunks][0] == b"IHDR" and chunks[-1][0] == b"IEND"
    width, height, depth, colour, _, _, _ = struct.unpack(">IIBBBBB", chunks[0][1])
    assert (depth, colour) == (8, 2)  # 8-bit RGB
    raw = zlib.decompress(b"".join(body for kind, body in chunks if kind == b"IDAT"))
    return width, height, raw


def test_png_signature_size_and_pixels() -> None:
    data = trend_png(POINTS)
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    width, height, raw = _decode(data)
    assert (width, height) == (WIDTH, HEIGHT)
    assert len(raw) == height * (1 + width * 3)
    stride = 1 + width * 3
    rows = [raw[r * stride + 1 : (r + 1) * stride] for r in range(height)]
    assert all(raw[r * stride] == 0 for r in range(height))  # filter byte
    assert rows[0][:3] == b"\xff\xff\xff"  # white background
    pixels = {rows[y][x : x + 3] for y in range(height) for x in range(0, width * 3, 3)}
    assert bytes.fromhex("2563eb") in pixels  # the line
    assert bytes.fromhex("16a34a") in pixels  # a dot on track (95)


def test_png_custom_size_and_empty_trend() -> None:
    width, height, raw = _decode(trend_png([], width=120, height=80))
    assert (width, height) == (120, 80)
    assert len(raw) == 80 * (1 + 120 * 3)
    single = trend_png([TrendPoint("2026-10", 40)])
    assert single.startswith(b"\x89PNG")


def test_svg_shows_the_status_bands_and_the_60_and_90_lines() -> None:
    root = ET.fromstring(trend_svg(POINTS))
    bands = [r for r in root.findall(f"{SVG}rect") if r.get("class") == "band"]
    # 0-60 off track, 60-90 at risk, 90-100 on track: heights in proportion 60 : 30 : 10
    heights = [float(r.get("height", "0")) for r in bands]
    assert len(heights) == 3
    assert heights[0] == pytest.approx(6 * heights[2], abs=0.2)
    assert heights[1] == pytest.approx(3 * heights[2], abs=0.2)
    thresholds = [line for line in root.findall(f"{SVG}line") if line.get("class") == "threshold"]
    assert len(thresholds) == 2
    texts = [t.text for t in root.findall(f"{SVG}text")]
    assert {"60", "90"} <= set(texts)


def test_quarter_labels_stay_as_they_are() -> None:
    texts = [
        t.text for t in ET.fromstring(trend_svg([TrendPoint("2026-Q3", 80)])).iter(f"{SVG}text")
    ]
    assert "2026-Q3" in texts

"""The size an image declares, read from its bytes; corrupted or foreign bytes give none."""

from __future__ import annotations

import struct

import pytest

from sportello.conversations.image_size import fit, image_size
from tests.attachment_files import HTML_PAGE, SVG_IMAGE, png


def jpeg(width: int, height: int, *, exif: int = 0) -> bytes:
    app1 = b"\xff\xe1" + struct.pack(">H", exif + 2) + b"\x00" * exif if exif else b""
    sof = b"\xff\xc0" + struct.pack(">HBHHB", 11, 8, height, width, 1) + b"\x01\x11\x00"
    return b"\xff\xd8" + app1 + b"\xff\xdb\x00\x04\x00\x00" + sof + b"\xff\xda\x00\x02"


def gif(width: int, height: int) -> bytes:
    return b"GIF89a" + struct.pack("<HH", width, height) + b"\x00" * 8


def webp_lossless(width: int, height: int) -> bytes:
    bits = (width - 1) | ((height - 1) << 14)
    return b"RIFF\x00\x00\x00\x00WEBPVP8L\x00\x00\x00\x00\x2f" + bits.to_bytes(4, "little")


def webp_extended(width: int, height: int) -> bytes:
    return (
        b"RIFF\x00\x00\x00\x00WEBPVP8X\x0a\x00\x00\x00\x00\x00\x00\x00"
        + (width - 1).to_bytes(3, "little")
        + (height - 1).to_bytes(3, "little")
    )


@pytest.mark.parametrize(
    ("content", "size"),
    [
        (png(640, 480), (640, 480)),
        (jpeg(1200, 900), (1200, 900)),
        (jpeg(3000, 4000, exif=30_000), (3000, 4000)),
        (gif(16, 9), (16, 9)),
        (webp_lossless(300, 200), (300, 200)),
        (webp_extended(1920, 1080), (1920, 1080)),
    ],
)
def test_a_real_image_declares_its_size(content, size):
    assert image_size(content) == size


@pytest.mark.parametrize(
    "content",
    [
        b"",
        png(4, 4)[:20],  # cut inside its header
        b"\x89PNG\r\n\x1a\n" + b"\x00" * 40,  # no IHDR
        png(0, 10),  # a zero side
        b"\xff\xd8\xff\xe0\x00",  # a JPEG cut short
        b"\xff\xd8\x00\x00garbage",
        b"\xff\xd8\xff\xda\x00\x02",  # scan before any frame header
        HTML_PAGE,
        SVG_IMAGE,
        b"RIFF\x00\x00\x00\x00WEBPVP8 \x00",
    ],
)
def test_corrupted_or_foreign_bytes_declare_no_size(content):
    assert image_size(content) is None


@pytest.mark.parametrize(
    ("size", "box", "fitted"),
    [
        ((640, 480), (240, 180), (240, 180)),
        ((100, 50), (240, 180), (100, 50)),  # never scaled up
        ((180, 1800), (240, 180), (18, 180)),
        ((5000, 1), (240, 180), (240, 1)),
    ],
)
def test_a_thumbnail_keeps_the_proportions_within_its_box(size, box, fitted):
    assert fit(size, box) == fitted

#!/usr/bin/env python3
"""Draws the app icon (a white check mark on a green rounded square) and writes every size Tauri bundles.

Uses only the standard library (zlib, struct), so it runs anywhere python3 does:
    python3 app-shell/icons/generate.py
Writes 32x32.png, 128x128.png, 128x128@2x.png, icon.png (512x512), icon.ico and icon.icns next to itself.
"""

import os
import struct
import zlib

GREEN = (0x2E, 0x7D, 0x32)
WHITE = (0xFF, 0xFF, 0xFF)
HERE = os.path.dirname(os.path.abspath(__file__))


def coverage(x, y, size):
    """Returns (alpha of the square, whether the pixel is on the check mark) for pixel centre (x, y)."""
    u, v = (x + 0.5) / size, (y + 0.5) / size
    radius, inset = 0.18, 0.04
    # Rounded square: distance outside the inner rectangle, compared with the corner radius.
    dx = max(inset + radius - u, 0.0, u - (1 - inset - radius))
    dy = max(inset + radius - v, 0.0, v - (1 - inset - radius))
    inside = (dx * dx + dy * dy) ** 0.5 <= radius
    # Check mark: two thick segments (0.27, 0.52) -> (0.43, 0.68) -> (0.74, 0.34).
    on_check = min(segment_distance(u, v, 0.27, 0.52, 0.43, 0.68),
                   segment_distance(u, v, 0.43, 0.68, 0.74, 0.34)) <= 0.055
    return inside, on_check


def segment_distance(px, py, ax, ay, bx, by):
    abx, aby = bx - ax, by - ay
    t = max(0.0, min(1.0, ((px - ax) * abx + (py - ay) * aby) / (abx * abx + aby * aby)))
    cx, cy = ax + t * abx - px, ay + t * aby - py
    return (cx * cx + cy * cy) ** 0.5


def rgba_rows(size):
    """Renders the icon with 4x4 supersampling for smooth edges."""
    samples = 4
    rows = []
    for y in range(size):
        row = bytearray()
        for x in range(size):
            alpha = check = 0
            for sy in range(samples):
                for sx in range(samples):
                    inside, on_check = coverage((x * samples + sx) / samples, (y * samples + sy) / samples, size)
                    alpha += inside
                    check += inside and on_check
            n = samples * samples
            if alpha == 0:
                row += bytes(4)
                continue
            mix = check / alpha
            colour = [round(g * (1 - mix) + w * mix) for g, w in zip(GREEN, WHITE)]
            row += bytes(colour) + bytes([round(255 * alpha / n)])
        rows.append(bytes(row))
    return rows


def png(size):
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"".join(b"\x00" + row for row in rgba_rows(size))
    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)  # 8-bit RGBA
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


def ico(images):
    """ICO with PNG-compressed entries (supported since Windows Vista)."""
    out = struct.pack("<HHH", 0, 1, len(images))
    offset = 6 + 16 * len(images)
    for size, data in images:
        dimension = 0 if size >= 256 else size
        out += struct.pack("<BBBBHHII", dimension, dimension, 0, 0, 1, 32, len(data), offset)
        offset += len(data)
    return out + b"".join(data for _, data in images)


def icns(images):
    """ICNS with PNG entries: ic07 is 128 px, ic08 256 px, ic09 512 px."""
    body = b"".join(kind + struct.pack(">I", len(data) + 8) + data for kind, data in images)
    return b"icns" + struct.pack(">I", len(body) + 8) + body


def main():
    sizes = {size: png(size) for size in (32, 128, 256, 512)}
    files = {
        "32x32.png": sizes[32],
        "128x128.png": sizes[128],
        "128x128@2x.png": sizes[256],
        "icon.png": sizes[512],
        "icon.ico": ico([(32, sizes[32]), (128, sizes[128]), (256, sizes[256])]),
        "icon.icns": icns([(b"ic07", sizes[128]), (b"ic08", sizes[256]), (b"ic09", sizes[512])]),
    }
    for name, data in files.items():
        with open(os.path.join(HERE, name), "wb") as f:
            f.write(data)
        print(f"wrote {name} ({len(data)} bytes)")


if __name__ == "__main__":
    main()

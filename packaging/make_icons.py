"""Render the app icon (resources/icons/just-dna-desktop.svg) to every size the platforms want.

    uv run --group build python packaging/make_icons.py          # (re)write the files
    uv run --group build python packaging/make_icons.py --check  # exit 1 if any is missing/stale

PNG sizes for the Linux icon theme (hicolor) and the window icon, a Windows .ico and a macOS
.icns. Qt's SVG renderer draws the PNGs (PySide6 is already a dependency); Pillow, in the `build`
group, writes .ico and .icns. Files are only rewritten when their bytes change, so a build leaves
the tree clean.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

ICONS = Path(__file__).resolve().parent.parent / "just_dna_desktop" / "resources" / "icons"
NAME = "just-dna-desktop"
SOURCE = ICONS / f"{NAME}.svg"
PNG_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
ICNS_SIZES = (16, 32, 64, 128, 256, 512, 1024)


def render_png(size: int) -> bytes:
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    _ = QGuiApplication.instance() or QGuiApplication([sys.argv[0]])
    renderer = QSvgRenderer(str(SOURCE))
    if not renderer.isValid():
        raise SystemExit(f"{SOURCE}: not a valid SVG")
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(0)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    buffer.close()
    return bytes(data)


def pillow_image(png: bytes):
    from PIL import Image

    return Image.open(io.BytesIO(png)).convert("RGBA")


def wanted_files() -> dict[Path, bytes]:
    pngs = {size: render_png(size) for size in sorted(set(PNG_SIZES) | set(ICNS_SIZES))}
    files = {ICONS / f"{NAME}-{size}.png": pngs[size] for size in PNG_SIZES}

    # Pillow downsamples the largest image for each .ico size; hand it the crisp renders instead.
    largest = pillow_image(pngs[max(ICO_SIZES)])
    ico = io.BytesIO()
    largest.save(ico, format="ICO", sizes=[(s, s) for s in ICO_SIZES],
                 append_images=[pillow_image(pngs[s]) for s in ICO_SIZES if s != max(ICO_SIZES)])
    files[ICONS / f"{NAME}.ico"] = ico.getvalue()

    icns = io.BytesIO()
    pillow_image(pngs[1024]).save(icns, format="ICNS",
                                  append_images=[pillow_image(pngs[s]) for s in ICNS_SIZES[:-1]])
    files[ICONS / f"{NAME}.icns"] = icns.getvalue()
    return files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="only report missing or stale files (exit 1 if any)")
    args = parser.parse_args(argv)
    stale = []
    for path, data in wanted_files().items():
        if path.exists() and path.read_bytes() == data:
            continue
        stale.append(path)
        if not args.check:
            path.write_bytes(data)
    for path in stale:
        print(f"{'stale' if args.check else 'wrote'} {path.relative_to(ICONS.parent.parent.parent)}")
    return 1 if (args.check and stale) else 0


if __name__ == "__main__":
    sys.exit(main())

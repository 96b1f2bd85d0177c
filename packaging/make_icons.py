"""Render the app icon from ``resources/captioner.svg`` for every platform.

    python packaging/make_icons.py [OUTDIR]        (default: build/icons)

Writes, from the one SVG (each size rendered from the vector, not scaled down
from a big bitmap, so the small sizes stay crisp):

    OUTDIR/hicolor/<N>x<N>/apps/captioner.png     N = 16 22 24 32 48 64 128 256 512
    OUTDIR/hicolor/scalable/apps/captioner.svg    (a copy of the source)
    OUTDIR/captioner.ico                          16 … 256, for Windows (PyInstaller icon=)
    OUTDIR/captioner.icns                         16 … 1024, for macOS (BUNDLE icon=)

Qt (QSvgRenderer, already a dependency) renders; Pillow writes the
multi-resolution ICO and ICNS containers, which Qt's image plugins cannot.
The Linux icon name is ``captioner``, as ``Icon=`` in the .desktop entry says.
"""

from __future__ import annotations

import io
import os
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SVG = ROOT / "resources" / "captioner.svg"
ICON_NAME = "captioner"
HICOLOR_SIZES = (16, 22, 24, 32, 48, 64, 128, 256, 512)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
ICNS_SIZES = (16, 32, 64, 128, 256, 512, 1024)


def render_png(svg: Path, size: int) -> bytes:
    """The SVG rendered into a transparent ``size``×``size`` PNG."""
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QRectF
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise SystemExit(f"make_icons: cannot read {svg}")
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(0)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    # Keep the aspect ratio: a non-square viewBox is centred, not stretched.
    view = renderer.viewBoxF()
    scale = size / max(view.width(), view.height())
    w, h = view.width() * scale, view.height() * scale
    renderer.render(painter, QRectF((size - w) / 2, (size - h) / 2, w, h))
    painter.end()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    if not image.save(buffer, "PNG"):
        raise SystemExit(f"make_icons: rendering {size}px failed")
    buffer.close()
    return bytes(data.data())


def write_if_changed(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists() or path.read_bytes() != data:
        path.write_bytes(data)


def main(argv: list[str]) -> int:
    out = Path(argv[1]) if len(argv) > 1 else ROOT / "build" / "icons"
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PIL import Image
    from PySide6.QtGui import QGuiApplication

    _app = QGuiApplication.instance() or QGuiApplication(argv[:1])
    sizes = sorted(set(HICOLOR_SIZES) | set(ICO_SIZES) | set(ICNS_SIZES))
    pngs = {size: render_png(SVG, size) for size in sizes}
    images = {size: Image.open(io.BytesIO(data)) for size, data in pngs.items()}

    for size in HICOLOR_SIZES:
        write_if_changed(
            out / "hicolor" / f"{size}x{size}" / "apps" / f"{ICON_NAME}.png", pngs[size]
        )
    scalable = out / "hicolor" / "scalable" / "apps" / f"{ICON_NAME}.svg"
    scalable.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(SVG, scalable)

    # Pillow picks each listed size from append_images when one matches exactly.
    largest = max(ICO_SIZES)
    ico = io.BytesIO()
    images[largest].save(
        ico,
        format="ICO",
        sizes=[(s, s) for s in ICO_SIZES],
        append_images=[images[s] for s in ICO_SIZES if s != largest],
    )
    write_if_changed(out / f"{ICON_NAME}.ico", ico.getvalue())

    largest = max(ICNS_SIZES)
    icns = io.BytesIO()
    images[largest].save(
        icns,
        format="ICNS",
        append_images=[images[s] for s in ICNS_SIZES if s != largest],
    )
    write_if_changed(out / f"{ICON_NAME}.icns", icns.getvalue())

    # Read both containers back: a broken writer must fail the build, not the user.
    with Image.open(out / f"{ICON_NAME}.ico") as ico_image:
        got = sorted(ico_image.info["sizes"])
        if got != [(s, s) for s in ICO_SIZES]:
            raise SystemExit(f"make_icons: {ICON_NAME}.ico has sizes {got}")
    with Image.open(out / f"{ICON_NAME}.icns") as icns_image:
        got = sorted({w for w, _h, _scale in icns_image.info["sizes"]})
        if max(got) < 512:
            raise SystemExit(f"make_icons: {ICON_NAME}.icns has sizes {got}")
    print(f"make_icons: {len(HICOLOR_SIZES)} PNG sizes, .ico and .icns in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

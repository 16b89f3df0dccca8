"""Draw the app's icons (PNG, for the web app manifest and home screens) from the same mark as
stegvis/core/static/core/favicon.svg: white steps on green. Run after changing the mark:

    python scripts/build_icons.py
"""

from pathlib import Path

from PIL import Image, ImageDraw

GREEN = (11, 92, 74)
WHITE = (255, 255, 255)
# The favicon's path, on its 32-unit grid.
STEPS = [(6, 24), (12, 24), (12, 19), (18, 19), (18, 14), (26, 14)]
OUT = Path(__file__).parents[1] / "stegvis" / "core" / "static" / "core" / "icons"


def draw(size: int, *, maskable: bool) -> Image.Image:
    # Drawn four times larger and scaled down, for smooth edges.
    big = size * 4
    image = Image.new(
        "RGB" if maskable else "RGBA", (big, big), GREEN if maskable else (0, 0, 0, 0)
    )
    pen = ImageDraw.Draw(image)
    if not maskable:
        pen.rounded_rectangle((0, 0, big - 1, big - 1), radius=big * 6 // 32, fill=GREEN)
    # A maskable icon keeps its mark inside the middle 80%, which every mask shows.
    scale, offset = (big * 0.8 / 32, big * 0.1) if maskable else (big / 32, 0)
    points = [(offset + x * scale, offset + y * scale) for x, y in STEPS]
    width = round(3 * scale)
    pen.line(points, fill=WHITE, width=width, joint="curve")
    for x, y in (points[0], points[-1]):
        pen.ellipse((x - width / 2, y - width / 2, x + width / 2, y + width / 2), fill=WHITE)
    return image.resize((size, size), Image.LANCZOS)


if __name__ == "__main__":
    OUT.mkdir(parents=True, exist_ok=True)
    for size in (192, 512):
        draw(size, maskable=False).save(OUT / f"icon-{size}.png", optimize=True)
    draw(512, maskable=True).save(OUT / "maskable-512.png", optimize=True)
    draw(180, maskable=True).save(OUT / "apple-touch-icon.png", optimize=True)

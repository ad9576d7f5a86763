"""The loss curve as a PNG drawn with Pillow (no plotting library): every step's loss in light grey, a
moving average over it in black, on a logarithmic loss axis (a U-Net's loss falls by orders of magnitude
in its first hundred steps, then slowly)."""

from __future__ import annotations

import math
from pathlib import Path

from ..cache import atomic_write


def draw_loss_curve(losses: list[float], path: Path, title: str, size: tuple[int, int] = (640, 360)) -> None:
    from PIL import Image, ImageDraw

    w, h = size
    left, right, top, bottom = 56, 16, 28, 32
    img = Image.new("RGB", size, "white")
    d = ImageDraw.Draw(img)
    d.text((left, 8), title, fill="black")
    d.rectangle([left, top, w - right, h - bottom], outline="#888888")
    values = [v for v in losses if v > 0 and math.isfinite(v)]
    if values:
        lo, hi = math.log10(min(values)), math.log10(max(values))
        if hi - lo < 1e-6:
            lo, hi = lo - 0.5, hi + 0.5
        n = max(2, len(losses))

        def xy(i: int, v: float) -> tuple[float, float]:
            x = left + (w - left - right) * i / (n - 1)
            y = top + (h - top - bottom) * (hi - math.log10(max(v, 10 ** lo))) / (hi - lo)
            return x, y

        for k in range(math.floor(lo), math.ceil(hi) + 1):
            for m in (1, 2, 5):
                v = m * 10.0 ** k
                if 10 ** lo <= v <= 10 ** hi:
                    y = xy(0, v)[1]
                    d.line([left, y, w - right, y], fill="#e6e6e6")
                    d.text((4, y - 6), f"{v:.3g}", fill="#444444")
        raw = [xy(i, v) for i, v in enumerate(losses) if v > 0 and math.isfinite(v)]
        if len(raw) > 1:
            d.line(raw, fill="#bbbbbb", width=1)
        window = max(1, len(losses) // 50)
        smooth, acc = [], 0.0
        for i, v in enumerate(losses):
            acc += v
            if i >= window:
                acc -= losses[i - window]
            smooth.append(xy(i, acc / min(i + 1, window)))
        if len(smooth) > 1:
            d.line(smooth, fill="black", width=2)
        d.text((left, h - bottom + 6), "step 0", fill="#444444")
        d.text((w - right - 80, h - bottom + 6), f"step {len(losses)}", fill="#444444")
    atomic_write(path, lambda fh: img.save(fh, format="PNG"))
